"""Run replications of every strategy, serially or on a joblib worker pool.

Each replication's generator derives from ``SeedSequence([seed, replication])``
alone, so a replication gives the same numbers in whichever worker and order it
runs, and strategies with the same replication index share their trusts and
monthly draws (common random numbers). Results are sorted by their keys.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from .collect import ReplicationTables, tables_from_model
from .config import RunConfig, ScenarioConfig, StrategyConfig
from .model import NHSReformModel

KEYS = ["strategy", "replication", "seed"]


@dataclass
class Results:
    """All tables of a run, sorted by (strategy order, replication, step)."""

    steps: pd.DataFrame
    innovation_steps: pd.DataFrame
    icb_steps: pd.DataFrame
    runs: pd.DataFrame
    run_innovations: pd.DataFrame
    seconds: float


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication, keyed by (master seed, replication index)."""
    return np.random.SeedSequence([seed, replication])


def run_replication(
    scenario: ScenarioConfig, strategy: StrategyConfig, seed: int, replication: int, months: int,
) -> ReplicationTables:
    """Run one replication and return its tidy tables.

    Args:
        scenario: Scenario parameters.
        strategy: Strategy parameters.
        seed: Master seed of the run.
        replication: Replication index (0-based).
        months: Months to simulate.

    Returns:
        The replication's tables, keyed by strategy, replication and seed.
    """
    model = NHSReformModel(scenario, strategy, rng=replication_seed(seed, replication),
                           months=months).run()
    return tables_from_model(model, {"strategy": strategy.name, "replication": replication,
                                     "seed": seed})


def _run_batch(cfg: RunConfig, strategy: StrategyConfig, replications: list[int]):
    return [run_replication(cfg.scenario, strategy, cfg.seed, r, cfg.months)
            for r in replications]


def _batches(cfg: RunConfig) -> list[tuple[StrategyConfig, list[int]]]:
    per_batch = max(1, min(25, cfg.replications // (4 * cfg.workers) or 1))
    return [(strategy, list(range(start, min(start + per_batch, cfg.replications))))
            for strategy in cfg.strategies
            for start in range(0, cfg.replications, per_batch)]


def _concat(parts: list[pd.DataFrame], order: dict[str, int], extra_keys: list[str]):
    table = pd.concat(parts, ignore_index=True)
    rank = table["strategy"].map(order)
    table = table.assign(_rank=rank).sort_values(["_rank", "replication", *extra_keys],
                                                  kind="stable")
    return table.drop(columns="_rank").reset_index(drop=True)


def run_experiment(cfg: RunConfig, progress: bool = False) -> Results:
    """Run every strategy for ``cfg.replications`` replications.

    Args:
        cfg: The validated run configuration.
        progress: Show a progress bar.

    Returns:
        All tables, identical whatever ``cfg.workers`` is.
    """
    start = time.perf_counter()
    batches = _batches(cfg)
    bar = tqdm(total=len(cfg.strategies) * cfg.replications, disable=not progress,
               unit="run", desc="replications")
    tables: list[ReplicationTables] = []
    if cfg.workers == 1:
        for strategy, reps in batches:
            tables.extend(_run_batch(cfg, strategy, reps))
            bar.update(len(reps))
    else:
        pool = Parallel(n_jobs=cfg.workers, return_as="generator_unordered")
        for batch in pool(delayed(_run_batch)(cfg, s, reps) for s, reps in batches):
            tables.extend(batch)
            bar.update(len(batch))
    bar.close()
    order = {s.name: i for i, s in enumerate(cfg.strategies)}
    return Results(
        steps=_concat([t.steps for t in tables], order, ["step"]),
        innovation_steps=_concat([t.innovation_steps for t in tables], order, ["step"]),
        icb_steps=_concat([t.icb_steps for t in tables], order, ["step"]),
        runs=_concat([t.run for t in tables], order, []),
        run_innovations=_concat([t.run_innovations for t in tables], order, []),
        seconds=time.perf_counter() - start,
    )
