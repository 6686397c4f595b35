#!/usr/bin/env bash
# Install (first time only) and run the main job: the four strategies on the England default.
# Extra arguments are Hydra overrides, e.g.  bash scripts/run.sh strategy=scaler_led replications=200 seed=7
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/nhs-abm "$@"
