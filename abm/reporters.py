"""Named reporters: what is recorded each month, for every replication of a batch.

Each reporter takes a ``Batch`` and returns one value per replication (an array
with the replication as its first axis). Flows (pilots started, spend, benefit)
are counted during the step in ``batch.flows``; stocks (lifecycle counts,
pressure) are read from the arrays. The Mesa model's ``DataCollector`` records
the same reporters for its one replication.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .mechanisms import FLOW_NAMES

if TYPE_CHECKING:
    from .engine import Batch

FLOW_INDEX = {name: i for i, name in enumerate(FLOW_NAMES)}


def state_counts(batch: Batch) -> np.ndarray:
    """Trusts in each lifecycle state per innovation, relevant trusts only: (R, 5, I)."""
    return batch.state_tally()[0].copy()  # the batch updates its counts in place


def icb_embedded_share(batch: Batch) -> np.ndarray:
    """Share of relevant (trust, innovation) cells embedded in each ICB: (R, K)."""
    return batch.state_tally()[1] / batch.relevant_per_icb


def icb_benefit_gbp_m(batch: Batch) -> np.ndarray:
    """Innovations' benefit realised this month in each ICB's trusts, GBP m: (R, K)."""
    return batch.benefit_by_trust_gbp_m @ batch.icb_onehot


def mean_pressure(batch: Batch) -> np.ndarray:
    """Mean operational pressure over trusts (0-1): (R,)."""
    return batch.pop.pressure.mean(axis=1)


def mean_bed_occupancy_share(batch: Batch) -> np.ndarray:
    """Mean bed occupancy over trusts: (R,)."""
    return batch.pop.occupancy.mean(axis=1)


def decision_units(batch: Batch) -> np.ndarray:
    """Number of independent decision units (trusts after mergers and groups): (R,)."""
    return np.count_nonzero(batch.pop.group == batch.trust_index, axis=1)


def budget_unspent_gbp_m(batch: Batch) -> np.ndarray:
    """Total unspent transformation budget across trusts: (R,)."""
    return batch.pop.budget_gbp_m.sum(axis=1)


def programmes_live(batch: Batch) -> np.ndarray:
    """National programmes currently funded: (R,)."""
    return np.count_nonzero(batch.programme_live, axis=1)


def flows(batch: Batch) -> np.ndarray:
    """This month's flows, in the order of ``FLOW_NAMES``: (R, flows)."""
    return batch.flows.copy()


REPORTERS = {
    "state_counts": state_counts,
    "icb_embedded_share": icb_embedded_share,
    "icb_benefit_gbp_m": icb_benefit_gbp_m,
    "mean_pressure": mean_pressure,
    "mean_bed_occupancy_share": mean_bed_occupancy_share,
    "decision_units": decision_units,
    "budget_unspent_gbp_m": budget_unspent_gbp_m,
    "programmes_live": programmes_live,
    "flows": flows,
}
