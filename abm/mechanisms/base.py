"""The hooks a mechanism offers the month's schedule, each neutral by default.

``Batch.step`` calls every mechanism's hooks in the ODD's order (section 3):
reorganising decision units (3), approaching trusts (5), the capacity terms (8),
the utility and ending terms of the lifecycle passes and the mechanism's own
part of the lifecycle (9), learning from the month's events (9), and its
charges and national cost (10). A hook that returns terms takes the terms the
schedule has so far and returns them changed; the base class returns them as
they are, so a mechanism that is switched off, or says nothing about a step,
leaves the numbers exactly as they would be without it.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import numpy as np

from ..economics import MoneyOwed
from ..kernels import EndingTerms, EventOutcomes, UtilityTerms

if TYPE_CHECKING:
    from ..engine import Batch


class CapacityTerms(NamedTuple):
    """What running pilots take from a trust's absorptive capacity (``update_capacity``)."""

    per_pilot: np.ndarray  # (I,) float64 capacity a running pilot uses
    carried: np.ndarray | None  # (I,) float64 what a supported pilot uses (None: as any)
    disruption_loss: float  # share of capacity lost while a trust is disrupted
    extra_per_pilot: np.ndarray | None  # (R, T) what every running pilot also uses (None: 0)
    pressure_loss_factor: np.ndarray | None  # (R, T) share of pressure's loss borne (None: 1)


class Mechanism:
    """One mechanism of a strategy: its settings, its state and its hooks.

    Args:
        batch: The batch the mechanism acts in; the hooks read and write its arrays.

    Attributes:
        name: The field of ``StrategyConfig`` that holds the mechanism's settings.
        streams: Names of the random streams the mechanism draws from, its own: every
            replication has them whether or not the mechanism is on, so switching
            it on changes no other draw.
        config: Those settings.
        enabled: Whether the strategy switches the mechanism on.
        rngs: The generators of each of its streams, one per replication, by name.
    """

    name: ClassVar[str]
    streams: ClassVar[tuple[str, ...]] = ()

    def __init__(self, batch: Batch) -> None:
        # a proxy, so that a finished batch is freed at once (no reference cycle)
        self.batch = weakref.proxy(batch)
        self.config = getattr(batch.strategy, self.name)
        self.enabled = bool(self.config.enabled)
        self.rngs = {stream: batch.rngs[stream] for stream in self.streams}

    # ---------------------------------------------------------------- built once

    def peer_reach(self) -> float:
        """Share of the weight on local peers moved to national peers (0: none)."""
        return 0.0

    def unit_weight_by_size(self, boards: np.ndarray) -> np.ndarray:
        """Weight of a decision unit's decision, by the boards that must agree (1: none)."""
        return np.ones_like(boards)

    # ---------------------------------------------------------------- each month

    def stop(self, reps: np.ndarray) -> None:
        """ODD step 1: a new government stopped the strategy in replications ``reps``.

        ``batch.reform_live`` is already False there; a mechanism ends what it does
        (contracts, the platform, the merger programme) and keeps what was done.
        """

    def reorganise(self, month: int) -> None:
        """ODD step 3: change decision units (mergers)."""

    def approach(self, month: int) -> None:
        """ODD step 5: approach trusts (offers) before capacity is set."""

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """ODD step 8: what running pilots and disruption take from capacity."""
        return terms

    def utility_terms(self, terms: UtilityTerms, nation: np.ndarray) -> UtilityTerms:
        """ODD step 9: risk weight and bonus of the decision; ``nation`` (R, I) national use."""
        return terms

    def ending_terms(self, terms: EndingTerms) -> EndingTerms:
        """ODD step 9: how supported pilots end."""
        return terms

    def intervene(self, words: np.ndarray, utility: UtilityTerms) -> None:
        """ODD step 9, after the decisions: the mechanism's own events (in ``batch.events``)."""

    def after_events(self, outcomes: EventOutcomes) -> None:
        """ODD step 9, after the new states: what the mechanism learns from the month's events."""

    def observed_pilots(self, local: np.ndarray, per_innovation: np.ndarray) -> np.ndarray:
        """The pilots each ICB learns from (R, K, I), given those completed there (``local``).

        ``per_innovation`` (R, I) is every pilot completed this month.
        """
        return local

    def charge(self, owed: MoneyOwed, running_due: np.ndarray, pilots_due: np.ndarray) -> None:
        """ODD step 10: add the mechanism's charges to what trusts owe (R, T; in place)."""

    def saving_gbp_m(self) -> np.ndarray | float:
        """ODD step 11: what the mechanism itself saves this month, GBP m, (R, T) or nil.

        Savings that come from the mechanism, not from an innovation (a merged
        back office), counted apart from the innovations' benefit.
        """
        return 0.0

    def national_cost_gbp_m(self) -> np.ndarray | float:
        """ODD step 10: the mechanism's national cost this month, GBP m, (R,) or one for all."""
        return 0.0

    def programme_cost_gbp_m(self) -> np.ndarray | float:
        """ODD step 10: what the strategy's own programme committed this month, GBP m, (R,).

        Counted against ``strategy.spend_cap_gbp_m`` whoever pays it.
        """
        return 0.0
