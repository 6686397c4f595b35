"""Intervals and comparisons over replications, with the method named in every output.

Two interval methods: Student's t interval of the mean, and the percentile
bootstrap (resampling replications). Strategies are compared replication by
replication: replication r of every strategy shares its trusts and random draws
(common random numbers), so the paired difference has a much narrower interval
than the difference of two independent means. A comparison whose interval
contains zero is flagged: the difference is smaller than its uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..config import BASELINE_STRATEGY, ConfigError

METHODS = ("t", "bootstrap")
BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    method: str

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval (bounds included)."""
        return self.low <= value <= self.high


def interval(values: np.ndarray, method: str = "t", level: float = 0.95,
             seed: int = 0) -> Interval:
    """Mean and two-sided confidence interval of the mean of ``values``.

    Args:
        values: One value per replication (NaN values are dropped).
        method: "t" (Student's t) or "bootstrap" (percentile, 2000 resamples).
        level: Confidence level.
        seed: Seed of the bootstrap resampling.

    Returns:
        The interval; with fewer than two values its bounds equal the mean.

    Raises:
        ValueError: If the method is unknown or the level is not in (0, 1).
    """
    if method not in METHODS:
        raise ValueError(f"method: got {method!r}; allowed: {list(METHODS)}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: got {level}; allowed: (0, 1)")
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    if n < 2 or np.ptp(values) == 0.0:
        return Interval(mean, mean, mean, n, method)
    if method == "t":
        half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
        return Interval(mean, mean - half, mean + half, n, method)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, n, (BOOTSTRAP_RESAMPLES, n))].mean(axis=1)
    low, high = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return Interval(mean, float(low), float(high), n, method)


def require_outcome(runs: pd.DataFrame, outcome: str) -> None:
    """Refuse an outcome that is not a column of the runs table or has no values.

    Raises:
        ConfigError: Naming the outcome and what is allowed.
    """
    numeric = [c for c in runs.columns if pd.api.types.is_numeric_dtype(runs[c])
               and c not in ("replication", "seed", "point")]
    if outcome not in numeric:
        raise ConfigError(f"outcome: got {outcome!r}; allowed: {numeric}")
    if runs[outcome].isna().all():
        raise ConfigError(f"outcome: {outcome!r} has no values in these runs (a year-5 or "
                         "year-10 share needs runs of at least 60 or 120 months)")


def describe(frame: pd.DataFrame, by: list[str], outcome: str, method: str = "t",
             level: float = 0.95) -> pd.DataFrame:
    """Mean, interval and number of replications of ``outcome`` for each group.

    Args:
        frame: One row per replication (and group).
        by: Grouping columns (kept in the output, in order of appearance).
        outcome: Column to summarise.
        method: Interval method ("t" or "bootstrap").
        level: Confidence level.

    Returns:
        One row per group: the keys, mean, ci_low, ci_high, replications, interval.
    """
    rows = []
    for keys, group in frame.groupby(by, sort=False):
        result = interval(group[outcome].to_numpy(), method, level)
        keys = keys if isinstance(keys, tuple) else (keys,)
        rows.append({**dict(zip(by, keys, strict=True)), "outcome": outcome,
                     "mean": result.mean, "ci_low": result.low, "ci_high": result.high,
                     "replications": result.n, "interval": f"{level:.0%} {method}"})
    return pd.DataFrame(rows)


def paired_differences(runs: pd.DataFrame, outcome: str, baseline: str = BASELINE_STRATEGY,
                       method: str = "t", level: float = 0.95) -> pd.DataFrame:
    """Each strategy minus the baseline, replication by replication (common random numbers).

    Args:
        runs: One row per (strategy, replication) with an ``outcome`` column.
        outcome: Column to compare.
        baseline: Strategy subtracted from the others.
        method: Interval method ("t" or "bootstrap").
        level: Confidence level.

    Returns:
        One row per other strategy: mean difference, interval, replications paired,
        and ``smaller_than_interval`` (True when the interval contains zero).

    Raises:
        ConfigError: If the baseline strategy is not in ``runs``.
    """
    if baseline not in set(runs["strategy"]):
        raise ConfigError(f"baseline: {baseline!r} not among the strategies "
                         f"{sorted(set(runs['strategy']))}")
    wide = runs.pivot_table(index="replication", columns="strategy", values=outcome,
                            sort=False)
    rows = []
    for strategy in wide.columns:
        if strategy == baseline:
            continue
        diff = (wide[strategy] - wide[baseline]).to_numpy()
        result = interval(diff, method, level)
        rows.append({"strategy": strategy, "baseline": baseline, "outcome": outcome,
                     "difference": result.mean, "ci_low": result.low, "ci_high": result.high,
                     "replications": result.n, "interval": f"{level:.0%} {method}, paired",
                     "smaller_than_interval": result.contains(0.0)})
    return pd.DataFrame(rows)


def warnings_for(differences: pd.DataFrame) -> list[str]:
    """Plain-language warnings for differences that their interval does not exclude from 0."""
    return [
        f"warning: {row.strategy} vs {row.baseline} on {row.outcome}: difference "
        f"{row.difference:+.4g} is smaller than its interval [{row.ci_low:.4g}, "
        f"{row.ci_high:.4g}] ({row.interval}, n = {row.replications}); do not read a "
        "difference into it"
        for row in differences.itertuples() if row.smaller_than_interval]
