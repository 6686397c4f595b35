"""The mechanisms a strategy combines, one module each.

Each mechanism is a ``Mechanism`` (``base.py``) whose hooks ``Batch.step`` calls
in the ODD's order; a strategy is the set of mechanisms its config switches on,
any combination of them. ``MECHANISMS`` lists them in the order their hooks are
called within a step: consolidation reorganises decision units before the
scaler approaches trusts, and the open platform's publication load is set
before the scaler lends capacity against it. ``Mechanisms`` calls a hook of
every mechanism in that order, each taking the terms the one before returned.
``StatusQuo`` (``status_quo.py``) is the government, the ICBs and the vendors,
who act in every strategy.

``MECHANISM_STREAMS`` are the mechanisms' own random streams. Each stream's seed
derives from the replication's seed and the stream's name
(``generators.replication_streams``), so a mechanism's place in ``MECHANISMS``
changes no draw.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .. import config
from ..economics import MoneyOwed
from ..kernels import EndingTerms, EventOutcomes, UtilityTerms
from .base import CapacityTerms, Mechanism
from .consolidation import Consolidation
from .open_platform import OpenPlatform
from .scaler import Scaler
from .status_quo import StatusQuo

if TYPE_CHECKING:
    from ..engine import Batch

MECHANISMS: tuple[type[Mechanism], ...] = (Consolidation, OpenPlatform, Scaler)
MECHANISM_NAMES = config.MECHANISMS  # the settings blocks of StrategyConfig with an enabled flag
if sorted(MECHANISM_NAMES) != sorted(m.name for m in MECHANISMS):
    raise ImportError(f"strategy settings {MECHANISM_NAMES} and mechanism modules "
                      f"{[m.name for m in MECHANISMS]} differ")
MECHANISM_STREAMS = tuple(stream for mechanism in MECHANISMS for stream in mechanism.streams)


class Mechanisms:
    """Every mechanism of a batch, by the name of its settings, with their hooks combined.

    Args:
        batch: The batch the mechanisms act in.
    """

    def __init__(self, batch: Batch) -> None:
        self._parts = {mechanism.name: mechanism(batch) for mechanism in MECHANISMS}

    def __getitem__(self, name: str) -> Mechanism:
        return self._parts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def peer_reach(self) -> float:
        """Share of local peer weight moved to national peers, all mechanisms together."""
        return sum(part.peer_reach() for part in self._parts.values())

    def unit_weight_by_size(self, boards: np.ndarray) -> np.ndarray:
        """Weight of a unit's decision by its boards: the product of every mechanism's."""
        weight = np.ones_like(boards)
        for part in self._parts.values():
            weight = weight * part.unit_weight_by_size(boards)
        return weight

    def stop(self, reps: np.ndarray) -> None:
        """ODD step 1: the strategy stopped in replications ``reps``, every mechanism in turn."""
        for part in self._parts.values():
            part.stop(reps)

    def reorganise(self, month: int) -> None:
        """ODD step 3, every mechanism in turn."""
        for part in self._parts.values():
            part.reorganise(month)

    def approach(self, month: int) -> None:
        """ODD step 5, every mechanism in turn."""
        for part in self._parts.values():
            part.approach(month)

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """ODD step 8: the terms after every mechanism's part."""
        for part in self._parts.values():
            terms = part.capacity_terms(terms)
        return terms

    def utility_terms(self, terms: UtilityTerms, nation: np.ndarray) -> UtilityTerms:
        """ODD step 9: the terms after every mechanism's part."""
        for part in self._parts.values():
            terms = part.utility_terms(terms, nation)
        return terms

    def ending_terms(self, terms: EndingTerms) -> EndingTerms:
        """ODD step 9: the terms after every mechanism's part."""
        for part in self._parts.values():
            terms = part.ending_terms(terms)
        return terms

    def intervene(self, words: np.ndarray, utility: UtilityTerms) -> None:
        """ODD step 9, after the decisions, every mechanism in turn."""
        for part in self._parts.values():
            part.intervene(words, utility)

    def after_events(self, outcomes: EventOutcomes) -> None:
        """ODD step 9, after the new states, every mechanism in turn."""
        for part in self._parts.values():
            part.after_events(outcomes)

    def observed_pilots(self, local: np.ndarray, per_innovation: np.ndarray) -> np.ndarray:
        """The pilots each ICB learns from, after every mechanism's part."""
        for part in self._parts.values():
            local = part.observed_pilots(local, per_innovation)
        return local

    def charge(self, owed: MoneyOwed, running_due: np.ndarray, pilots_due: np.ndarray) -> None:
        """ODD step 10: every mechanism's charges, in turn."""
        for part in self._parts.values():
            part.charge(owed, running_due, pilots_due)

    def saving_gbp_m(self) -> np.ndarray | float:
        """ODD step 11: what the mechanisms save themselves this month, GBP m (R, T) or nil."""
        return sum(part.saving_gbp_m() for part in self._parts.values())

    def national_cost_gbp_m(self) -> np.ndarray | float:
        """ODD step 10: the mechanisms' national cost this month, GBP m."""
        return sum(part.national_cost_gbp_m() for part in self._parts.values())

    def programme_cost_gbp_m(self) -> np.ndarray | float:
        """ODD step 10: what the strategy's programme committed this month, GBP m."""
        return sum(part.programme_cost_gbp_m() for part in self._parts.values())


__all__ = ["MECHANISMS", "MECHANISM_NAMES", "MECHANISM_STREAMS", "CapacityTerms", "Mechanism",
           "Mechanisms", "StatusQuo"]
