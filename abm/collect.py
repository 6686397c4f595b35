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


def _frame(keys: dict[str, object], columns: dict[str, object]) -> pd.DataFrame:
    """A DataFrame with the key columns first (built in one go: cheap per replication)."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame({**{k: np.full(n, v) for k, v in keys.items()}, **columns})


def tables_from_model(model: NHSReformModel, keys: dict[str, object]) -> ReplicationTables:
    """Build the tidy tables of one replication.

    Args:
        model: A model that has run.
        keys: Identifying columns (strategy, replication, seed) added to every table.

    Returns:
        Per-step, per-(step, innovation), per-(step, ICB) and per-run tables.
    """
    record = model.datacollector.model_vars
    months = len(record["flows"])
    step = np.arange(1, months + 1)
    counts = np.stack(record["state_counts"])  # (months, 5, I)
    relevant = counts[0].sum(axis=0)
    embedded_share = counts[:, 3, :] / relevant
    icb_share = np.stack(record["icb_embedded_share"])  # (months, K)
    flows = np.stack(record["flows"])  # (months, len(FLOW_NAMES))
    innov, icbs = model.data.innovations, model.data.icbs
    n_innov, n_icb = len(innov), len(icbs)

    step_columns: dict[str, object] = {"step": step}
    step_columns.update({name: flows[:, i] for i, name in enumerate(FLOW_NAMES)})
    step_columns.update({name: np.asarray(record[name]) for name in STOCK_NAMES})
    step_columns["embedded_share_mean"] = embedded_share.mean(axis=1)
    step_columns["icb_embedded_share_variance"] = icb_share.var(axis=1)
    step_columns["icb_embedded_share_gini"] = gini(icb_share, axis=1)
    steps = _frame(keys, step_columns)

    innovation_columns: dict[str, object] = {
        "step": np.repeat(step, n_innov),
        "innovation": np.tile(innov.innovation_id, months),
        "relevant_trusts": np.tile(relevant, months),
    }
    for s, name in enumerate(STATE_NAMES):
        innovation_columns[f"n_{name}"] = counts[:, s, :].ravel()
    innovation_columns["embedded_share"] = embedded_share.ravel()
    innovation_steps = _frame(keys, innovation_columns)

    icb_steps = _frame(keys, {
        "step": np.repeat(step, n_icb),
        "icb": np.tile(icbs.ods_code, months),
        "region": np.tile(np.array(icbs.region_names)[icbs.region], months),
        "embedded_share": icb_share.ravel(),
    })

    total = dict(zip(FLOW_NAMES, flows.sum(axis=0), strict=True))
    spend = sum(total[name] for name in SPEND_COLUMNS)
    initial_share = model.pop.core_funded.sum(axis=0) / relevant
    already_half = initial_share >= 0.5  # e.g. the EPR: no time to 50 % to measure
    time_to_half = np.where(already_half, np.nan, first_month_reaching(embedded_share))
    run_columns: dict[str, object] = {
        "pilots_started": [total["pilots_started"]],
        "pilots_scaled": [total["pilots_scaled"]],
        "pilots_abandoned": [total["pilots_failed"] + total["pilots_faded"]],
        "embedded_discontinued": [total["embedded_discontinued"]],
        "benefit_bed_days": [total["benefit_bed_days"]],
        "benefit_gbp_m": [total["benefit_gbp_m"]],
        "spend_gbp_m": [spend],
        "benefit_per_spend": [total["benefit_gbp_m"] / spend if spend > 1e-6 else np.nan],
        "mergers": [total["mergers"]],
        "mean_pressure": [float(np.mean(record["mean_pressure"]))],
        "innovations_reaching_50pct": [int(np.isfinite(time_to_half).sum())],
    }
    innovation_run_columns: dict[str, object] = {
        "innovation": innov.innovation_id,
        "time_to_50pct_months": time_to_half,
        "reached_50pct": np.isfinite(time_to_half),
        "above_50pct_at_start": already_half,
        "embedded_share_start": initial_share,
    }
    for label, month in YEAR_CHECKPOINTS.items():
        # A run shorter than the checkpoint has no value there (NaN, not the last month).
        at_checkpoint = embedded_share[month - 1] if months >= month else \
            np.full(n_innov, np.nan)
        run_columns[f"embedded_share_{label}"] = [float(at_checkpoint.mean())]
        innovation_run_columns[f"embedded_share_{label}"] = at_checkpoint
    return ReplicationTables(
        steps=steps,
        innovation_steps=innovation_steps,
        icb_steps=icb_steps,
        run=_frame(keys, run_columns),
        run_innovations=_frame(keys, innovation_run_columns),
    )
