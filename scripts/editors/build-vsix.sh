#!/usr/bin/env bash
# Build editors/vscode/domain-lsp-<version>.vsix: npm ci (lockfile), type check, esbuild bundle,
# then vsce package. Prints the .vsix path. Needs Node 20 and npm; uses the npm registry only.
set -euo pipefail
EXT=$(cd "$(dirname "$0")/../../editors/vscode" && pwd)
cd "$EXT"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# Reinstall only when the lockfile changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund >&2
fi
VERSION=$(node -p 'require("./package.json").version')
OUT=$EXT/domain-lsp-$VERSION.vsix
# vscode:prepublish runs the type check and the bundle.
npx --no-install @vscode/vsce@3.9.2 package --no-dependencies --out "$OUT" >&2
echo "$OUT"
