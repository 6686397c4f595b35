"""Run the scenario pack's arms and save each as an ordinary run folder.

Every arm of every scenario is composed from its Hydra overrides and validated
before anything runs, so a bad override stops the build with no output. Each arm
is then run with the pack's seed, replications and months (common random
numbers across arms) and written by ``abm.outputs.write_run`` into
``OUT_DIR/runs/<scenario>/<arm>/``. An arm already saved with the same
configuration is not run again.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ..cli import compose_run_config
from ..config import ConfigError, RunConfig
from ..outputs import write_run
from ..runner import run_experiment
from .scenarios import ScenarioPack

DEFINITION_FILE = "scenarios.yaml"


def arm_dir(out_dir: Path, scenario_id: str, arm_id: str) -> Path:
    """Folder of one arm's saved run."""
    return Path(out_dir) / "runs" / scenario_id / arm_id


def arm_configs(pack: ScenarioPack, workers: int = 1) -> dict[tuple[str, str], RunConfig]:
    """The validated run configuration of every arm, keyed by (scenario id, arm id).

    Args:
        pack: The pack definition.
        workers: Worker processes per run (results do not depend on it).

    Returns:
        The configurations, in the pack's order.

    Raises:
        ConfigError: Naming the scenario and arm of the first invalid override.
    """
    configs = {}
    for scenario in pack.scenarios:
        for arm in scenario.arms:
            try:
                configs[scenario.id, arm.id] = compose_run_config(
                    *arm.overrides, f"seed={pack.seed}", f"replications={pack.replications}",
                    f"months={pack.months}", f"workers={workers}",
                    f"trajectory_replications={pack.replications}")
            except ConfigError as exc:
                raise ConfigError(f"scenario {scenario.id}, arm {arm.id}: {exc}") from None
            except Exception as exc:  # Hydra's own errors: unknown group, malformed override
                raise ConfigError(f"scenario {scenario.id}, arm {arm.id}: override "
                                  f"{list(arm.overrides)} refused: {exc}") from None
    return configs


def _saved(directory: Path, cfg: RunConfig) -> bool:
    """Whether ``directory`` holds a finished run of exactly ``cfg``."""
    config, manifest = directory / "config.yaml", directory / "manifest.json"
    return (manifest.is_file() and config.is_file()
            and yaml.safe_load(config.read_text()) == cfg.model_dump(mode="json"))


def run_scenarios(pack: ScenarioPack, out_dir: Path | str, workers: int = 1,
                  progress: bool = True) -> list[Path]:
    """Run every arm not yet saved and write the pack definition beside the runs.

    Args:
        pack: The pack definition.
        out_dir: The pack folder.
        workers: Worker processes per run.
        progress: Print one line per arm.

    Returns:
        The arm folders, in the pack's order.
    """
    out_dir = Path(out_dir)
    configs = arm_configs(pack, workers)  # all checked before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    definition = out_dir / DEFINITION_FILE
    tmp = definition.with_name(f".{definition.name}.tmp")
    tmp.write_text(yaml.safe_dump(json.loads(pack.model_dump_json()), sort_keys=False))
    tmp.replace(definition)
    folders = []
    for (scenario_id, arm_id), cfg in configs.items():
        folder = arm_dir(out_dir, scenario_id, arm_id)
        folders.append(folder)
        if _saved(folder, cfg):
            if progress:
                print(f"nhs-abm-pack: {scenario_id}/{arm_id} already saved")
            continue
        # A stale manifest must not vouch for tables being rewritten.
        (folder / "manifest.json").unlink(missing_ok=True)
        results = run_experiment(cfg)
        write_run(folder, cfg, results)
        if progress:
            print(f"nhs-abm-pack: {scenario_id}/{arm_id}: {cfg.replications} replications "
                  f"x {cfg.months} months in {results.seconds:.1f} s")
    return folders
