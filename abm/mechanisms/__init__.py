"""The mechanisms a strategy combines, one module each: the registry.

Each mechanism is a ``Mechanism`` (``base.py``) whose hooks ``Batch.step`` calls
in the ODD's order; a strategy is the set of mechanisms its config switches on,
any combination of them. ``MECHANISMS`` is the one list of them. No hook depends
on a mechanism's place in it (the contract of ``base.py``, tested by running
every shipped strategy with the list reversed); the place sets only where each
mechanism's own flows go among the columns of the steps table (``FLOWS``).
``Mechanisms`` calls a hook of every mechanism in turn and sums their parts.
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
from ..flows import FlowSchema, schema
from ..generators import COMMON_STREAMS, MESA_STREAM
from ..kernels import EndingTerms, EventOutcomes, UtilityTerms
from .base import CapacityTerms, Charges, Context, Mechanism
from .consolidation import Consolidation
from .open_platform import OpenPlatform
from .scaler import Scaler
from .status_quo import StatusQuo

if TYPE_CHECKING:
    from ..engine import Batch

MECHANISMS: tuple[type[Mechanism], ...] = (Scaler, OpenPlatform, Consolidation)
MECHANISM_NAMES = config.MECHANISMS  # the settings blocks of StrategyConfig with an enabled flag


def check_registry(mechanisms: tuple[type[Mechanism], ...]) -> None:
    """Every settings block has one module, and every mechanism's streams are its own.

    Raises:
        ImportError: If a mechanism names a stream another mechanism, the batch
            (``generators.COMMON_STREAMS``) or Mesa's generator has, or the registry
            and the strategy settings differ.
    """
    streams = [stream for mechanism in mechanisms for stream in mechanism.streams]
    taken = [*COMMON_STREAMS, MESA_STREAM, *streams]
    if len(set(taken)) != len(taken):
        raise ImportError(f"a mechanism's stream is another's or the batch's: {streams} "
                          f"(the batch's: {COMMON_STREAMS}, Mesa's: {MESA_STREAM!r})")
    if sorted(MECHANISM_NAMES) != sorted(m.name for m in mechanisms):
        raise ImportError(f"strategy settings {MECHANISM_NAMES} and mechanism modules "
                          f"{[m.name for m in mechanisms]} differ")


def flow_schema(mechanisms: tuple[type[Mechanism], ...]) -> FlowSchema:
    """The flows of a batch: the counted events, each mechanism's own, then the money."""
    return schema(mechanism.flows for mechanism in mechanisms)


check_registry(MECHANISMS)
MECHANISM_STREAMS = tuple(stream for mechanism in MECHANISMS for stream in mechanism.streams)
FLOWS = flow_schema(MECHANISMS)
FLOW_NAMES = FLOWS.names  # the steps table's flow columns, in order


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

    def observed_pilots(self, own: np.ndarray, per_icb: np.ndarray,
                        per_innovation: np.ndarray) -> np.ndarray:
        """The pilots each ICB learns from: its own and every mechanism's extra."""
        extra = sum(part.observed_pilots(own, per_icb, per_innovation)
                    for part in self._parts.values())
        return own + extra if np.ndim(extra) else own

    def charge(self, month: int, owed: MoneyOwed) -> Charges:
        """ODD step 10: every mechanism's charges, summed line by line."""
        charges = [part.charge(month, owed) for part in self._parts.values()]
        return Charges(running=sum(c.running for c in charges),
                       fees=sum(c.fees for c in charges))

    def mesa_agents(self, model) -> dict[str, list]:
        """Each mechanism's Mesa agents for a one-replication model, by mechanism."""
        return {name: part.mesa_agents(model) for name, part in self._parts.items()}

    def saving_gbp_m(self) -> np.ndarray | float:
        """ODD step 11: what the mechanisms save themselves this month, GBP m (R, T) or nil."""
        return sum(part.saving_gbp_m() for part in self._parts.values())

    def national_cost_gbp_m(self) -> np.ndarray | float:
        """ODD step 10: the mechanisms' national cost this month, GBP m."""
        return sum(part.national_cost_gbp_m() for part in self._parts.values())

    def programme_cost_gbp_m(self) -> np.ndarray | float:
        """ODD step 10: what the strategy's programme committed this month, GBP m."""
        return sum(part.programme_cost_gbp_m() for part in self._parts.values())


__all__ = ["FLOWS", "FLOW_NAMES", "MECHANISMS", "MECHANISM_NAMES", "MECHANISM_STREAMS",
           "CapacityTerms", "Charges", "Context", "Mechanism", "Mechanisms", "StatusQuo",
           "check_registry", "flow_schema"]
