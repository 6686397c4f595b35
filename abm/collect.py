"""Turn one finished model into tidy tables (DataCollector output in, DataFrames out)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .model import NHSReformModel
from .population import STATE_NAMES
from .reporters import FLOW_NAMES

STOCK_NAMES = ("mean_pressure", "mean_bed_occupancy_share", "decision_units",
               "budget_unspent_gbp_m", "programmes_live")
YEAR_CHECKPOINTS = {"y5": 60, "y10": 120}
# Scaler fees are paid out of trust budgets, so they sit inside spend_trust_gbp_m.
SPEND_COLUMNS = ("spend_trust_gbp_m", "spend_icb_gbp_m", "spend_national_gbp_m",
                 "spend_transition_gbp_m")


@dataclass
class ReplicationTables:
    """The tidy tables of one replication."""

    steps: pd.DataFrame
    innovation_steps: pd.DataFrame
    icb_steps: pd.DataFrame
    run: pd.DataFrame
    run_innovations: pd.DataFrame


def gini(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Gini coefficient of non-negative values along an axis (0 when all are equal or zero).

    References:
        Damgaard and Weiner (2000), Ecology 81(4): 1139-1142 (mean-difference form).
    """
    values = np.sort(np.asarray(values, dtype=float), axis=axis)
    n = values.shape[axis]
    ranks = np.arange(1, n + 1).reshape([-1 if a == axis % values.ndim else 1
                                         for a in range(values.ndim)])
    total = values.sum(axis=axis)
    weighted = (ranks * values).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = (2.0 * weighted) / (n * total) - (n + 1.0) / n
    return np.where(total > 0, g, 0.0)


def first_month_reaching(share: np.ndarray, level: float = 0.5) -> np.ndarray:
    """First month (1-based step) each column reaches ``level``; NaN if never.

    Args:
        share: (months, I) share embedded per step.
        level: Threshold share.

    Returns:
        (I,) months to the threshold, NaN where it is not reached (censored).
    """
    reached = share >= level
    first = reached.argmax(axis=0).astype(float) + 1.0
    first[~reached.any(axis=0)] = np.nan
    return first


def tables_from_model(model: NHSReformModel, keys: dict[str, object]) -> ReplicationTables:
    """Build the tidy tables of one replication.

    Args:
        model: A model that has run.
        keys: Identifying columns (strategy, replication, seed) added to every table.

    Returns:
        Per-step, per-(step, innovation), per-(step, ICB) and per-run tables.
    """
    frame = model.datacollector.get_model_vars_dataframe()
    months = len(frame)
    step = np.arange(1, months + 1)
    counts = np.stack(frame["state_counts"].to_numpy())  # (months, 5, I)
    relevant = counts[0].sum(axis=0)
    embedded_share = counts[:, 3, :] / relevant
    icb_share = np.stack(frame["icb_embedded_share"].to_numpy())  # (months, K)
    innov = model.data.innovations
    n_innov, n_icb = len(innov), icb_share.shape[1]

    steps = pd.DataFrame({"step": step})
    for name in (*FLOW_NAMES, *STOCK_NAMES):
        steps[name] = frame[name].to_numpy()
    steps["embedded_share_mean"] = embedded_share.mean(axis=1)
    steps["icb_embedded_share_variance"] = icb_share.var(axis=1)
    steps["icb_embedded_share_gini"] = gini(icb_share, axis=1)

    innovation_steps = pd.DataFrame({
        "step": np.repeat(step, n_innov),
        "innovation": np.tile(innov.innovation_id, months),
        "relevant_trusts": np.tile(relevant, months),
    })
    for s, name in enumerate(STATE_NAMES):
        innovation_steps[f"n_{name}"] = counts[:, s, :].ravel()
    innovation_steps["embedded_share"] = embedded_share.ravel()

    icb_steps = pd.DataFrame({
        "step": np.repeat(step, n_icb),
        "icb": np.tile(model.data.icbs.ods_code, months),
        "region": np.tile(np.array(model.data.icbs.region_names)[model.data.icbs.region], months),
        "embedded_share": icb_share.ravel(),
    })

    run = pd.DataFrame({
        "pilots_started": [steps["pilots_started"].sum()],
        "pilots_scaled": [steps["pilots_scaled"].sum()],
        "pilots_abandoned": [steps["pilots_failed"].sum() + steps["pilots_faded"].sum()],
        "embedded_discontinued": [steps["embedded_discontinued"].sum()],
        "benefit_bed_days": [steps["benefit_bed_days"].sum()],
        "benefit_gbp_m": [steps["benefit_gbp_m"].sum()],
        "spend_gbp_m": [steps[list(SPEND_COLUMNS)].sum().sum()],
        "mergers": [steps["mergers"].sum()],
        "mean_pressure": [steps["mean_pressure"].mean()],
    })
    for label, month in YEAR_CHECKPOINTS.items():
        at = min(month, months) - 1
        run[f"embedded_share_{label}"] = embedded_share[at].mean()
    time_to_half = first_month_reaching(embedded_share)
    run["innovations_reaching_50pct"] = np.isfinite(time_to_half).sum()
    run["benefit_per_spend"] = run["benefit_gbp_m"] / run["spend_gbp_m"].where(
        run["spend_gbp_m"] > 0)

    run_innovations = pd.DataFrame({
        "innovation": innov.innovation_id,
        "time_to_50pct_months": time_to_half,
        "reached_50pct": np.isfinite(time_to_half),
    })
    for label, month in YEAR_CHECKPOINTS.items():
        run_innovations[f"embedded_share_{label}"] = embedded_share[min(month, months) - 1]

    tables = [steps, innovation_steps, icb_steps, run, run_innovations]
    for table in tables:
        for i, (key, value) in enumerate(keys.items()):
            table.insert(i, key, value)
    return ReplicationTables(*tables)
