"""compare_strategies: the strategies side by side, with paired differences and curves."""

from __future__ import annotations

import pandas as pd

from ..runner import Results
from . import stats

CURVES = ("embedded_share_mean", "mean_pressure", "mean_bed_occupancy_share",
          "icb_embedded_share_gini", "icb_embedded_share_variance")


def differences(runs: pd.DataFrame, outcomes: tuple[str, ...], baseline: str,
                method: str) -> pd.DataFrame:
    """Paired differences from the baseline for each outcome (common random numbers)."""
    present = [o for o in outcomes if o in runs and runs[o].notna().any()]
    return pd.concat([stats.paired_differences(runs, o, baseline, method) for o in present],
                     ignore_index=True)


def curves(steps: pd.DataFrame, method: str) -> pd.DataFrame:
    """Mean and interval of each monthly series per strategy and month."""
    parts = [stats.describe(steps, ["strategy", "step"], column, method) for column in CURVES]
    return pd.concat(parts, ignore_index=True)


def format_differences(table: pd.DataFrame) -> str:
    """Text table of the paired differences, then the warnings."""
    lines = [f"Difference from {table['baseline'].iloc[0]} ({table['interval'].iloc[0]}, "
             "common random numbers: replication r shares its trusts and draws)"]
    for row in table.itertuples():
        flag = "  (smaller than its interval)" if row.smaller_than_interval else ""
        lines.append(f"  {row.strategy:<15}{row.outcome:<22}{row.difference:>+12.4g}  "
                     f"[{row.ci_low:.4g}, {row.ci_high:.4g}]  n = {row.replications}{flag}")
    small = table[table["smaller_than_interval"]]
    if len(small):
        pairs = ", ".join(f"{r.strategy} on {r.outcome}" for r in small.itertuples())
        lines.append(f"warning: {len(small)} of {len(table)} differences are smaller than "
                     f"their interval (do not read a difference into them): {pairs}")
    return "\n".join(lines)


def compare(results: Results, outcomes: tuple[str, ...], baseline: str, method: str
            ) -> tuple[dict[str, pd.DataFrame], str]:
    """The comparison tables and their text rendering.

    Returns:
        ({"comparison": paired differences, "curves": monthly means with intervals},
        text); with one strategy, or without the baseline, only the curves.
    """
    tables = {"curves": curves(results.steps, method)}
    names = set(results.runs["strategy"])
    if len(names) < 2 or baseline not in names:
        return tables, ""
    tables["comparison"] = differences(results.runs, outcomes, baseline, method)
    return tables, format_differences(tables["comparison"])
