#!/usr/bin/env bash
# Install a Chromium for the report's browser tests and static images: Debian's `chromium`
# package through apt-get. Does nothing when a chromium binary is already on the PATH.
# (Playwright's own browser download is not used: it needs a host that may be unreachable.)
set -euo pipefail
for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null 2>&1; then
    echo "install_browser: $(command -v "$name") already present"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser: no apt-get here; install Chromium yourself (the browser tests skip without it)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install_browser: not root and no sudo; the browser tests will skip" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
echo "install_browser: installed $(command -v chromium)"
