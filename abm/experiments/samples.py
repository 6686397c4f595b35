"""Run the strategies at many points of the parameter space (one row per run back).

Every point uses the same seed, so replication r shares its trusts and draws at
every point and for every strategy (common random numbers): differences between
points and strategies are not blurred by different luck. Points run in parallel
on a joblib pool; a point's numbers do not depend on the pool.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from ..config import ConfigError, RunConfig, ScenarioConfig, StrategyConfig
from ..runner import run_batch
from .space import with_values


@cache
def run_outcomes() -> tuple[str, ...]:
    """The per-run outcomes an experiment can judge: the numeric columns of ``runs.parquet``."""
    runs = run_batch(ScenarioConfig(), StrategyConfig(), 0, [0], 1, trajectories=0).run
    return tuple(c for c in runs.columns if pd.api.types.is_numeric_dtype(runs[c])
                 and c not in ("replication", "seed"))


def require_outcomes(outcomes: list[str] | tuple[str, ...], field: str) -> None:
    """Refuse an unknown outcome before any point runs.

    Raises:
        ConfigError: Naming the field, the value and the outcomes allowed.
    """
    unknown = [o for o in outcomes if o not in run_outcomes()]
    if unknown:
        raise ConfigError(f"{field}: got {unknown[0]!r}; allowed: {list(run_outcomes())}")


def _run_point(cfg: RunConfig, point: int) -> pd.DataFrame:
    parts = []
    for strategy in cfg.strategies:
        end = cfg.first_replication + cfg.replications
        for start in range(cfg.first_replication, end, cfg.batch_size):
            reps = list(range(start, min(start + cfg.batch_size, end)))
            parts.append(run_batch(cfg.scenario, strategy, cfg.seed, reps, cfg.months,
                                   trajectories=0).run)
    runs = pd.concat(parts, ignore_index=True)
    runs.insert(0, "point", point)
    return runs


def run_points(cfg: RunConfig, points: list[dict[str, float]], progress: bool = False
               ) -> pd.DataFrame:
    """Run every strategy of ``cfg`` at each point; return the per-run table.

    Args:
        cfg: Base configuration (replications, months, seed, strategies, workers).
        points: Parameter path -> value, one dict per point.
        progress: Show a progress bar.

    Returns:
        ``runs`` rows (see ``abm/collect.py``) with ``point`` and one column per
        varied parameter, sorted by point, strategy order and replication.

    Raises:
        ConfigError: If any point sets an unknown parameter or a value not allowed
            (checked for every point before anything runs).
    """
    configs = [with_values(cfg, point) for point in points]
    bar = tqdm(total=len(points), disable=not progress, unit="point", desc="points")
    pool = Parallel(n_jobs=cfg.workers, return_as="generator_unordered")
    parts = []
    for part in pool(delayed(_run_point)(c, i) for i, c in enumerate(configs)):
        parts.append(part)
        bar.update(1)
    bar.close()
    runs = pd.concat(parts, ignore_index=True)
    order = {s.name: i for i, s in enumerate(cfg.strategies)}
    runs = runs.assign(_rank=runs["strategy"].map(order)).sort_values(
        ["point", "_rank", "replication"], kind="stable").drop(columns="_rank")
    values = pd.DataFrame(points)
    values.insert(0, "point", np.arange(len(points)))
    return values.merge(runs, on="point").reset_index(drop=True)
