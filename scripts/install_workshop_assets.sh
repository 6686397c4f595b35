#!/usr/bin/env bash
# Fill the workshop's offline asset cache (.workshop_assets/cdn) from the npm registry.
# The Solara server loads its front end from a CDN unless the files are in this cache;
# with them, the workshop app makes no request outside the machine. Needs npm and the
# project's .venv (bash scripts/setup.sh). Packages already in the cache are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=".workshop_assets/cdn"
if ! command -v npm >/dev/null 2>&1; then
  echo "install_workshop_assets: npm not found; install Node.js (npm) to fetch the workshop's front end" >&2
  exit 1
fi
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for spec in $(.venv/bin/python -m abm.workshop.assets); do
  target="$cache/$spec"
  if [ -f "$target/package.json" ]; then
    continue
  fi
  tarball=$(cd "$work" && npm pack --silent "$spec" | tail -n 1)
  mkdir -p "$work/x"
  tar -xzf "$work/$tarball" -C "$work/x"
  mkdir -p "$(dirname "$target")"
  rm -rf "$target.tmp"
  mv "$work/x/package" "$target.tmp"
  mv "$target.tmp" "$target"   # complete or absent, never half-extracted
  rm -rf "$work/x" "$work/$tarball"
  echo "install_workshop_assets: $spec"
done
echo "install_workshop_assets: cache complete in $cache"
