"""The short per-strategy table printed at the end of a run (DataFrames in and out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .config import RunConfig

INTERVAL_METHOD = "95% t-interval over replications"


def mean_interval(values: pd.Series, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t confidence interval of the mean.

    Args:
        values: One value per replication.
        level: Confidence level.

    Returns:
        (mean, lower, upper); the bounds equal the mean with one replication.
    """
    values = values.dropna().to_numpy(dtype=float)
    mean = float(values.mean()) if len(values) else float("nan")
    if len(values) < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(
        len(values))
    return mean, mean - half, mean + half


def summary_table(runs: pd.DataFrame, run_innovations: pd.DataFrame) -> pd.DataFrame:
    """One row per strategy: adoption with intervals, pilot funnel, time to 50 %, value.

    Args:
        runs: Per-run totals (one row per strategy and replication).
        run_innovations: Per-run, per-innovation summaries.

    Returns:
        The summary, strategies in run order.
    """
    rows = []
    for strategy, group in runs.groupby("strategy", sort=False):
        row: dict[str, object] = {"strategy": strategy, "replications": len(group)}
        for column in ("embedded_share_y5", "embedded_share_y10"):
            mean, low, high = mean_interval(group[column])
            row[column] = mean
            row[f"{column}_low"], row[f"{column}_high"] = low, high
        for column in ("pilots_started", "pilots_scaled", "pilots_abandoned",
                       "benefit_gbp_m", "spend_gbp_m"):
            row[column] = group[column].mean()
        per_innovation = run_innovations[(run_innovations["strategy"] == strategy)
                                         & ~run_innovations["above_50pct_at_start"]]
        row["time_to_50pct_median_months"] = per_innovation["time_to_50pct_months"].median()
        row["innovation_runs_reaching_50pct"] = per_innovation["reached_50pct"].mean()
        mean, low, high = mean_interval(group["benefit_per_spend"])
        row["benefit_per_spend"], row["benefit_per_spend_low"] = mean, low
        row["benefit_per_spend_high"] = high
        rows.append(row)
    return pd.DataFrame(rows)


def format_summary(table: pd.DataFrame, cfg: RunConfig) -> str:
    """Plain-text rendering of the summary table for the terminal."""
    lines = [
        f"Scenario {cfg.scenario.name}"
        + (f" over the posterior draws of {cfg.posterior}" if cfg.posterior else "")
        + f", {cfg.months} months, seed {cfg.seed}; intervals: {INTERVAL_METHOD}.",
        "Embedded share: mean over innovations of the share of relevant trusts with it embedded.",
        "",
        f"{'strategy':<15}{'n':>5}  {'embedded y5 [95% CI]':<24}{'embedded y10 [95% CI]':<24}"
        f"{'started':>8}{'scaled':>8}{'abandoned':>10}{'t50 (mo)':>9}{'reach50':>8}"
        f"{'benefit £m':>11}{'spend £m':>10}{'ratio':>7}",
    ]
    for row in table.itertuples():
        y5 = f"{row.embedded_share_y5:.3f} [{row.embedded_share_y5_low:.3f}, " \
             f"{row.embedded_share_y5_high:.3f}]"
        y10 = f"{row.embedded_share_y10:.3f} [{row.embedded_share_y10_low:.3f}, " \
              f"{row.embedded_share_y10_high:.3f}]"
        t50 = "never" if np.isnan(row.time_to_50pct_median_months) else \
            f"{row.time_to_50pct_median_months:.0f}"
        lines.append(
            f"{row.strategy:<15}{row.replications:>5}  {y5:<24}{y10:<24}"
            f"{row.pilots_started:>8.0f}{row.pilots_scaled:>8.0f}{row.pilots_abandoned:>10.0f}"
            f"{t50:>9}{row.innovation_runs_reaching_50pct:>8.0%}"
            f"{row.benefit_gbp_m:>11.0f}{row.spend_gbp_m:>10.0f}{row.benefit_per_spend:>7.2f}")
    lines.append("")
    lines.append("t50: median months to 50 % of relevant trusts embedded, over innovation-runs "
                 "that reach it; reach50: share of innovation-runs reaching 50 % in the horizon")
    lines.append("(both leave out innovations already above 50 % at the start, such as the EPR).")
    lines.append("Benefit and spend: cumulative over the horizon, all payers (GBP m, 2025 prices).")
    return "\n".join(lines)
