"""Command-line entry point ``nhs-abm``: Hydra at the edge, typed config inside.

Hydra composes ``configs/``; this module turns the composed config into the
typed :class:`~abm.config.RunConfig` (refusing bad input before anything is
written), runs the replications, writes the results and prints a summary.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import hydra
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import OverrideParseException
from omegaconf import DictConfig, OmegaConf

from .config import (
    ConfigError,
    RunConfig,
    ScenarioConfig,
    StrategyConfig,
    check_strategy_names,
    describe_field,
    parse_config,
    with_values,
)
from .shipped import config_dir

CONFIG_DIR = str(config_dir())
EDGE_KEYS = ("output_dir", "progress", "experiment")
# Experiments that run replications through the runner, where draw r mod N applies.
POSTERIOR_EXPERIMENTS = ("compare_strategies", "bass_fit", "robust_comparison")

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
    check_workers(cfg.workers)
    if cfg.posterior is not None:
        check_posterior(cfg)
    return cfg


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity call
        return os.cpu_count() or 1


def check_workers(workers: int) -> None:
    """Refuse more worker processes than this machine has cores.

    Results never depend on the number of workers, so more than the cores only adds
    processes that compete for them. A cluster is reached through a Hydra launcher.

    Raises:
        ConfigError: Naming the value given and the cores available.
    """
    cores = available_cores()
    if workers > cores:
        raise ConfigError(
            f"workers: got {workers}; this machine has {cores} core(s) (allowed: [1, {cores}]). "
            "The results do not depend on it; to run on a cluster, use a Hydra launcher "
            "(hydra/launcher=ray_local or hydra/launcher=slurm, see the README)")


def prepare_output_dir(output_dir: Path) -> None:
    """Create ``output_dir`` if needed and check that files can be written in it.

    Raises:
        ConfigError: Naming ``output_dir``, the path given and why it cannot be used.
    """
    created = not output_dir.exists()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        if created and output_dir.is_dir() and not any(output_dir.iterdir()):
            output_dir.rmdir()
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"output_dir: got {str(output_dir)!r}; cannot write there "
                          f"({reason}); allowed: a folder this user can create and write "
                          "to") from None


def check_posterior(cfg: RunConfig) -> None:
    """Refuse a posterior draws file that is missing, unreadable or not allowed.

    Every draw is applied to the configuration once, so a value outside what the
    model allows stops the run before anything is written.

    Raises:
        ConfigError: Naming the file and the offending column or value.
    """
    from .posterior import load_posterior

    draws = load_posterior(cfg.posterior)
    for draw in range(len(draws)):
        try:
            with_values(cfg, draws.values_of(draw))
        except ConfigError as exc:
            raise ConfigError(f"posterior: draw {draw} of {cfg.posterior!r}: {exc}") from None


def compose_run_config(*overrides: str) -> RunConfig:
    """Compose ``configs/config.yaml`` with Hydra overrides, typed as the CLI types it.

    Args:
        *overrides: Hydra overrides, e.g. ``"strategy=scaler_led"``, ``"replications=30"``.

    Returns:
        The validated run configuration (for scripts, notebooks and tests).
    """
    return to_run_config(_compose(overrides))


def compose_experiment(*overrides: str):
    """The validated experiment settings for Hydra overrides, e.g. ``"experiment=win_map"``."""
    return to_experiment(_compose(overrides))


def _compose(overrides: tuple[str, ...]) -> dict[str, Any]:
    overrides = list(overrides)
    if not any(o.startswith("output_dir=") for o in overrides):
        overrides.append("output_dir=.")  # Hydra's runtime directory exists only in a job
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base=None):
        composed = compose("config", overrides=overrides)
    return OmegaConf.to_container(composed, resolve=True)


def to_experiment(raw: dict[str, Any]):
    """The validated experiment settings of a composed config (compare_strategies if none).

    Raises:
        ConfigError: If the experiment is unknown or a setting is invalid.
    """
    from .experiments import space
    from .experiments.settings import NAMES, Experiment

    block = raw.get("experiment") or {"name": "compare_strategies"}
    if block.get("name") not in NAMES:
        raise ConfigError(f"experiment.name: got {block.get('name')!r}; allowed: {list(NAMES)}")
    settings = parse_config({"experiment": block}, Experiment).experiment
    for path in (getattr(settings, "x", None), getattr(settings, "y", None),
                 *(getattr(settings, "parameters", None) or ())):
        if path is not None:
            space.find(path)
    return settings


def _already_complete(output_dir: Path, resolved: dict[str, Any]) -> bool:
    """True if ``output_dir`` holds a finished run of this exact configuration.

    An empty directory, or one left by an interrupted run of this configuration
    (only its own table files, no manifest), is free to (re)write: False.

    Raises:
        ConfigError: If the directory holds another run or files of its own.
    """
    if not output_dir.exists() or not any(output_dir.iterdir()):
        return False
    config, manifest = output_dir / "config.yaml", output_dir / "manifest.json"
    same = config.exists() and yaml.safe_load(config.read_text()) == resolved
    if manifest.exists() and same:
        return True
    ours = all(p.suffix in (".parquet", ".tmp", ".db") or p.name in ("config.yaml", "report.html")
               for p in output_dir.iterdir())
    if not manifest.exists() and ours and (same or not config.exists()):
        return False  # an interrupted run of this job: run it again
    raise ConfigError(f"output_dir: {str(output_dir)!r} already holds files of another run; "
                      "choose a new directory")


@hydra.main(version_base=None, config_path=CONFIG_DIR, config_name="config")
def app(cfg: DictConfig) -> None:
    """Run the configured experiment and write its results.

    A directory that already holds the finished results of the same configuration
    is left as it is, so an interrupted sweep started again skips completed jobs.
    """
    logging.getLogger("mesa").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    raw = OmegaConf.to_container(cfg, resolve=True)
    try:
        _run(raw)
    finally:
        _remove_if_empty(Path(HydraConfig.get().runtime.output_dir))


def _remove_if_empty(directory: Path) -> None:
    """Remove Hydra's job directory (and an empty date folder) when the results went elsewhere."""
    for folder in (directory, directory.parent):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _run(raw: dict[str, Any]) -> None:
    from .experiments.run import run_configured
    from .outputs import write_run
    from .report import build_report

    try:
        run_cfg = to_run_config(raw)
        experiment = to_experiment(raw)
        if run_cfg.posterior is not None and experiment.name not in POSTERIOR_EXPERIMENTS:
            raise ConfigError(f"posterior: runs over posterior draws are available for "
                              f"{', '.join(POSTERIOR_EXPERIMENTS)}, not {experiment.name}; "
                              "set posterior=null")
        if getattr(experiment, "name", None) == "calibrate":
            from .experiments.calibrate import status_quo

            status_quo(run_cfg)
        output_dir = Path(str(raw["output_dir"]))
        resolved = run_cfg.model_dump(mode="json") | {"experiment": experiment.model_dump(
            mode="json")}
        if _already_complete(output_dir, resolved):
            print(f"nhs-abm: {output_dir} already holds this run; nothing to do")
            return
        created = not output_dir.exists()
        prepare_output_dir(output_dir)
        try:
            outcome = run_configured(run_cfg, experiment,
                                     progress=bool(raw.get("progress", True)),
                                     output_dir=output_dir)
        except ConfigError:
            if created and not any(output_dir.iterdir()):
                output_dir.rmdir()
            raise
    except ConfigError as exc:
        print(f"nhs-abm: {exc}", file=sys.stderr)
        sys.exit(2)
    report = output_dir / "report.html"

    def write_report(folder: Path, record: dict) -> None:
        build_report(folder, report, manifest=record)

    # The report is written before the manifest, so a folder with a manifest is complete.
    write_run(output_dir, run_cfg, outcome.results, outcome.tables,
              experiment.model_dump(mode="json"), before_manifest=write_report)
    print(outcome.text)
    print(f"\nResults: {output_dir.resolve()}")
    print(f"Report: {report.resolve()}")


def check_override_syntax(args: list[str]) -> str | None:
    """Hydra's grammar check of command-line overrides, with the field named.

    Hydra refuses a malformed override (``seed=[1,2``) before this program sees
    the config; its own message names neither the field nor what it accepts.

    Args:
        args: Command-line arguments; flags (``-m``, ``--cfg``) are left to Hydra.

    Returns:
        An error message naming the override, the field and what it accepts, or None.
    """
    parser = OverridesParser.create()
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        try:
            parser.parse_overrides([arg])
        except OverrideParseException as exc:
            key = arg.split("=", 1)[0]
            lines = [line for line in str(exc).splitlines()
                     if not line.startswith(("Error parsing override", "See https"))]
            reason = lines[0].split(" expecting ")[0] if lines else "cannot be parsed"
            accepts = describe_field(key)
            return (f"malformed override {arg!r}: {reason}\n  {key}: "
                    f"{accepts or 'see docs/parameters.md for the allowed keys'}\n"
                    "  (Hydra override grammar: key=value, lists as [a,b], sweeps as a,b)")
    return None


def main() -> None:
    """Console-script entry point."""
    problem = check_override_syntax(sys.argv[1:])
    if problem is not None:
        print(f"nhs-abm: {problem}", file=sys.stderr)
        sys.exit(2)
    app()
