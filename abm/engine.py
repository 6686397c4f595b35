"""The simulation of a batch of replications, stacked on a leading array axis.

A ``Batch`` holds R replications of one strategy on one scenario. Every array has
the replication as its first axis, so one whole-array operation advances every
trust, innovation and replication at once. Each replication keeps its own random
streams, derived from its own seed alone, so a replication gives the same numbers
whatever batch it runs in (alone, in a batch of 50, in any worker).

One month is one step. Institutions act first (government, ICBs, then the
mechanisms: mergers, the scaler's offers), then operational pressure and
capacity are set, then every (trust, innovation) cell moves through its lifecycle
at once, costs are paid, benefit is realised and the month is recorded. The
engine knows no strategy: it calls every mechanism's hooks (``abm.mechanisms``)
in the ODD's order and hands the compiled passes the typed terms they return.
See ``docs/ODD.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import economics as econ
from . import kernels, reporters
from .awareness import Hearing, HearingRates, PeerUse, peer_awareness
from .boards import Boards
from .config import ScenarioConfig, StrategyConfig
from .economics import CELL, MoneyOwed, cell_economics, tally_money
from .effects import draw_true_effects, learn_from_pilots, log_belief
from .flows import Counted
from .generators import (
    COMMON_STREAMS,
    Streams,
    cell_words,
    normals,
    replication_streams,
    uniforms,
)
from .inputs import START_MONTH_OF_YEAR, EnglandData, england
from .kernels import DecisionTerms, EndingTerms, EventOutcomes, UtilityTerms
from .mechanisms import FLOWS, MECHANISM_STREAMS, CapacityTerms, Mechanisms, StatusQuo
from .population import (
    MONTHS_PER_YEAR,
    PILOTING,
    Cells,
    StateTally,
    count_states,
    initial_population,
    led_by,
    turn_over_champions,
    update_capacity,
    update_pressure,
)
from .start import start_from_record

# The streams every replication draws from. Each one's seed derives from the
# replication's seed and the stream's name (``generators.replication_streams``), so
# their order here, and any stream added or removed, changes no other stream's draws.
STREAMS = (*COMMON_STREAMS, *MECHANISM_STREAMS)


class Batch:
    """R replications of one strategy, advanced a month at a time.

    Args:
        scenario: The setting and its uncertain conditions.
        strategy: The mechanisms switched on (the name is only a label).
        seeds: One ``SeedSequence`` per replication. Independent streams are
            derived from each, one per name (``STREAMS``: initialisation, cell dynamics,
            institutions, each mechanism's own), so strategies run with the same seeds share
            the same trusts and the same monthly draws (common random numbers).
        data: Input data; the England default shipped with the package.

    Attributes:
        rngs: Each stream's generators, one per replication, by the stream's name.
        status_quo: The government, the ICBs and the vendors (``abm.mechanisms``).
        mechanisms: Every mechanism, by the name of its settings in ``StrategyConfig``,
            in the order their hooks are called (``abm.mechanisms``).
    """

    def __init__(self, scenario: ScenarioConfig, strategy: StrategyConfig,
                 seeds: Sequence[np.random.SeedSequence], data: EnglandData | None = None):
        self.scenario, self.strategy = scenario, strategy
        self.data = data if data is not None else england()
        self.reps = len(seeds)
        streams = [replication_streams(seed, STREAMS) for seed in seeds]
        self.rngs = {name: Streams([np.random.default_rng(s[name]) for s in streams])
                     for name in STREAMS}
        self.dynamics_rngs, self.institution_rngs = self.rngs["dynamics"], self.rngs["institutions"]
        self.pop = initial_population(self.data, scenario, self.rngs["init"])
        start_from_record(self.pop, self.data, scenario, self.rngs["start"])
        self.pilots_at_start = (self.pop.state == PILOTING).sum(axis=(1, 2))  # (R,) under way
        self._build_static_arrays()
        self.status_quo = StatusQuo(self, self.rngs["init"])
        draw_true_effects(self.pop, self.data, scenario, self.rngs["init"])
        self.log_belief = log_belief(self.pop.belief_icb)
        self.mechanisms = Mechanisms(self)
        self.month = 0  # months completed
        self.flows = np.zeros((self.reps, len(FLOWS)))  # columns: ``FLOWS``
        self.strategy_spent_gbp_m = np.zeros(self.reps)  # the programme's commitments so far
        self.bed_days_by_trust = np.zeros(self.pop.budget_gbp_m.shape)
        self.benefit_by_trust_gbp_m = np.zeros(self.pop.budget_gbp_m.shape)
        self.record: dict[str, list[np.ndarray]] = {name: [] for name in reporters.REPORTERS}
        self.economics = cell_economics(self.data, self.pop, scenario, strategy,
                                        self.status_quo.payers())
        self.unit_tables = econ.unit_tables(self.pop.n_trusts, strategy)
        self.lead_weight_by_size = self._lead_weight_by_size()
        self.lead_weight = self.lead_weight_by_size[led_by(self.pop.group)]
        self.unit_trusts = self.pop.group_size()  # trusts in each trust's decision unit
        self.icb_trusts = np.bincount(self.icb_of_trust)[self.icb_of_trust]

    # ------------------------------------------------------------------ setup

    def _build_static_arrays(self) -> None:
        trusts, innov, icbs = self.data.trusts, self.data.innovations, self.data.icbs
        n_icb, n_region = len(icbs), len(icbs.region_names)
        self.icb_onehot = np.zeros((len(trusts), n_icb))
        self.icb_onehot[np.arange(len(trusts)), trusts.icb] = 1.0
        relevant = self.pop.relevant.astype(float)
        per_icb = self.icb_onehot.T @ relevant
        self.relevant_icb = np.maximum(per_icb, 1.0).astype(CELL)
        per_region = np.zeros((n_region, len(innov)))
        np.add.at(per_region, icbs.region, per_icb)
        self.relevant_region = np.maximum(per_region, 1.0).astype(CELL)
        self.relevant_nation = np.maximum(relevant.sum(axis=0), 1.0).astype(CELL)
        self.boards = Boards(icbs, np.bincount(trusts.icb, minlength=n_icb),
                             self.scenario.icb.merged_boards, self.scenario.start.date)
        self.relevant_board = np.maximum(self.boards.pooled(per_icb[None])[0], 1.0).astype(CELL)
        self.trust_index = np.arange(len(trusts))
        self.relevant_per_innovation = self.pop.relevant.sum(axis=0)
        self.relevant_per_icb = np.maximum(per_icb.sum(axis=1), 1.0)
        diff = self.scenario.diffusion
        self.pilot_duration = innov.pilot_duration_months.astype(float)
        self.pilot_months = innov.pilot_duration_months.astype(np.int16)
        self.benefit_delay = innov.time_to_benefit_months.astype(np.int16)
        self.discontinuation = (diff.embedded_discontinuation_per_year / MONTHS_PER_YEAR
                                * (1.0 - innov.infrastructure_need)).astype(CELL)
        self.pilot_need = (self.scenario.barriers.pilot_load * innov.complexity).astype(CELL)
        self.icb_of_trust = trusts.icb.astype(np.intp)
        self.icb_rows = np.argsort(trusts.icb, kind="stable")  # trusts of ICB 0, then 1, ...
        self.icb_starts = np.searchsorted(trusts.icb[self.icb_rows], np.arange(n_icb + 1))
        self.events = np.zeros(self.pop.state.shape, dtype=np.int8)
        whole_words = self.events.size // 8 * 8
        self.event_words = self.events.reshape(-1)[:whole_words].view(np.uint64)
        # yearly rate of hearing per ICB and innovation, and its monthly chance (R, K, I):
        # peer_awareness updates the chance only where the rate changed (NaN: never set)
        per_icb = (self.reps, n_icb, len(innov))
        self.awareness_rate = np.full(per_icb, np.nan, dtype=CELL)
        self.hazard = np.zeros(per_icb, dtype=CELL)
        # cells in use (piloting or embedded) and paying in each trust's row, counted
        # with the states
        self.in_use_in_row = np.zeros(self.pop.state.shape[:2], dtype=np.int32)
        self.paying_in_row = np.zeros_like(self.in_use_in_row)
        self._state_tally: StateTally | None = None
        self.has_groups = np.zeros(self.reps, dtype=bool)  # any merged unit, per replication

    def peer_weights(self) -> tuple[float, float]:
        """Weights of ICB and region peers this month (the nation has the rest).

        Cheaper communication moves a share of the local weight to England at the
        end of each year in every strategy (``communication_reach_per_year``; yearly,
        so the awareness pass recomputes its rates once a year), and a mechanism may
        move a further share (``Mechanism.peer_reach``).
        """
        diff = self.scenario.diffusion
        years = self.month // int(MONTHS_PER_YEAR)
        world = 1.0 - (1.0 - diff.communication_reach_per_year) ** years
        local = (1.0 - world) * (1.0 - self.mechanisms.peer_reach())
        region = (1.0 - diff.peer_weight_icb) * diff.region_share_of_wider_peers
        return diff.peer_weight_icb * local, region * local

    def _lead_weight_by_size(self) -> np.ndarray:
        """Weight of a lead's decision, by the number of trusts in its unit.

        Members (0 trusts led) are weighted in ``kernels.unit_weight``, not here.
        """
        boards = np.maximum(np.arange(self.pop.n_trusts + 1), 1).astype(CELL)
        return self.mechanisms.unit_weight_by_size(boards)

    def refresh_adaptation(self) -> None:
        """Pilot prices and failure, after adaptation effort fell."""
        changed = econ.adaptation_factors(self.data, self.pop, self.scenario,
                                          self.status_quo.payers())
        self.economics = self.economics._replace(**changed)

    def refresh_units(self, reps: np.ndarray) -> None:
        """Volume gains, scale economies, spillovers kept and decision weights, where units changed.

        Only the replications ``reps`` are worked out again.
        """
        led = led_by(self.pop.group[reps])
        units = np.take_along_axis(led, self.pop.group[reps], axis=1)
        volume_gain, economy = self.unit_tables
        self.economics.volume_gain[reps] = volume_gain[units]
        self.economics.economy[reps] = economy[units]
        self.lead_weight[reps] = self.lead_weight_by_size[led]
        self.unit_trusts[reps] = units
        self.economics.internalised[reps] = econ.internalised_share(units, self.icb_trusts,
                                                                    self.strategy)

    # ------------------------------------------------------------------ step

    def step(self) -> None:
        """Advance every replication one month and record it (ODD section 3)."""
        month, scenario, mechanisms = self.month, self.scenario, self.mechanisms
        self.flows[:] = 0.0
        changed, stopped = self.status_quo.start_month(month)
        if stopped.any():
            mechanisms.stop(np.flatnonzero(stopped))
        mechanisms.reorganise(month)
        if changed.any():
            self.status_quo.refresh_payers(np.flatnonzero(changed))
        mechanisms.approach(month)
        turn_over_champions(self.pop, scenario.population,
                            uniforms(self.dynamics_rngs, (self.pop.n_trusts,)))
        profile = self.data.occupancy_by_month[(month + START_MONTH_OF_YEAR - 1) % 12]
        noise = normals(self.dynamics_rngs, (self.pop.n_trusts,))
        update_pressure(self.pop, profile, scenario, noise, self.bed_days_by_trust)
        load = self.capacity_terms()
        update_capacity(self.pop, scenario, load, month, pooled=bool(self.has_groups.any()))
        self._lifecycle()
        owed = self.tally_money()
        self._pay_costs(owed)
        self._realise_benefit(owed)
        self.month += 1
        for name, reporter in reporters.REPORTERS.items():
            self.record[name].append(reporter(self))

    def flow(self, name: str) -> np.ndarray:
        """(R,) this month's column of flow ``name`` (a view: writes go into ``flows``)."""
        return self.flows[:, FLOWS.index(name)]

    def cells(self) -> Cells:
        """The cells' states as the compiled passes read them (the population's arrays)."""
        pop = self.pop
        return Cells(pop.state, pop.entered_month, pop.relevant, pop.supported,
                     pop.core_funded, self.icb_of_trust, pop.realised_effect, pop.programme_site)

    def state_tally(self) -> StateTally:
        """Counts of the cells by lifecycle state (see ``count_states``).

        Returns relevant trusts in each state per innovation (R, 5, I), embedded cells
        per ICB (R, K) and users (piloting or embedded) per ICB and innovation (R, K, I).
        They are counted, with the cells in use and paying in each trust's row
        (``in_use_in_row``, ``paying_in_row``), before the first step; each step's
        ``kernels.apply_events`` then updates them cell by cell as cells change
        state. The arrays are the batch's own, updated in place.
        """
        if self._state_tally is None:
            self._state_tally = self._empty_state_tally()
            count_states(
                self.pop.state, self.pop.core_funded, self.relevant_per_innovation,
                self.icb_of_trust, *self._state_tally, self.in_use_in_row, self.paying_in_row)
        return self._state_tally

    def _empty_state_tally(self) -> StateTally:
        reps, _, innovations = self.pop.state.shape
        return StateTally.empty(reps, len(self.data.icbs), innovations)

    def run(self, months: int) -> Batch:
        """Advance ``months`` months and return the batch (for chaining)."""
        for _ in range(months):
            self.step()
        return self

    # ------------------------------------------------------------------ decisions

    def capacity_terms(self) -> CapacityTerms:
        """What running pilots and disruption take from capacity, with every mechanism's part."""
        per_pilot = self.scenario.barriers.pilot_load * self.data.innovations.complexity
        terms = CapacityTerms(per_pilot=per_pilot, carried=None, disruption_loss=0.0,
                              extra_per_pilot=None, pressure_loss_factor=None)
        return self.mechanisms.capacity_terms(terms)

    def awareness(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Peer use and the chance of hearing per ICB (R, K, I); national use share (R, I).

        The hazard is the monthly chance a trust of each ICB hears of each innovation.
        A trust sees the use in its ICB, its region and the nation, weighted; it hears
        from outside sources (national programmes, vendors' marketing) and from peers.
        The hazard array is the batch's own, valid until the next call.
        """
        scenario, innov = self.scenario, self.data.innovations
        diff, gov = scenario.diffusion, scenario.government
        external = (diff.external_influence_p_per_year
                    + gov.national_awareness_p_per_year * self.programme_live
                    + scenario.vendors.marketing_p_per_year * innov.vendor_product)
        users_icb = self.state_tally()[2]
        local_users, local_relevant = users_icb, self.relevant_icb
        if self.boards.acting(self.month):  # a merged board's trusts watch all its members
            local_users, local_relevant = self.boards.pooled(users_icb), self.relevant_board
        peer = np.empty_like(users_icb)
        nation = np.empty((self.reps, users_icb.shape[2]), dtype=CELL)
        w_icb, w_region = self.peer_weights()
        weights = np.array([w_icb, w_region, 1.0 - w_icb - w_region], dtype=CELL)
        rates = HearingRates(weights, external.astype(CELL), CELL(diff.imitation_q_per_year))
        peer_awareness(PeerUse(users_icb, local_users, local_relevant, self.data.icbs.region,
                               self.relevant_region, self.relevant_nation),
                       rates, Hearing(peer, self.awareness_rate, self.hazard, nation))
        return peer, self.hazard, nation

    def utility_terms(self, nation: np.ndarray) -> UtilityTerms:
        """What every cell's utility combines, with every mechanism's risk weight and bonus.

        Args:
            nation: (R, I) national use share of each innovation (``awareness``).
        """
        reps, innovations = nation.shape
        terms = UtilityTerms(economics=self.economics,
                             uncertainty_icb=self.pop.uncertainty_icb.astype(CELL),
                             log_belief=self.log_belief,
                             risk_aversion=self.pop.risk_aversion.astype(CELL),
                             risk_weight=np.ones((reps, innovations), dtype=CELL),
                             bonus=np.zeros((reps, innovations), dtype=CELL))
        return self.mechanisms.utility_terms(terms, nation)

    def decision_terms(self) -> DecisionTerms:
        """Whether and how fast every aware cell starts a pilot."""
        diff = self.scenario.diffusion
        return DecisionTerms(budget=self.pop.budget_gbp_m.astype(CELL),
                             capital=self.pop.capital_gbp_m.astype(CELL),
                             free=self.pop.free_capacity.astype(CELL),
                             pilot_need=self.pilot_need, group=self.pop.group,
                             lead_weight=self.lead_weight, unit_trusts=self.unit_trusts,
                             min_unit_trusts=self.data.innovations.min_unit_trusts,
                             sharpness=CELL(diff.decision_sharpness),
                             rate=CELL(diff.decision_rate_per_month))

    def ending_terms(self) -> EndingTerms:
        """How pilots finish or fade and embedded innovations are dropped this month."""
        pop, bar = self.pop, self.scenario.barriers
        terms = EndingTerms(
            pilot_months=self.pilot_months,
            supported_months=np.zeros(self.programme_live.shape, dtype=np.int16),
            supported_failure_factor=np.ones(self.programme_live.shape, dtype=CELL),
            fade_no_champion=(bar.hero_fade_per_month * ~pop.champion).astype(CELL),
            programme_off=(~self.programme_live).astype(CELL),
            fade_unfunded=(bar.unfunded_fade_per_month * pop.unfunded_pilots).astype(CELL),
            discontinuation=self.discontinuation,
            drop_unfunded=(bar.unfunded_fade_per_month * pop.unfunded_running).astype(CELL),
            drop_carried=np.zeros(self.reps, dtype=CELL))
        return self.mechanisms.ending_terms(terms)

    def explain_cell(self, r: int, row: int, column: int) -> dict[str, float]:
        """The terms of one cell's decision this month, computed as the step computes them.

        Args:
            r: Replication index in the batch.
            row: Trust row.
            column: Innovation column.

        Returns:
            Peer use share, awareness hazard, expected effect (x the catalogue mean),
            utility and the monthly chance of a pilot.
        """
        k = self.icb_of_trust[row]
        peer, hazard, nation = self.awareness()
        terms, decision = self.utility_terms(nation), self.decision_terms()
        utility = kernels.cell_utility(
            econ.utility_base(self.economics, r, row, k, column), terms.log_belief[r, k, column],
            terms.risk_aversion[r, row],
            terms.uncertainty_icb[r, k, column], terms.risk_weight[r, column],
            terms.bonus[r, column])
        free = decision.free[r, row]
        able = kernels.can_start(decision.budget[r, row], decision.capital[r, row],
                                 econ.pilot_total(self.economics, r, row, k, column),
                                 self.economics.capital_share[column], free,
                                 self.pilot_need[column]) and \
            decision.unit_trusts[r, row] >= decision.min_unit_trusts[column]
        lead = decision.group[r, row]
        weight = kernels.unit_weight(lead, row, decision.lead_weight[r, row],
                                     self.pop.relevant[lead, column])
        probability = kernels.cell_decision(
            utility, decision.sharpness, decision.rate, free, able, weight)
        return {"peer_use_share": float(peer[r, k, column]),
                "awareness_hazard": float(hazard[r, k, column]),
                "expected_effect": float(self.pop.belief_icb[r, k, column]),
                "utility": float(utility), "pilot_probability": float(probability)}

    # ------------------------------------------------------------------ lifecycle

    def _lifecycle(self) -> None:
        """Every cell's event this month (compiled passes), then the new states and learning."""
        pop, events, mechanisms = self.pop, self.events, self.mechanisms
        words = cell_words(self.dynamics_rngs, pop.state.shape[1:])
        _, hazard, nation = self.awareness()
        utility = self.utility_terms(nation)
        cells = self.cells()
        kernels.decide_cells(cells, self.month, words, hazard, utility, self.decision_terms(),
                             self.ending_terms(), self.in_use_in_row, events)
        mechanisms.intervene(words, utility)
        self.status_quo.delivery.choose_sites(self.month, events)
        if self.has_groups.any():
            kernels.follow_leads(pop.state, pop.relevant, pop.group, self.has_groups, events)
        reps, _, innovations = pop.state.shape
        outcomes = EventOutcomes.empty(reps, len(self.data.icbs), innovations)
        kernels.apply_events(cells, self.month, events, self.event_words, outcomes,
                             self.state_tally(), self.in_use_in_row, self.paying_in_row)
        mechanisms.after_events(outcomes)
        self._learn_from(outcomes)
        self.flows[:, :len(Counted)] = outcomes.counts

    def _learn_from(self, outcomes: EventOutcomes) -> None:
        """Completed pilots and failures teach what an innovation does.

        Each ICB learns from the pilots completed in it, and from any others the
        mechanisms make it see (``Mechanism.observed_pilots``): its doubt falls and
        what it expects moves towards the effects those pilots showed (``abm.effects``).
        """
        pop, per_innovation = self.pop, outcomes.completed
        if not per_innovation.any():
            return
        pop.completed_pilots += per_innovation
        pop.failed_pilots += outcomes.failed
        completed, signal = outcomes.completed_icb, outcomes.signal_icb
        own, own_signal = completed, signal
        merged = self.boards.acting(self.month)
        if merged:  # a merged board learns from all its members' pilots, as one
            own, own_signal = self.boards.pooled(completed), self.boards.pooled(signal)
        observed = self.mechanisms.observed_pilots(own, completed, per_innovation)
        if merged:
            observed = self.boards.averaged(observed)
        evidence = self.scenario.diffusion.evidence_per_observed_pilot
        learn_from_pilots(pop.uncertainty_icb, pop.belief_icb, self.log_belief, observed,
                          evidence, completed, signal, own, own_signal)

    # ------------------------------------------------------------------ money and benefit

    def tally_money(self) -> MoneyOwed:
        """Sums over cells of what is owed and what is realised this month."""
        owed = MoneyOwed.empty(*self.pop.state.shape)
        tally_money(self.paying_in_row, self.cells(), self.month, self.benefit_delay,
                    self.economics, owed)
        return owed

    def _pay_costs(self, owed: MoneyOwed) -> None:
        """Running costs of embedded innovations are paid first, then pilots."""
        pop, economics = self.pop, self.economics
        running_due, pilots_due = owed.running_due, owed.pilots_due
        icb_due = owed.icb_due @ self.icb_onehot
        icb_paid = self._pay_from_funds(icb_due)
        # What an exhausted fund cannot pay falls back on the trust.
        unpaid_share = 1.0 - icb_paid / np.maximum(icb_due, 1e-12)
        pilots_due += owed.icb_due * unpaid_share[:, self.data.trusts.icb]
        national_paid = (owed.full_due * economics.national_share).sum(axis=1)
        paid_capital = np.minimum(pop.capital_gbp_m, owed.capital_due)
        pilots_due += owed.capital_due - paid_capital  # what capital cannot pay falls on revenue
        pop.capital_gbp_m = pop.capital_gbp_m - paid_capital
        self.flow("running_cost_gbp_m")[:] = owed.running_full
        charges = self.mechanisms.charge(self.month, owed)
        running_due += charges.running
        pilots_due += charges.fees  # paid as pilots are, from what running costs leave
        paid_running = np.minimum(pop.budget_gbp_m, running_due)
        paid_pilots = np.minimum(pop.budget_gbp_m - paid_running, pilots_due)
        pop.budget_gbp_m = pop.budget_gbp_m - paid_running - paid_pilots
        pop.unfunded_running = running_due > paid_running + 1e-12
        pop.unfunded_pilots = pilots_due > paid_pilots + 1e-12
        funds = self.icb_fund_left_gbp_m
        was_open = funds > 0
        self._draw_down_funds(icb_paid)
        closed = (was_open & (funds == 0.0)).any(axis=1)
        if closed.any():
            self.status_quo.refresh_payers(np.flatnonzero(closed))
        mechanisms_cost = self.mechanisms.national_cost_gbp_m()
        self.flow("spend_trust_gbp_m")[:] = (paid_running + paid_pilots + paid_capital).sum(axis=1)
        self.flow("spend_icb_gbp_m")[:] = icb_paid.sum(axis=1)
        self.flow("spend_national_gbp_m")[:] = national_paid + mechanisms_cost + owed.programme_due
        self.flow("strategy_spend_gbp_m")[:] = self.mechanisms.programme_cost_gbp_m()
        self._end_spent_programmes(self.flow("strategy_spend_gbp_m"))

    def _end_spent_programmes(self, committed: np.ndarray) -> None:
        """A programme whose commitments reach the strategy's spend cap ends, as if stopped."""
        self.strategy_spent_gbp_m += committed
        cap = self.strategy.spend_cap_gbp_m
        if cap is None:
            return
        spent = self.reform_live & (self.strategy_spent_gbp_m >= cap)
        if spent.any():
            self.reform_live &= ~spent
            self.mechanisms.stop(np.flatnonzero(spent))

    def _pay_from_funds(self, icb_due: np.ndarray) -> np.ndarray:
        """What each ICB's scale-up fund pays of what is due from it (R, K).

        A merged board pays from one fund: every member gets the same share of what
        is due while the board's fund lasts.
        """
        funds = self.icb_fund_left_gbp_m
        if not self.boards.acting(self.month):
            return np.minimum(icb_due, funds)
        due, held = self.boards.pooled(icb_due), self.boards.pooled(funds)
        return icb_due * np.minimum(held / np.maximum(due, 1e-12), 1.0)

    def _draw_down_funds(self, icb_paid: np.ndarray) -> None:
        """Take what the funds paid out of them (in place); a board's members fall together."""
        funds = self.icb_fund_left_gbp_m
        if not self.boards.acting(self.month):
            np.maximum(funds - icb_paid, 0.0, out=funds)  # icb_paid <= funds: exact
            return
        held, paid = self.boards.pooled(funds), self.boards.pooled(icb_paid)
        left = np.where(held > 0, 1.0 - paid / np.maximum(held, 1e-12), 0.0)
        funds *= left
        funds[funds < 1e-12] = 0.0

    def _realise_benefit(self, owed: MoneyOwed) -> None:
        """Benefit of innovations embedded in the run, once their time to benefit has passed.

        Innovations embedded before the start are part of the observed baseline
        (occupancy data already reflect them), so only change made in the run counts.
        What the mechanisms save themselves (merged back offices) is counted apart.
        """
        self.bed_days_by_trust = owed.bed_days
        self.benefit_by_trust_gbp_m = \
            owed.bed_days * (self.scenario.finance.cost_per_bed_day_gbp / 1e6) + owed.cash
        self.flow("benefit_bed_days")[:] = owed.bed_days.sum(axis=1)
        self.flow("benefit_gbp_m")[:] = self.benefit_by_trust_gbp_m.sum(axis=1)
        saving = self.mechanisms.saving_gbp_m()
        self.flow("saving_gbp_m")[:] = saving.sum(axis=1) if np.ndim(saving) else saving

    # ------------------------------------------------------------------ record

    def recorded(self) -> dict[str, np.ndarray]:
        """Every recorded month, stacked: name -> (R, months, ...) array."""
        return {name: np.stack(values, axis=1) for name, values in self.record.items()}
