"""Turn finished replications into tidy tables (monthly record in, DataFrames out).

All replications of a batch are tabulated at once: each table is built column by
column from the stacked record, one row per (replication, month, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from .appraisal import appraise
from .population import STATE_NAMES
from .reporters import FLOW_NAMES

if TYPE_CHECKING:  # the runner's workers need neither Mesa nor the engine to tabulate
    from .engine import Batch
    from .model import NHSReformModel

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


LOWEST_SHARE_OF_ICBS = 0.2  # the fifth of ICBs with least benefit per head


def benefit_distribution(icb_benefit_gbp_m: np.ndarray,
                         population: np.ndarray) -> dict[str, np.ndarray]:
    """How the innovations' benefit of each run spreads over the ICBs' residents.

    Args:
        icb_benefit_gbp_m: (R, K) benefit realised in each ICB's trusts over the run.
        population: (K,) residents of each ICB.

    Returns:
        Per run (R,): ``benefit_per_head_gbp`` (England's benefit over its residents),
        ``icb_benefit_per_head_lowest_fifth_gbp`` (mean benefit per head of the
        ``ceil(K / 5)`` ICBs with least, 9 of 42) and ``icb_benefit_gini`` (Gini
        over ICBs of benefit per head, unweighted; NaN in a run where some ICB's
        benefit is negative, where a Gini has no meaning).
    """
    per_head = icb_benefit_gbp_m * 1e6 / population
    lowest = int(np.ceil(LOWEST_SHARE_OF_ICBS * per_head.shape[1]))
    harmed = (per_head < 0).any(axis=1)
    return {
        "benefit_per_head_gbp": icb_benefit_gbp_m.sum(axis=1) * 1e6 / population.sum(),
        "icb_benefit_per_head_lowest_fifth_gbp": np.sort(per_head, axis=1)[:, :lowest].mean(1),
        "icb_benefit_gini": np.where(harmed, np.nan, gini(np.maximum(per_head, 0.0), axis=1)),
    }


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
        share: (..., months, I) share embedded per step.
        level: Threshold share.

    Returns:
        (..., I) months to the threshold, NaN where it is not reached (censored).
    """
    reached = share >= level
    first = reached.argmax(axis=-2).astype(float) + 1.0
    first[~reached.any(axis=-2)] = np.nan
    return first


_TEXT = pd.Series(["text"]).dtype  # pandas' default text type, as inferred elsewhere


def _text(values: np.ndarray, index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``values[index]`` as a pandas text column, built in Arrow (no Python string per row)."""
    strings = pa.array([str(v) for v in np.asarray(values)], type=pa.large_string())
    return pd.array(strings.take(pa.array(index)), dtype=_TEXT)


def _tiled_text(values: np.ndarray, times: int) -> pd.api.extensions.ExtensionArray:
    return _text(values, np.tile(np.arange(len(values)), times))


def _frame(keys: dict[str, np.ndarray], rows_per_rep: int,
           columns: dict[str, object]) -> pd.DataFrame:
    """A DataFrame with the key columns first, each key repeated for its replication's rows."""
    key_columns = {}
    for name, values in keys.items():
        values = np.asarray(values)
        if values.dtype.kind in "UO":
            key_columns[name] = _text(values, np.repeat(np.arange(len(values)), rows_per_rep))
        else:
            key_columns[name] = np.repeat(values, rows_per_rep)
    return pd.DataFrame({**key_columns, **columns})


def tables_from_model(model: NHSReformModel, keys: dict[str, object]) -> ReplicationTables:
    """Build the tidy tables of one model's replication.

    Args:
        model: A model that has run.
        keys: Identifying columns (strategy, replication, seed) added to every table.

    Returns:
        Per-step, per-(step, innovation), per-(step, ICB) and per-run tables.
    """
    return tables_from_batch(model.batch, {k: np.array([v]) for k, v in keys.items()})


def tables_from_batch(batch: Batch, keys: dict[str, np.ndarray],
                      keep_trajectories: np.ndarray | None = None) -> ReplicationTables:
    """Build the tidy tables of every replication of a batch.

    Args:
        batch: A batch that has run.
        keys: Identifying columns (strategy, replication, seed), one value per replication.
        keep_trajectories: (R,) mask of the replications whose month-by-month tables
            are kept (all if None); the run-level tables always hold every replication.

    Returns:
        Per-step, per-(step, innovation), per-(step, ICB) and per-run tables, rows
        ordered by replication then step.
    """
    record = batch.recorded()
    counts = record["state_counts"]  # (R, months, 5, I)
    relevant = counts[0, 0].sum(axis=0)
    embedded_share = counts[:, :, 3, :] / relevant  # (R, months, I)
    run, run_innovations = _run_tables(batch, keys, record, embedded_share)
    if keep_trajectories is not None and not keep_trajectories.all():
        record = {name: values[keep_trajectories] for name, values in record.items()}
        keys = {name: values[keep_trajectories] for name, values in keys.items()}
        counts, embedded_share = counts[keep_trajectories], embedded_share[keep_trajectories]
    reps, months = record["flows"].shape[:2]
    step = np.arange(1, months + 1)
    icb_share = record["icb_embedded_share"]  # (R, months, K)
    flows = record["flows"]  # (R, months, flows)
    innov, icbs = batch.data.innovations, batch.data.icbs
    n_innov, n_icb = len(innov), len(icbs)

    step_columns: dict[str, object] = {"step": np.tile(step, reps)}
    step_columns.update({name: flows[:, :, i].ravel() for i, name in enumerate(FLOW_NAMES)})
    step_columns.update({name: record[name].ravel() for name in STOCK_NAMES})
    step_columns["embedded_share_mean"] = embedded_share.mean(axis=2).ravel()
    step_columns["icb_embedded_share_variance"] = icb_share.var(axis=2).ravel()
    step_columns["icb_embedded_share_gini"] = gini(icb_share, axis=2).ravel()
    steps = _frame(keys, months, step_columns)

    innovation_columns: dict[str, object] = {
        "step": np.tile(np.repeat(step, n_innov), reps),
        "innovation": _tiled_text(innov.innovation_id, months * reps),
        "relevant_trusts": np.tile(relevant, months * reps),
    }
    for s, name in enumerate(STATE_NAMES):
        innovation_columns[f"n_{name}"] = counts[:, :, s, :].ravel()
    innovation_columns["embedded_share"] = embedded_share.ravel()
    innovation_steps = _frame(keys, months * n_innov, innovation_columns)

    icb_steps = _frame(keys, months * n_icb, {
        "step": np.tile(np.repeat(step, n_icb), reps),
        "icb": _tiled_text(icbs.ods_code, months * reps),
        "region": _tiled_text(np.array(icbs.region_names)[icbs.region], months * reps),
        "embedded_share": icb_share.ravel(),
        "benefit_gbp_m": record["icb_benefit_gbp_m"].ravel(),
    })
    return ReplicationTables(steps=steps, innovation_steps=innovation_steps,
                             icb_steps=icb_steps, run=run, run_innovations=run_innovations)


def _run_tables(batch: Batch, keys: dict[str, np.ndarray], record: dict[str, np.ndarray],
                embedded_share: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-replication and per-(replication, innovation) outcomes."""
    reps, months, n_innov = embedded_share.shape
    total = dict(zip(FLOW_NAMES, record["flows"].sum(axis=1).T, strict=True))  # name -> (R,)
    spend = sum(total[name] for name in SPEND_COLUMNS)
    relevant = record["state_counts"][0, 0].sum(axis=0)
    # each replication's own start (a recorded start differs between replications)
    initial_share = batch.pop.core_funded.sum(axis=1) / relevant  # (R, I)
    already_half = initial_share >= 0.5  # e.g. the EPR: no time to 50 % to measure
    time_to_half = np.where(already_half, np.nan, first_month_reaching(embedded_share))
    with np.errstate(invalid="ignore", divide="ignore"):
        benefit_per_spend = np.where(spend > 1e-6, total["benefit_gbp_m"] / spend, np.nan)
        value_per_spend = np.where(spend > 1e-6,
                                   (total["benefit_gbp_m"] + total["saving_gbp_m"]) / spend, np.nan)
    run_columns: dict[str, object] = {
        "pilots_started": total["pilots_started"],
        "pilots_scaled": total["pilots_scaled"],
        "pilots_abandoned": total["pilots_failed"] + total["pilots_faded"],
        "embedded_discontinued": total["embedded_discontinued"],
        "benefit_bed_days": total["benefit_bed_days"],
        "benefit_gbp_m": total["benefit_gbp_m"],
        "saving_gbp_m": total["saving_gbp_m"],
        "spend_gbp_m": spend,
        "net_benefit_gbp_m": total["benefit_gbp_m"] + total["saving_gbp_m"] - spend,
        "strategy_spend_gbp_m": total["strategy_spend_gbp_m"],
        **appraise({name: record["flows"][:, :, i] for i, name in enumerate(FLOW_NAMES)},
                   batch.scenario),
        "benefit_per_spend": benefit_per_spend,
        "value_per_spend": value_per_spend,
        **benefit_distribution(record["icb_benefit_gbp_m"].sum(axis=1),
                               batch.data.icbs.population),
        "mergers": total["mergers"],
        "pilots_under_way_at_start": batch.pilots_at_start,
        "mean_pressure": record["mean_pressure"].mean(axis=1),
        "innovations_reaching_50pct": np.isfinite(time_to_half).sum(axis=1),
    }
    innovation_run_columns: dict[str, object] = {
        "innovation": _tiled_text(batch.data.innovations.innovation_id, reps),
        "time_to_50pct_months": time_to_half.ravel(),
        "reached_50pct": np.isfinite(time_to_half).ravel(),
        "above_50pct_at_start": already_half.ravel(),
        "embedded_share_start": initial_share.ravel(),
    }
    for label, month in YEAR_CHECKPOINTS.items():
        # A run shorter than the checkpoint has no value there (NaN, not the last month).
        at_checkpoint = embedded_share[:, month - 1] if months >= month else \
            np.full((reps, n_innov), np.nan)
        run_columns[f"embedded_share_{label}"] = at_checkpoint.mean(axis=1)
        innovation_run_columns[f"embedded_share_{label}"] = at_checkpoint.ravel()
    return _frame(keys, 1, run_columns), _frame(keys, n_innov, innovation_run_columns)
