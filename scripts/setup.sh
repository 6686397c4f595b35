#!/usr/bin/env bash
# Create .venv with a Python 3.12+ interpreter and install the project into it.
# Usage: bash scripts/setup.sh [extra]   (extra: dev for the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidates=("${PYTHON:-}" python3.13 python3.12 python3)
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    for v in "$root"/versions/3.1[2-9]*; do candidates+=("$v/bin/python"); done
  fi
  for py in "${candidates[@]}"; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || [ -x "$py" ] || continue
    if "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

extra="${1:-}"
if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "setup: Python 3.12 or newer is required (Mesa 3.5); set PYTHON=/path/to/python3.12" >&2; exit 1; }
  echo "setup: creating .venv with $py ($("$py" --version))"
  "$py" -m venv .venv
fi
spec="."
[ -n "$extra" ] && spec=".[$extra]"
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-${extra:-base}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e "$spec"
  touch "$stamp"
fi
