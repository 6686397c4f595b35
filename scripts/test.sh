#!/usr/bin/env bash
# Install the project with its test tools (first time only) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,ray
exec .venv/bin/python -m pytest "$@"
