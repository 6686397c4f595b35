#!/usr/bin/env bash
# Fill the workshop app's offline front-end cache from the npm registry.
# The Solara server loads its front end from a CDN unless the files are in this cache;
# with them, the workshop app makes no request outside the machine. The work is done by
# `python -m abm.workshop.assets install` (needs npm); this finds a Python with the
# project installed: .venv/bin/python (bash scripts/setup.sh), else $PYTHON, else python3.
# Cache: $NHS_ABM_WORKSHOP_ASSETS, else $XDG_CACHE_HOME (or ~/.cache)/nhs-reform-abm/workshop-assets/cdn.
# Packages already in the cache are skipped. Exits non-zero unless the cache is complete.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# -P: do not put the current folder on sys.path, so a source tree next to an
# interpreter without the project does not pass for an installed project.
can_import_project() {
  "$1" -P -c 'import abm.workshop.assets' >/dev/null 2>&1
}

find_python() {
  local py
  for py in "$root/.venv/bin/python" "${PYTHON:-}" python3; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || continue
    if can_import_project "$py"; then
      echo "$py"
      return 0
    fi
  done
  return 1
}

if ! py=$(find_python); then
  echo "install_workshop_assets: no Python with the project installed (tried" \
       "$root/.venv/bin/python, \$PYTHON=${PYTHON:-unset}, python3); run bash scripts/setup.sh" \
       "or set PYTHON to the interpreter of the environment the project is installed in" >&2
  exit 1
fi
if ! "$py" -P -m abm.workshop.assets install; then
  echo "install_workshop_assets: failed; the workshop's front-end cache is incomplete" \
       "($("$py" -P -m abm.workshop.assets path 2>/dev/null || echo 'cache folder unknown'))" >&2
  exit 1
fi
