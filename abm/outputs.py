"""Write a run's results atomically: Parquet tables, resolved config, manifest.

Every file is written under a temporary name and renamed into place; the
manifest is written last (after the report, when there is one), so a directory
with a manifest is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
import yaml

from .config import RunConfig, parse_config
from .runner import Results

TABLES = ("steps", "innovation_steps", "icb_steps", "runs", "run_innovations")
LIBRARIES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "hydra-core", "pydantic", "joblib",
             "pyabc")


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def manifest(cfg: RunConfig, results: Results, extra: tuple[str, ...] = (),
             experiment: dict | None = None) -> dict:
    """Provenance of a run: versions, commit, seed, sizes and timings."""
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    return {
        "package": "nhs-reform-abm",
        "package_version": metadata.version("nhs-reform-abm"),
        "git_commit": _git_commit(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": cfg.seed,
        "replications": cfg.replications,
        "months": cfg.months,
        "workers": cfg.workers,
        "strategies": [s.name for s in cfg.strategies],
        "seconds_total": round(results.seconds, 3),
        "runs": len(results.runs),
        "ms_per_replication": round(1000 * results.seconds / max(len(results.runs), 1), 2),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": versions,
        "experiment": experiment,
        "tables": {name: f"{name}.parquet" for name in (*TABLES, *extra)},
        "seeding": "replication r uses numpy SeedSequence([seed, r]) for every strategy",
        "posterior": _posterior_provenance(cfg.posterior),
    }


def _posterior_provenance(path: str | None) -> dict | None:
    """The draws file a run used, with its SHA-256, so the run can be checked later."""
    if path is None:
        return None
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return {"path": str(Path(path).resolve()), "sha256": digest,
            "rule": "replication r uses equally weighted draw r mod N"}


def write_run(output_dir: Path, cfg: RunConfig, results: Results,
              extra: dict[str, pd.DataFrame] | None = None,
              experiment: dict | None = None,
              before_manifest: Callable[[Path, dict], None] | None = None) -> Path:
    """Write all tables, the resolved config and the manifest into ``output_dir``.

    Args:
        output_dir: Directory to create (it must be new or empty).
        cfg: The validated configuration that produced the results.
        results: The results of the run.
        extra: The experiment's own tables, by name (e.g. ``win_map``).
        experiment: The experiment's settings, recorded in config.yaml and the manifest.
        before_manifest: Called with the folder and the manifest's contents after every
            table is written and before the manifest is (the CLI writes the report there).

    Returns:
        The directory written.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    extra = extra or {}
    tables = {name: getattr(results, name) for name in TABLES} | extra
    for name, table in tables.items():
        _atomic_write(output_dir / f"{name}.parquet",
                      lambda p, t=table: t.to_parquet(p, index=False))
    resolved = cfg.model_dump(mode="json")
    if experiment is not None:
        resolved["experiment"] = experiment
    _atomic_write(output_dir / "config.yaml",
                  lambda p: p.write_text(yaml.safe_dump(resolved, sort_keys=False)))
    record = manifest(cfg, results, tuple(extra), experiment)
    if before_manifest is not None:
        before_manifest(output_dir, record)
    _atomic_write(output_dir / "manifest.json",
                  lambda p: p.write_text(json.dumps(record, indent=2)))
    return output_dir


def read_config(output_dir: Path) -> tuple[RunConfig, dict | None]:
    """The run configuration and experiment settings written to ``output_dir/config.yaml``.

    With these and the seed in them, every table of the run can be recomputed exactly.
    """
    raw = yaml.safe_load((Path(output_dir) / "config.yaml").read_text())
    experiment = raw.pop("experiment", None)
    return parse_config(raw, RunConfig), experiment
