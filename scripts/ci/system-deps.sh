#!/usr/bin/env bash
# Debian packages the end-to-end tests use, and code-server (from npm) for the VS Code tests.
# Idempotent; needs root (CI and the development machines run as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(
  postgresql                                   # live-source tests start their own server
  build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep
  chromium fonts-dejavu-core                   # code-server's native modules; headless UI test
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
scripts/editors/install-code-server.sh >/dev/null
