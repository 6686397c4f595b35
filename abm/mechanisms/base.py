"""The hooks a mechanism offers the month's schedule, each neutral by default.

``Batch.step`` calls every mechanism's hooks in the ODD's order (section 3):
stopping (1), reorganising decision units (3), approaching trusts (5), the
capacity terms (8), the utility and ending terms of the lifecycle passes and the
mechanism's own part of the lifecycle (9), learning from the month's events (9),
its charges and national cost (10) and its savings (11).

The contract between mechanisms: no hook depends on another mechanism's place in
the registry. A hook that adds a charge, a cost, a saving or pilots seen returns
its own part and the engine sums the parts (``Charges``, ``observed_pilots``); a
hook that changes terms (capacity, utility, ending) returns them changed, and
every mechanism changes a term the same way whatever ran before it: shares and
costs add, factors multiply, and a term set outright (``CapacityTerms.carried``)
has one owner. Reordering ``abm.mechanisms.MECHANISMS`` changes no number
(tested). The base class returns terms as they are and its parts as nil, so a
mechanism that is switched off, or says nothing about a step, leaves the
numbers exactly as they would be without it.

What a mechanism may read of the batch without reaching into it is
``Mechanism.context`` (``Context``: the month, the financial-year start, the
replications where the strategy is live, ICBs' regions, trusts' ICBs and the
boards). The arrays it changes are the population's (``batch.pop``: states,
budgets, decision units), each named in the hook that changes them.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import numpy as np

from ..economics import MoneyOwed
from ..flows import FlowSpec
from ..kernels import EndingTerms, EventOutcomes, UtilityTerms
from ..population import MONTHS_PER_YEAR

if TYPE_CHECKING:
    import mesa

    from ..boards import Boards
    from ..engine import Batch


class Charges(NamedTuple):
    """What a mechanism charges trusts this month, GBP m, (R, T) each (or 0.0: nothing).

    ``running`` is paid first, with the running costs of what is embedded; ``fees``
    are paid with pilot costs, from what budget is left. Each mechanism's charges
    are its own line: no other mechanism's hook sees or changes them.
    """

    running: np.ndarray | float = 0.0
    fees: np.ndarray | float = 0.0


class Context:
    """What a mechanism may read of its batch, read-only.

    Args:
        batch: The batch (held weakly).
    """

    def __init__(self, batch: Batch) -> None:
        self._batch = batch

    @property
    def month(self) -> int:
        """Months completed before this one (0 in the first month)."""
        return self._batch.month

    @property
    def financial_year_starts(self) -> bool:
        """Whether this month is April: budgets lapse and the year's allocation arrives."""
        return self._batch.month % int(MONTHS_PER_YEAR) == 0

    @property
    def reform_live(self) -> np.ndarray:
        """(R,) bool: where the strategy runs (False once stopped or its spend cap reached)."""
        return _read_only(self._batch.reform_live)

    @property
    def icb_region(self) -> np.ndarray:
        """(K,) region of each ICB (``data.icbs.region_names``)."""
        return _read_only(self._batch.data.icbs.region)

    @property
    def trust_icb(self) -> np.ndarray:
        """(T,) ICB of each trust."""
        return _read_only(self._batch.icb_of_trust)

    @property
    def trust_region(self) -> np.ndarray:
        """(T,) region of each trust."""
        return _read_only(self._batch.data.icbs.region[self._batch.icb_of_trust])

    @property
    def icb_onehot(self) -> np.ndarray:
        """(T, K) 1.0 where a trust belongs to an ICB: ``per_trust @ icb_onehot`` sums by ICB."""
        return _read_only(self._batch.icb_onehot)

    @property
    def boards(self) -> Boards:
        """The boards ICBs act as (``abm.boards``; the April 2026 mergers)."""
        return self._batch.boards

    @property
    def boards_acting(self) -> bool:
        """Whether merged boards act as one this month (from April 2026)."""
        return self._batch.boards.acting(self._batch.month)


def _read_only(values: np.ndarray) -> np.ndarray:
    view = values.view()
    view.flags.writeable = False
    return view


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
            it on changes no other draw; a stream's seed comes from its name.
        flows: The flows the mechanism records (name, unit, meaning): columns of the
            steps table after the counted events, in registry order.
        config: Those settings.
        enabled: Whether the strategy switches the mechanism on.
        rngs: The generators of each of its streams, one per replication, by name.
        context: What it may read of the batch (``Context``).
    """

    name: ClassVar[str]
    streams: ClassVar[tuple[str, ...]] = ()
    flows: ClassVar[tuple[FlowSpec, ...]] = ()

    def __init__(self, batch: Batch) -> None:
        # a proxy, so that a finished batch is freed at once (no reference cycle)
        self.batch = weakref.proxy(batch)
        self.config = getattr(batch.strategy, self.name)
        self.enabled = bool(self.config.enabled)
        self.rngs = {stream: batch.rngs[stream] for stream in self.streams}
        self.context = Context(self.batch)

    def flow(self, name: str) -> np.ndarray:
        """(R,) this month's column of flow ``name``, its own or a common one (a view)."""
        return self.batch.flow(name)

    def mesa_agents(self, model: mesa.Model) -> list[mesa.Agent]:
        """The Mesa agents that show the mechanism in a one-replication model (none)."""
        return []

    # ---------------------------------------------------------------- built once

    def peer_reach(self) -> float:
        """Share of the weight on local peers moved to national peers (0: none)."""
        return 0.0

    def unit_weight_by_size(self, boards: np.ndarray) -> np.ndarray:
        """Weight of a decision unit's decision, by the boards that must agree (1: none)."""
        return np.ones_like(boards)

    # ---------------------------------------------------------------- each month

    def stop(self, reps: np.ndarray) -> None:
        """ODD step 1 (or step 10, at the spend cap): the strategy stopped in ``reps``.

        ``context.reform_live`` is already False there; a mechanism ends what it does
        (contracts, the platform, the merger programme) and keeps what was done. It
        may change the population's arrays of those replications.
        """

    def reorganise(self, month: int) -> None:
        """ODD step 3: change decision units (``pop.group``, mergers), after the institutions.

        Every mechanism reorganises before any approaches trusts.
        """

    def approach(self, month: int) -> None:
        """ODD step 5: approach trusts (offers), after every reorganisation, before capacity."""

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """ODD step 8: what running pilots and disruption take from capacity.

        ``terms`` hold the engine's terms with the parts of the mechanisms before this
        one; losses and loads add, the pressure-loss factor multiplies.
        """
        return terms

    def utility_terms(self, terms: UtilityTerms, nation: np.ndarray) -> UtilityTerms:
        """ODD step 9: risk weight (multiplies) and bonus (adds) of every cell's decision.

        ``nation`` (R, I) is each innovation's national use share this month.
        """
        return terms

    def ending_terms(self, terms: EndingTerms) -> EndingTerms:
        """ODD step 9: how pilots end; fade and drop rates multiply or add, as each says."""
        return terms

    def intervene(self, words: np.ndarray, utility: UtilityTerms) -> None:
        """ODD step 9, after the cells' own decisions: the mechanism's events.

        It writes ``batch.events`` (R, T, I) only at cells of its own (the scaler's
        offers), before the national programmes choose their sites; ``words`` are
        the month's draws of every cell, ``utility`` the terms of the decisions.
        """

    def after_events(self, outcomes: EventOutcomes) -> None:
        """ODD step 9, after the new states: what it learns from the month's events."""

    def observed_pilots(self, own: np.ndarray, per_icb: np.ndarray,
                        per_innovation: np.ndarray) -> np.ndarray | float:
        """Pilots completed elsewhere that each ICB learns from this month (R, K, I), or 0.

        Args:
            own: (R, K, I) the pilots each ICB learns from itself: those completed in
                its trusts, or in all its board's trusts once merged boards act
                (``context.boards_acting``; then every member ICB holds the board's
                total, so summing ``own`` over ICBs counts a pilot more than once).
            per_icb: (R, K, I) pilots completed in each ICB's own trusts (never pooled:
                each pilot counted once).
            per_innovation: (R, I) every pilot completed this month.

        Returns:
            The extra pilots each ICB sees; the engine adds every mechanism's to ``own``.
        """
        return 0.0

    def charge(self, month: int, owed: MoneyOwed) -> Charges:
        """ODD step 10: the mechanism's charges to trusts this month (``Charges``).

        ``owed`` is what the cells owe this month before any mechanism's charge
        (``economics.MoneyOwed``, read-only); ``month`` the month, April at
        ``month % 12 == 0`` (``context.financial_year_starts``).
        """
        return Charges()

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
