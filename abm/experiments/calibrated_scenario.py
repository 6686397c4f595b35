"""Write the calibrated scenario YAML from a calibration run directory.

``python -m abm.experiments.calibrated_scenario RUN_DIR > configs/scenario/england_calibrated.yaml``

The values are the posterior medians of ``calibration_parameters.parquet``
(integers rounded, others to three significant figures); the header records the
command, seed, budget and commit that produced them, so the file can be
regenerated and checked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import yaml

from .calibrate import fitted_values


def _nest(values: dict[str, float]) -> dict:
    tree: dict = {}
    for path, value in values.items():
        *parents, leaf = path.removeprefix("scenario.").split(".")
        node = tree
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return tree


def scenario_yaml(run_dir: Path | str) -> str:
    """The ``england_calibrated`` scenario file for a finished calibration run.

    Args:
        run_dir: Directory written by ``nhs-abm experiment=calibrate``.

    Returns:
        YAML text: the England default with the fitted values set.
    """
    run_dir = Path(run_dir)
    parameters = pd.read_parquet(run_dir / "calibration_parameters.parquet")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    history = pd.read_parquet(run_dir / "calibration_history.parquet")
    experiment = config["experiment"]
    lines = [
        "# England calibrated to the NHS record: the England default with the posterior",
        "# medians of the ABC-SMC calibration of the status quo (experiments/README.md,",
        "# docs/ODD.md section 6.1), fitted on the scenario "
        f"{config['scenario']['name']} (start {config['scenario']['start']['date']}).",
        "# Intervals, targets and what does not fit: the run's calibration_*.parquet tables",
        "# and report. Produced by",
        f"#   nhs-abm experiment=calibrate seed={config['seed']} months={config['months']} \\",
        f"#     experiment.population_size={experiment['population_size']} "
        f"experiment.generations={experiment['generations']} \\",
        f"#     experiment.max_simulations={experiment['max_simulations']} "
        f"experiment.replications_per_simulation={experiment['replications_per_simulation']}",
        f"# (commit {manifest.get('git_commit')}; {experiment['population_size']} particles, "
        f"{len(history)} generations, {int(history['total_simulations'].iloc[0])} simulations",
        f"# of {experiment['replications_per_simulation']} replications x {config['months']} "
        f"months; {float(history['seconds'].iloc[0]):.0f} s for the fit), then",
        "#   python -m abm.experiments.calibrated_scenario RUN_DIR",
        "# Run experiments over the posterior instead of its medians with",
        "#   nhs-abm posterior=RUN_DIR/calibration_draws.parquet",
        "defaults:",
        "  - /defaults/scenario@_here_",
        "  - _self_",
        "name: england_calibrated",
    ]
    body = yaml.safe_dump(_nest(fitted_values(parameters)), sort_keys=False)
    return "\n".join(lines) + "\n" + body


def main() -> None:
    """Print the scenario YAML of the run directory given on the command line."""
    if len(sys.argv) != 2:
        sys.exit("usage: python -m abm.experiments.calibrated_scenario RUN_DIR")
    sys.stdout.write(scenario_yaml(sys.argv[1]))


if __name__ == "__main__":
    main()
