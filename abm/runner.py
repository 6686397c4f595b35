"""Run replications of every strategy, in stacked batches, serially or on a joblib pool.

Each replication's generators derive from ``SeedSequence([seed, replication])``
alone, so a replication gives the same numbers in whichever batch, worker and
order it runs, and strategies with the same replication index share their trusts
and monthly draws (common random numbers). Results are sorted by their keys.

Memory stays flat as replications grow: each batch is reduced to its tables as it
finishes, and the month-by-month tables keep only the first
``trajectory_replications`` replications of each strategy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from .collect import ReplicationTables, tables_from_batch
from .config import RunConfig, ScenarioConfig, StrategyConfig, with_values
from .engine import Batch

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


def run_batch(
    scenario: ScenarioConfig, strategy: StrategyConfig, seed: int, replications: list[int],
    months: int, trajectories: int | None = None,
) -> ReplicationTables:
    """Run replications together on stacked arrays and return their tidy tables.

    Args:
        scenario: Scenario parameters.
        strategy: Strategy parameters.
        seed: Master seed of the run.
        replications: Replication indices (0-based).
        months: Months to simulate.
        trajectories: Keep month-by-month tables only for replication indices below
            this (None keeps all).

    Returns:
        The replications' tables, keyed by strategy, replication and seed.
    """
    batch = Batch(scenario, strategy, [replication_seed(seed, r) for r in replications])
    # The step's few matrix products are small: BLAS threads would only add waiting
    # (and take the second core from a parallel worker).
    with threadpool_limits(limits=1, user_api="blas"):
        batch.run(months)
    reps = np.asarray(replications)
    keys = {"strategy": np.full(len(reps), strategy.name), "replication": reps,
            "seed": np.full(len(reps), seed)}
    keep = None if trajectories is None else reps < trajectories
    return tables_from_batch(batch, keys, keep_trajectories=keep)


def run_replication(
    scenario: ScenarioConfig, strategy: StrategyConfig, seed: int, replication: int, months: int,
) -> ReplicationTables:
    """Run one replication and return its tidy tables (as ``run_batch`` of one)."""
    return run_batch(scenario, strategy, seed, [replication], months)


def _run(cfg: RunConfig, scenario: ScenarioConfig, strategy: StrategyConfig,
         replications: list[int]) -> ReplicationTables:
    return run_batch(scenario, strategy, cfg.seed, replications, cfg.months,
                     cfg.trajectory_replications)


def _groups(cfg: RunConfig) -> list[tuple[ScenarioConfig, list[int]]]:
    """Replications that share a scenario: all of them, or those of each posterior draw."""
    first, end = cfg.first_replication, cfg.first_replication + cfg.replications
    if cfg.posterior is None:
        return [(cfg.scenario, list(range(first, end)))]
    from .posterior import load_posterior

    draws = load_posterior(cfg.posterior)
    groups = []
    for draw in range(len(draws)):
        reps = [r for r in range(first, end) if draws.draw_of(r) == draw]
        if reps:
            scenario = with_values(cfg, draws.values_of(draw)).scenario
            groups.append((scenario, reps))
    return groups


def _batches(cfg: RunConfig) -> list[tuple[ScenarioConfig, StrategyConfig, list[int]]]:
    # Enough batches to keep every worker busy, none larger than batch_size.
    per_worker = -(-cfg.replications // cfg.workers)
    size = max(1, min(cfg.batch_size, per_worker))
    return [(scenario, strategy, reps[start:start + size])
            for strategy in cfg.strategies
            for scenario, reps in _groups(cfg)
            for start in range(0, len(reps), size)]


def _concat(parts: list[pd.DataFrame], ranks: list[int], extra_keys: list[str]):
    """One table of the batches' parts, in the order (strategy rank, replication, extra keys).

    ``ranks`` is the rank of each part's strategy (a batch runs one strategy).
    """
    table = pd.concat(parts, ignore_index=True)
    keys = [np.repeat(ranks, [len(part) for part in parts]),
            *(table[name].to_numpy() for name in ["replication", *extra_keys])]
    if _in_order(keys):  # parts given in order: no sort of millions of rows
        return table
    return table.iloc[np.lexsort(keys[::-1])].reset_index(drop=True)


def _in_order(keys: list[np.ndarray]) -> bool:
    """Whether rows are sorted by the key columns (first column first)."""
    later = np.ones(max(len(keys[0]) - 1, 0), dtype=bool)  # rows left to decide
    for column in keys:
        step = np.diff(column)
        if (step[later] < 0).any():
            return False
        later &= step == 0
    return True


def run_experiment(cfg: RunConfig, progress: bool = False) -> Results:
    """Run every strategy for ``cfg.replications`` replications.

    Args:
        cfg: The validated run configuration.
        progress: Show a progress bar.

    Returns:
        All tables, identical whatever ``cfg.workers`` is. With ``cfg.posterior``,
        replication r runs with posterior draw r mod N (see ``abm.posterior``).
    """
    start = time.perf_counter()
    batches = _batches(cfg)
    bar = tqdm(total=len(cfg.strategies) * cfg.replications, disable=not progress,
               unit="run", desc="replications")
    tables: list[ReplicationTables] = []
    if cfg.workers == 1:
        for scenario, strategy, reps in batches:
            tables.append(_run(cfg, scenario, strategy, reps))
            bar.update(len(reps))
    else:
        pool = Parallel(n_jobs=cfg.workers, return_as="generator_unordered")
        for part in pool(delayed(_run)(cfg, sc, st, reps) for sc, st, reps in batches):
            tables.append(part)
            bar.update(part.run.shape[0])
    bar.close()
    order = {s.name: i for i, s in enumerate(cfg.strategies)}
    # workers finish in any order; batches in order usually make sorting rows needless
    ranked = sorted(((order[t.run["strategy"].iloc[0]], t.run["replication"].min(), n)
                     for n, t in enumerate(tables)))
    tables = [tables[n] for *_, n in ranked]
    ranks = [rank for rank, *_ in ranked]
    return Results(
        steps=_concat([t.steps for t in tables], ranks, ["step"]),
        innovation_steps=_concat([t.innovation_steps for t in tables], ranks, ["step"]),
        icb_steps=_concat([t.icb_steps for t in tables], ranks, ["step"]),
        runs=_concat([t.run for t in tables], ranks, []),
        run_innovations=_concat([t.run_innovations for t in tables], ranks, []),
        seconds=time.perf_counter() - start,
    )
