"""``nhs-abm-combine SWEEP_DIR``: join the jobs of a Hydra sweep into one set of tables.

Each finished job directory (one with ``manifest.json``) contributes its tables;
the config values that differ between jobs become columns, so the combined
tables say which setting each row comes from. Unfinished jobs are listed and
left out. The combined Parquet files are read directly by pandas, DuckDB or R.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd
import yaml

COMBINED = "combined"


def _flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            continue  # the strategies: a row's strategy column already names it
        else:
            flat[path] = value if not isinstance(value, list) else str(value)
    return flat


def job_directories(sweep_dir: Path) -> tuple[list[Path], list[Path]]:
    """(finished job directories, unfinished ones) under ``sweep_dir``, in path order."""
    candidates = sorted({p.parent for p in sweep_dir.rglob("config.yaml")}
                        | {p.parent for p in sweep_dir.rglob("*.parquet")})
    candidates = [d for d in candidates if COMBINED not in d.relative_to(sweep_dir).parts]
    done = [d for d in candidates if (d / "manifest.json").exists()]
    return done, [d for d in candidates if d not in done]


def combine(sweep_dir: Path) -> dict[str, pd.DataFrame]:
    """The sweep's tables, one per table name, with the job and its varying settings.

    Raises:
        FileNotFoundError: If no finished job is found.
    """
    done, _ = job_directories(sweep_dir)
    if not done:
        raise FileNotFoundError(f"{sweep_dir}: no finished job (a directory with manifest.json)")
    configs = [_flatten(yaml.safe_load((d / "config.yaml").read_text())) for d in done]
    keys = sorted({k for c in configs for k in c})
    varying = [k for k in keys if len({str(c.get(k)) for c in configs}) > 1]
    tables: dict[str, list[pd.DataFrame]] = {}
    for directory, config in zip(done, configs, strict=True):
        job = {"job": str(directory.relative_to(sweep_dir))} | {k: config.get(k)
                                                                  for k in varying}
        for path in sorted(directory.glob("*.parquet")):
            frame = pd.read_parquet(path)
            if frame.empty:
                continue
            for i, (key, value) in enumerate(job.items()):
                frame.insert(i, key, value)
            tables.setdefault(path.stem, []).append(frame)
    return {name: pd.concat(parts, ignore_index=True) for name, parts in tables.items()}


def write_combined(tables: dict[str, pd.DataFrame], out_dir: Path) -> None:
    """Write each table atomically as ``out_dir/<name>.parquet``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        tmp = out_dir / f".{name}.parquet.tmp"
        table.to_parquet(tmp, index=False)
        os.replace(tmp, out_dir / f"{name}.parquet")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output directory (default SWEEP_DIR/{COMBINED})")
    args = parser.parse_args(argv)
    done, unfinished = job_directories(args.sweep_dir)
    try:
        tables = combine(args.sweep_dir)
    except FileNotFoundError as exc:
        print(f"nhs-abm-combine: {exc}", file=sys.stderr)
        sys.exit(2)
    out = args.out or args.sweep_dir / COMBINED
    write_combined(tables, out)
    print(f"{len(done)} finished jobs combined; {len(unfinished)} unfinished left out"
          + "".join(f"\n  unfinished: {d}" for d in unfinished))
    for name, table in tables.items():
        print(f"  {name}.parquet: {len(table)} rows")
    print(f"Combined: {out.resolve()}")


if __name__ == "__main__":
    main()
