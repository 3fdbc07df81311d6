#!/usr/bin/env bash
# Install code-server (a real VS Code workbench + Node extension host) for the editor tests,
# using only the npm registry and Debian packages: its postinstall steps would download
# ripgrep from elsewhere, so they run by hand here with Debian's rg dropped in.
#
# Idempotent: a finished install is marked with .complete and reused; a half-finished one is
# started over. Output: .cache/editors/code-server-<version>/ (ignored by git).
# Debian packages needed first (see docs/editors.md):
#   build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium fonts-dejavu-core
# code-server 4.100.3 (VS Code 1.100.3) is the last release that runs on Node 20.
set -euo pipefail

VERSION=${CODE_SERVER_VERSION:-4.100.3}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${DOMAIN_LSP_EDITORS_CACHE:-$REPO/.cache/editors}
DEST=$CACHE/code-server-$VERSION
ENTRY=$DEST/node_modules/code-server/out/node/entry.js

if [[ -f $DEST/.complete && -f $ENTRY ]]; then
    echo "$DEST/node_modules/.bin/code-server"
    exit 0
fi

for tool in node npm rg make g++ pkg-config; do
    command -v "$tool" >/dev/null || { echo "install-code-server: '$tool' is missing (apt-get install the packages listed in this script)" >&2; exit 1; }
done

mkdir -p "$CACHE"
# Keep the cache out of git without touching the project's .gitignore.
[[ -f $CACHE/.gitignore ]] || printf '*\n' > "$CACHE/.gitignore"
rm -rf "$DEST"
mkdir -p "$DEST"
cd "$DEST"
export npm_config_yes=true          # node-pty's install script runs `npx node-gyp`
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

printf '{"name":"code-server-cache","private":true}\n' > package.json
npm install --ignore-scripts --no-save "code-server@$VERSION" >&2
CS=$DEST/node_modules/code-server
# argon2 has no usable prebuilt here: build it from source.
npm rebuild argon2 --foreground-scripts >&2

cd "$CS/lib/vscode"
npm install --omit=dev --ignore-scripts >&2
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild --foreground-scripts >&2
# The rest of code-server's own postinstall.sh.
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --foreground-scripts >&2)

touch "$DEST/.complete"
echo "$DEST/node_modules/.bin/code-server"
