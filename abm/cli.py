"""Command-line entry point ``nhs-abm``: Hydra at the edge, typed config inside.

Hydra composes ``configs/``; this module turns the composed config into the
typed :class:`~abm.config.RunConfig` (refusing bad input before anything is
written), runs the replications, writes the results and prints a summary.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from .config import (
    ConfigError,
    RunConfig,
    ScenarioConfig,
    StrategyConfig,
    check_strategy_names,
    parse_config,
)

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "configs")
EDGE_KEYS = ("output_dir", "progress")

_store = ConfigStore.instance()
# Defaults live once, in abm/config.py; the YAML files extend these nodes.
_store.store(group="defaults", name="strategy", node=StrategyConfig().model_dump())
_store.store(group="defaults", name="scenario", node=ScenarioConfig().model_dump())


def to_run_config(raw: dict[str, Any]) -> RunConfig:
    """Turn Hydra's composed config (as a plain dict) into a validated ``RunConfig``.

    Args:
        raw: The composed config with ``strategy`` either one strategy (it has a
            ``name``) or several keyed by name, and without the edge-only keys.

    Returns:
        The typed, validated run configuration.

    Raises:
        ConfigError: If any field is unknown or out of range.
    """
    raw = {k: v for k, v in raw.items() if k not in EDGE_KEYS}
    strategy = raw.pop("strategy", None)
    if isinstance(strategy, dict) and "name" not in strategy:
        paths = [f"strategy.{key}" for key in strategy]
        raw["strategies"] = list(strategy.values())
    else:
        paths = ["strategy"]
        raw["strategies"] = [strategy] if strategy is not None else []
    try:
        cfg = parse_config(raw)
    except ConfigError as exc:
        # Report strategy fields by the path the user typed, not the internal list index.
        message = re.sub(r"strategies\.(\d+)", lambda m: paths[int(m.group(1))], str(exc))
        raise ConfigError(message) from None
    check_strategy_names(cfg.strategies)
    return cfg


def compose_run_config(*overrides: str) -> RunConfig:
    """Compose ``configs/config.yaml`` with Hydra overrides, typed as the CLI types it.

    Args:
        *overrides: Hydra overrides, e.g. ``"strategy=scaler_led"``, ``"replications=30"``.

    Returns:
        The validated run configuration (for scripts, notebooks and tests).
    """
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        composed = compose("config", overrides=list(overrides))
    return to_run_config(OmegaConf.to_container(composed, resolve=True))


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name="config")
def app(cfg: DictConfig) -> None:
    """Run the configured experiment and write its results."""
    from .outputs import write_run
    from .runner import run_experiment
    from .summary import format_summary, summary_table

    logging.getLogger("mesa").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    raw = OmegaConf.to_container(cfg, resolve=True)
    try:
        run_cfg = to_run_config(raw)
        output_dir = Path(str(raw["output_dir"]))
        if output_dir.exists() and any(output_dir.iterdir()):
            raise ConfigError(f"output_dir: {str(output_dir)!r} already holds files; "
                              "choose a new directory")
    except ConfigError as exc:
        print(f"nhs-abm: {exc}", file=sys.stderr)
        sys.exit(2)
    results = run_experiment(run_cfg, progress=bool(raw.get("progress", True)))
    write_run(output_dir, run_cfg, results)
    from .report import build_report

    report = build_report(output_dir)
    print(format_summary(summary_table(results.runs, results.run_innovations), run_cfg))
    print(f"\nResults: {output_dir.resolve()}")
    print(f"Report: {report.resolve()}")


def main() -> None:
    """Console-script entry point."""
    app()
