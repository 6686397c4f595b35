"""Named reporter functions for Mesa's DataCollector (one value per month).

Flows (pilots started, spend, benefit) are counted during the step in
``model.flows``; stocks (lifecycle counts, pressure) are read from the arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .population import EMBEDDED, UNAWARE

if TYPE_CHECKING:
    from .model import NHSReformModel

FLOW_NAMES = (
    "pilots_started",
    "pilots_scaled",
    "pilots_failed",
    "pilots_faded",
    "embedded_discontinued",
    "scaler_deployments_started",
    "scaler_revenue_gbp_m",
    "mergers",
    "mergers_blocked",
    "spend_trust_gbp_m",
    "spend_icb_gbp_m",
    "spend_national_gbp_m",
    "spend_transition_gbp_m",
    "benefit_bed_days",
    "benefit_gbp_m",
)


def empty_flows() -> dict[str, float]:
    """A month's flow counters, all zero."""
    return dict.fromkeys(FLOW_NAMES, 0.0)


def state_counts(model: NHSReformModel) -> np.ndarray:
    """Trusts in each lifecycle state per innovation, relevant trusts only: (5, I)."""
    n_innov = model.pop.state.shape[1]
    codes = (model.pop.state * np.int16(n_innov) + model.innovation_index).ravel()
    counts = np.bincount(codes, minlength=5 * n_innov).reshape(5, n_innov)
    counts[UNAWARE] -= model.irrelevant_per_innovation
    return counts


def icb_embedded_share(model: NHSReformModel) -> np.ndarray:
    """Share of relevant (trust, innovation) cells embedded in each ICB: (K,)."""
    embedded = (model.pop.state == EMBEDDED).sum(axis=1).astype(float)
    return (model.icb_onehot.T @ embedded) / model.relevant_per_icb


def mean_pressure(model: NHSReformModel) -> float:
    """Mean operational pressure over trusts (0-1)."""
    return float(model.pop.pressure.mean())


def mean_bed_occupancy_share(model: NHSReformModel) -> float:
    """Mean bed occupancy over trusts."""
    return float(model.pop.occupancy.mean())


def decision_units(model: NHSReformModel) -> int:
    """Number of independent decision units (trusts after mergers and groups)."""
    return int(np.count_nonzero(model.pop.group == model.trust_index))


def budget_unspent_gbp_m(model: NHSReformModel) -> float:
    """Total unspent transformation budget across trusts."""
    return float(model.pop.budget_gbp_m.sum())


def programmes_live(model: NHSReformModel) -> int:
    """National programmes currently funded."""
    return int(model.government.programme_live.sum())


def flows(model: NHSReformModel) -> np.ndarray:
    """This month's flows, in the order of ``FLOW_NAMES`` (one array keeps collection cheap)."""
    return np.fromiter(model.flows.values(), dtype=float, count=len(FLOW_NAMES))


MODEL_REPORTERS = {
    "state_counts": state_counts,
    "icb_embedded_share": icb_embedded_share,
    "mean_pressure": mean_pressure,
    "mean_bed_occupancy_share": mean_bed_occupancy_share,
    "decision_units": decision_units,
    "budget_unspent_gbp_m": budget_unspent_gbp_m,
    "programmes_live": programmes_live,
    "flows": flows,
}
