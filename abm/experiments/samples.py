"""Run the strategies at many points of the parameter space (one row per run back).

Every point uses the same seed, so replication r shares its trusts and draws at
every point and for every strategy (common random numbers): differences between
points and strategies are not blurred by different luck. A strategy runs only at
the distinct points of the parameters that act under it (its own design); a
parameter that does not act changes none of its numbers, so its rows at a point
that differs only there are copied. Strategy-points run in parallel on a joblib
pool; a point's numbers do not depend on the pool.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from ..config import ConfigError, RunConfig, ScenarioConfig, StrategyConfig
from ..runner import run_batch
from .space import acting, with_values


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


def _run_strategy(cfg: RunConfig, point: int, strategy: int) -> tuple[tuple, pd.DataFrame]:
    """The per-run table of strategy ``strategy`` of ``cfg`` at ``point``, with its key."""
    end = cfg.first_replication + cfg.replications
    parts = [run_batch(cfg.scenario, cfg.strategies[strategy], cfg.seed,
                       list(range(start, min(start + cfg.batch_size, end))), cfg.months,
                       trajectories=0).run
             for start in range(cfg.first_replication, end, cfg.batch_size)]
    return (point, strategy), pd.concat(parts, ignore_index=True)


def same_runs(points: list[dict[str, float]], strategy: StrategyConfig) -> list[int]:
    """For each point, the first point at which ``strategy``'s runs are the same.

    They are the same where every parameter that acts under the strategy has the same
    value (``space.acts_under``): the strategy's own design is these distinct points.
    """
    acts = set(acting({path for point in points for path in point}, [strategy]))
    first: dict[tuple, int] = {}
    return [first.setdefault(tuple(sorted((k, v) for k, v in point.items() if k in acts)), i)
            for i, point in enumerate(points)]


def run_points(cfg: RunConfig, points: list[dict[str, float]], progress: bool = False
               ) -> pd.DataFrame:
    """Run every strategy of ``cfg`` at each point; return the per-run table.

    A strategy runs only at the points of its own design (``same_runs``); at a point
    that differs from one of them only in parameters that do not act under it, its
    rows are that point's, number for number.

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
    same = [same_runs(points, strategy) for strategy in cfg.strategies]
    tasks = sorted({(first, j) for j, firsts in enumerate(same) for first in firsts})
    bar = tqdm(total=len(tasks), disable=not progress, unit="run", desc="strategy-points")
    pool = Parallel(n_jobs=cfg.workers, return_as="generator_unordered")
    done = {}
    for key, part in pool(delayed(_run_strategy)(configs[i], i, j) for i, j in tasks):
        done[key] = part
        bar.update(1)
    bar.close()
    parts = [done[firsts[i], j] for i in range(len(points)) for j, firsts in enumerate(same)]
    runs = pd.concat(parts, ignore_index=True)
    runs.insert(0, "point", np.repeat(np.arange(len(parts)) // len(same),
                                      [len(part) for part in parts]))
    order = {s.name: i for i, s in enumerate(cfg.strategies)}
    runs = runs.assign(_rank=runs["strategy"].map(order)).sort_values(
        ["point", "_rank", "replication"], kind="stable").drop(columns="_rank")
    values = pd.DataFrame(points)
    values.insert(0, "point", np.arange(len(points)))
    return values.merge(runs, on="point").reset_index(drop=True)
