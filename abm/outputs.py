"""Write a run's results atomically: Parquet tables, resolved config, manifest.

Every file is written under a temporary name and renamed into place; the
manifest is written last, so a directory with a manifest is complete.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import yaml

from .config import RunConfig
from .runner import Results

TABLES = ("steps", "innovation_steps", "icb_steps", "runs", "run_innovations")
LIBRARIES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "hydra-core", "pydantic", "joblib")


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


def manifest(cfg: RunConfig, results: Results) -> dict:
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
        "ms_per_replication": round(1000 * results.seconds
                                    / (cfg.replications * len(cfg.strategies)), 2),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": versions,
        "tables": {name: f"{name}.parquet" for name in TABLES},
        "seeding": "replication r uses numpy SeedSequence([seed, r]) for every strategy",
    }


def write_run(output_dir: Path, cfg: RunConfig, results: Results) -> Path:
    """Write all tables, the resolved config and the manifest into ``output_dir``.

    Args:
        output_dir: Directory to create (it must be new or empty).
        cfg: The validated configuration that produced the results.
        results: The results of the run.

    Returns:
        The directory written.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        table = getattr(results, name)
        _atomic_write(output_dir / f"{name}.parquet",
                      lambda p, t=table: t.to_parquet(p, index=False))
    resolved = cfg.model_dump(mode="json")
    _atomic_write(output_dir / "config.yaml",
                  lambda p: p.write_text(yaml.safe_dump(resolved, sort_keys=False)))
    _atomic_write(output_dir / "manifest.json",
                  lambda p: p.write_text(json.dumps(manifest(cfg, results), indent=2)))
    return output_dir
