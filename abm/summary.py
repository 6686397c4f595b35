"""The short per-strategy table printed at the end of a run (DataFrames in and out)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .config import BASELINE_STRATEGY, RunConfig

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
    """One row per strategy: adoption and benefit with intervals, pilot funnel, time to 50 %.

    Args:
        runs: Per-run totals (one row per strategy and replication).
        run_innovations: Per-run, per-innovation summaries.

    Returns:
        The summary, strategies in run order.
    """
    rows = []
    for strategy, group in runs.groupby("strategy", sort=False):
        row: dict[str, object] = {"strategy": strategy, "replications": len(group)}
        for column in ("embedded_share_y5", "embedded_share_y10", "benefit_gbp_m",
                       "net_benefit_gbp_m"):
            mean, low, high = mean_interval(group[column])
            row[column] = mean
            row[f"{column}_low"], row[f"{column}_high"] = low, high
        for column in ("pilots_started", "pilots_scaled", "pilots_abandoned", "saving_gbp_m",
                       "spend_gbp_m", "benefit_per_head_gbp",
                       "icb_benefit_per_head_lowest_fifth_gbp"):
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
    """Plain-text rendering of the summary table for the terminal: adoption, then value."""
    w = name_width(table)
    lines = [
        f"Scenario {cfg.scenario.name}"
        + (f" over the posterior draws of {cfg.posterior}" if cfg.posterior else "")
        + f", {cfg.months} months, seed {cfg.seed}; intervals: {INTERVAL_METHOD}.",
        "Embedded share: mean over innovations of the share of relevant trusts with it embedded.",
        "",
        f"{'strategy':<{w}}{'n':>5}  {'embedded y5 [95% CI]':<24}{'embedded y10 [95% CI]':<24}"
        f"{'started':>8}{'scaled':>8}{'abandoned':>10}{'t50 (mo)':>9}{'reach50':>8}",
    ]
    for row in table.itertuples():
        t50 = "never" if np.isnan(row.time_to_50pct_median_months) else \
            f"{row.time_to_50pct_median_months:.0f}"
        lines.append(
            f"{row.strategy:<{w}}{row.replications:>5}  "
            f"{interval_text(row, 'embedded_share_y5'):<24}"
            f"{interval_text(row, 'embedded_share_y10'):<24}"
            f"{row.pilots_started:>8.0f}{row.pilots_scaled:>8.0f}{row.pilots_abandoned:>10.0f}"
            f"{t50:>9}{row.innovation_runs_reaching_50pct:>8.0%}")
    lines += [
        "",
        f"{'strategy':<{w}}{'benefit £m [95% CI]':<22}{'saving £m':>10}{'spend £m':>10}  "
        f"{'net £m [95% CI]':<22}{'ratio':>6}{'£/head':>8}{'lowest 5th':>11}",
    ]
    for row in table.itertuples():
        lines.append(
            f"{row.strategy:<{w}}{interval_text(row, 'benefit_gbp_m', '.0f'):<22}"
            f"{row.saving_gbp_m:>10.0f}{row.spend_gbp_m:>10.0f}  "
            f"{interval_text(row, 'net_benefit_gbp_m', '.0f'):<22}{row.benefit_per_spend:>6.2f}"
            f"{row.benefit_per_head_gbp:>8.1f}{row.icb_benefit_per_head_lowest_fifth_gbp:>11.1f}")
    lines += [
        "",
        "t50: median months to 50 % of relevant trusts embedded, over innovation-runs that reach "
        "it; reach50: share of innovation-runs reaching 50 % in the horizon",
        "(both leave out innovations already above 50 % at the start, such as the EPR).",
        "Benefit: the innovations' benefit realised at their true effects (bed days valued at "
        "their cost, and cash); saving: merged trusts' back-office savings, counted apart;",
        "spend: all payers; net = benefit + saving - spend; ratio = benefit / spend; £/head: "
        "benefit per resident of England; lowest 5th: mean benefit per resident in the",
        "fifth of ICBs with least (9 of 42). Cumulative over the horizon, GBP, 2025 prices.",
    ]
    return "\n".join(lines)


def name_width(table: pd.DataFrame) -> int:
    """Width of the strategy column: 15, or the longest name and a space."""
    return max(15, 1 + max((len(str(s)) for s in table["strategy"]), default=0))


def interval_text(row, column: str, fmt: str = ".3f") -> str:
    """A summary table cell as ``mean [low, high]`` (``fmt`` for each number)."""
    mean, low, high = (getattr(row, f"{column}{end}") for end in ("", "_low", "_high"))
    return f"{mean:{fmt}} [{low:{fmt}}, {high:{fmt}}]"


# DfT's value-for-money categories of a benefit-cost ratio, the lower bound of each
# (facts.csv: green_book_vfm_bcr_low_threshold)
VALUE_FOR_MONEY = ((2.0, "high"), (1.5, "medium"), (1.0, "low"), (float("-inf"), "poor"))


def value_for_money(bcr: float) -> str:
    """The value-for-money category of a benefit-cost ratio ("n/a" when undefined)."""
    if not np.isfinite(bcr):
        return "n/a"
    return next(name for low, name in VALUE_FOR_MONEY if bcr >= low)


def appraisal_table(runs: pd.DataFrame, baseline: str = BASELINE_STRATEGY) -> pd.DataFrame:
    """One row per strategy: present values by payer, NPSV and BCR, and against ``baseline``.

    The increments are paired by replication (common random numbers): the
    strategy's present value of benefits and of costs less the baseline's, their
    NPSV with a t-interval, and the incremental BCR (extra benefit over extra
    cost, where the strategy costs more). Without the baseline among the runs,
    the increments are NaN.
    """
    base = runs[runs["strategy"] == baseline].set_index("replication")
    rows = []
    for strategy, group in runs.groupby("strategy", sort=False):
        row: dict[str, object] = {"strategy": strategy}
        for column in ("pv_benefit_gbp_m", "pv_residual_value_gbp_m", "pv_cost_trust_gbp_m",
                       "pv_cost_icb_gbp_m", "pv_cost_national_gbp_m", "pv_cost_gbp_m"):
            row[column] = group[column].mean()
        mean, low, high = mean_interval(group["npsv_gbp_m"])
        row.update(npsv_gbp_m=mean, npsv_gbp_m_low=low, npsv_gbp_m_high=high,
                   bcr=row["pv_benefit_gbp_m"] / row["pv_cost_gbp_m"])
        paired = group.set_index("replication")
        extra = {c: (paired[c] - base[c]).dropna() if len(base) else pd.Series(dtype=float)
                 for c in ("pv_benefit_gbp_m", "pv_cost_gbp_m", "npsv_gbp_m",
                           "npsv_optimism_bias_gbp_m", "npsv_no_persistence_gbp_m",
                           "npsv_bed_days_at_health_rate_gbp_m")}
        mean, low, high = mean_interval(extra["npsv_gbp_m"])
        added_benefit, added_cost = extra["pv_benefit_gbp_m"].mean(), extra["pv_cost_gbp_m"].mean()
        row.update(
            extra_pv_benefit_gbp_m=added_benefit, extra_pv_cost_gbp_m=added_cost,
            extra_npsv_gbp_m=mean, extra_npsv_gbp_m_low=low, extra_npsv_gbp_m_high=high,
            extra_npsv_optimism_bias_gbp_m=extra["npsv_optimism_bias_gbp_m"].mean(),
            extra_npsv_no_persistence_gbp_m=extra["npsv_no_persistence_gbp_m"].mean(),
            extra_npsv_bed_days_at_health_rate_gbp_m=(
                extra["npsv_bed_days_at_health_rate_gbp_m"].mean()),
            incremental_bcr=added_benefit / added_cost if added_cost > 1e-9 else np.nan)
        row["value_for_money"] = value_for_money(row["incremental_bcr"])
        rows.append(row)
    return pd.DataFrame(rows)


def format_appraisal(table: pd.DataFrame, cfg: RunConfig) -> str:
    """The appraisal in the terms of a business case, for the terminal."""
    w = name_width(table)
    a = cfg.scenario.appraisal
    lines = [
        f"Appraisal (HM Treasury Green Book): present values, GBP m, real {a.price_base_year} "
        f"prices, discounted at {a.discount_rate:.1%} a year; residual value: "
        f"{a.persistence_years:g} years of persistence after the horizon.",
        f"{'strategy':<{w}}{'PV benefit':>11}{'of it after':>12}{'PV cost':>9}{'trusts':>8}"
        f"{'ICBs':>7}{'centre':>8}  {'NPSV [95% CI]':<22}{'BCR':>6}",
    ]
    for row in table.itertuples():
        lines.append(
            f"{row.strategy:<{w}}{row.pv_benefit_gbp_m:>11.0f}{row.pv_residual_value_gbp_m:>12.0f}"
            f"{row.pv_cost_gbp_m:>9.0f}{row.pv_cost_trust_gbp_m:>8.0f}{row.pv_cost_icb_gbp_m:>7.0f}"
            f"{row.pv_cost_national_gbp_m:>8.0f}  {interval_text(row, 'npsv_gbp_m', '.0f'):<22}"
            f"{row.bcr:>6.2f}")
    others = table[table["extra_pv_cost_gbp_m"].notna() & (table["strategy"] != BASELINE_STRATEGY)]
    if len(others):
        lines += [
            "",
            f"Against the {BASELINE_STRATEGY.replace('_', ' ')}, paired by replication:",
            f"{'strategy':<{w}}{'+PV benefit':>12}{'+PV cost':>10}  {'+NPSV [95% CI]':<24}"
            f"{'BCR':>6}  {'value for money':<16}{'+OB':>7}{'no pers.':>9}{'health':>8}",
        ]
        for row in others.itertuples():
            bcr = "n/a" if np.isnan(row.incremental_bcr) else f"{row.incremental_bcr:.2f}"
            lines.append(
                f"{row.strategy:<{w}}{row.extra_pv_benefit_gbp_m:>12.0f}"
                f"{row.extra_pv_cost_gbp_m:>10.0f}  "
                f"{interval_text(row, 'extra_npsv_gbp_m', '.0f'):<24}{bcr:>6}  "
                f"{row.value_for_money:<16}{row.extra_npsv_optimism_bias_gbp_m:>7.0f}"
                f"{row.extra_npsv_no_persistence_gbp_m:>9.0f}"
                f"{row.extra_npsv_bed_days_at_health_rate_gbp_m:>8.0f}")
        lines += [
            f"BCR: extra benefit over extra cost (n/a where the strategy costs no more); +OB: "
            f"+NPSV with costs raised {a.optimism_bias:.0%} for optimism bias; no pers.: with",
            f"nothing counted after the horizon; health: bed days discounted at "
            f"{a.health_discount_rate:.1%}. Value-for-money categories: DfT's.",
        ]
    return "\n".join(lines)
