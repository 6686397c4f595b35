#!/usr/bin/env bash
# Install the project with its test tools (first time only) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,ray
# Chromium for the report's browser tests (Debian package; skipped if already present).
bash scripts/install_browser.sh || echo "test.sh: no Chromium installed; the browser tests will skip" >&2
# The workshop app's front end (Solara's, from the npm registry) for its offline browser tests.
bash scripts/install_workshop_assets.sh
exec .venv/bin/python -m pytest "$@"
