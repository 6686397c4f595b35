"""The simulation of a batch of replications, stacked on a leading array axis.

A ``Batch`` holds R replications of one strategy on one scenario. Every array has
the replication as its first axis, so one whole-array operation advances every
trust, innovation and replication at once. Each replication keeps its own random
streams, derived from its own seed alone, so a replication gives the same numbers
whatever batch it runs in (alone, in a batch of 50, in any worker).

One month is one step. Institutions act first (government, ICBs, mergers, the
scaler's offers), then operational pressure and capacity are set, then every
(trust, innovation) cell moves through its lifecycle at once, costs are paid,
benefit is realised and the month is recorded. See ``docs/ODD.md``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import numpy as np

from . import economics as econ
from . import institutions, kernels, reporters
from .config import ScenarioConfig, StrategyConfig
from .economics import CELL, Institutions, cell_economics
from .generators import Streams, as_streams
from .inputs import START_MONTH_OF_YEAR, EnglandData, england
from .population import (
    AWARE,
    MONTHS_PER_YEAR,
    PILOTING,
    UNAWARE,
    certainty_equivalent_log,
    initial_population,
    led_by,
    logistic,
    update_capacity,
    update_pressure,
)
from .reporters import FLOW_INDEX

STREAMS = ("init", "dynamics", "institutions", "mergers", "scaler")
N_MODULE_TYPES = 5


def replication_streams(seed: np.random.SeedSequence) -> dict[str, np.random.SeedSequence]:
    """The independent streams of one replication (the same whoever asks, however often)."""
    return {name: np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, i))
            for i, name in enumerate(STREAMS)}


def _uniform(rngs: list[np.random.Generator], shape: tuple[int, ...],
             dtype: type = np.float64) -> np.ndarray:
    if dtype == np.float64:
        return as_streams(rngs).uniforms(math.prod(shape)).reshape(len(rngs), *shape)
    out = np.empty((len(rngs), *shape), dtype=dtype)
    for r, rng in enumerate(rngs):
        rng.random(dtype=dtype, out=out[r])
    return out


def _cell_words(rngs: list[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    """One random 32-bit word per cell, read as a float32 uniform by the compiled passes.

    ``kernels.uniform_from_word`` makes of each word the uniform that
    ``Generator.random(dtype=float32)`` gives: that method makes each float32 from
    32 bits of the bit generator (PCG64) output, the low half of a 64-bit output
    first, then its high half. Taking the 64-bit outputs (``Streams.raw_outputs``)
    and passing their halves to the compiled passes gives the same numbers at a
    fraction of the cost. An odd count would leave a half buffered in the
    generator, so it is drawn the ordinary way and turned back into words.
    """
    size = math.prod(shape)
    if size % 2 or sys.byteorder != "little":
        uniforms = _uniform(rngs, shape, CELL)
        return (uniforms * CELL(2 ** 24)).astype(np.uint32) << np.uint32(8)
    raw = as_streams(rngs).raw_outputs(size // 2)
    return raw.view(np.uint32).reshape(len(rngs), *shape)


def _normal(rngs: list[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty((len(rngs), *shape))
    for r, rng in enumerate(rngs):
        rng.standard_normal(out=out[r])
    return out


def _count(mask: np.ndarray) -> np.ndarray:
    return mask.reshape(len(mask), -1).sum(axis=1, dtype=np.int64)


class Batch:
    """R replications of one strategy, advanced a month at a time.

    Args:
        scenario: The setting and its uncertain conditions.
        strategy: The mechanisms switched on (the name is only a label).
        seeds: One ``SeedSequence`` per replication. Five independent streams are
            derived from each (initialisation, cell dynamics, institutions, mergers,
            scaler), so strategies run with the same seeds share the same trusts and
            the same monthly draws (common random numbers).
        data: Input data; the England default shipped with the package.
    """

    def __init__(self, scenario: ScenarioConfig, strategy: StrategyConfig,
                 seeds: Sequence[np.random.SeedSequence], data: EnglandData | None = None):
        self.scenario, self.strategy = scenario, strategy
        self.data = data if data is not None else england()
        self.reps = len(seeds)
        streams = [replication_streams(seed) for seed in seeds]
        rngs = {name: Streams([np.random.default_rng(s[name]) for s in streams])
                for name in STREAMS}
        self.dynamics_rngs, self.institution_rngs = rngs["dynamics"], rngs["institutions"]
        self.merger_rngs, self.scaler_rngs = rngs["mergers"], rngs["scaler"]
        self.pop = initial_population(self.data, scenario, rngs["init"])
        self._build_static_arrays()
        self._build_institutions(rngs["init"])
        self.month = 0  # months completed
        self.flows = np.zeros((self.reps, len(reporters.FLOW_NAMES)))
        self.bed_days_by_trust = np.zeros(self.pop.budget_gbp_m.shape)
        self.record: dict[str, list[np.ndarray]] = {name: [] for name in reporters.REPORTERS}
        self.economics = cell_economics(self.data, self.pop, scenario, strategy,
                                        self._institutions())
        self.unit_tables = econ.unit_tables(self.pop.n_trusts, strategy)
        self.lead_weight_by_size = self._lead_weight_by_size()
        self.lead_weight = self.lead_weight_by_size[led_by(self.pop.group)]

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
        self.trust_index = np.arange(len(trusts))
        self.relevant_per_innovation = self.pop.relevant.sum(axis=0)
        self.relevant_per_icb = np.maximum(per_icb.sum(axis=1), 1.0)
        self.module_columns = np.flatnonzero(innov.module_type >= 0)
        self.module_onehot = np.zeros((len(innov), N_MODULE_TYPES))
        modules = np.flatnonzero(innov.module_type >= 0)
        self.module_onehot[modules, innov.module_type[modules]] = 1.0
        diff = self.scenario.diffusion
        platform = self.strategy.open_platform
        reach = platform.communication_reach * platform.enabled
        region = (1.0 - diff.peer_weight_icb) * diff.region_share_of_wider_peers
        self.peer_weights = (diff.peer_weight_icb * (1 - reach), region * (1 - reach))
        self.pilot_duration = innov.pilot_duration_months.astype(float)
        self.pilot_months = innov.pilot_duration_months.astype(np.int16)
        self.benefit_delay = innov.time_to_benefit_months.astype(np.int16)
        self.discontinuation = (diff.embedded_discontinuation_per_year / MONTHS_PER_YEAR
                                * (1.0 - innov.infrastructure_need)).astype(CELL)
        self.pilot_need = (self.scenario.barriers.pilot_load * innov.complexity).astype(CELL)
        self.icb_of_trust = trusts.icb.astype(np.intp)
        self.icb_rows = np.argsort(trusts.icb, kind="stable")  # trusts of ICB 0, then 1, ...
        self.icb_starts = np.searchsorted(trusts.icb[self.icb_rows], np.arange(n_icb + 1))
        self.merger_family = institutions.MERGER_FAMILY[trusts.trust_type]
        self.events = np.zeros(self.pop.state.shape, dtype=np.int8)
        whole_words = self.events.size // 8 * 8
        self.event_words = self.events.reshape(-1)[:whole_words].view(np.uint64)
        # yearly rate of hearing per ICB and innovation, and its monthly chance (R, K, I):
        # kernels.awareness updates the chance only where the rate changed (NaN: never set)
        per_icb = (self.reps, n_icb, len(innov))
        self.awareness_rate = np.full(per_icb, np.nan, dtype=CELL)
        self.hazard = np.zeros(per_icb, dtype=CELL)
        # cells in use (piloting or embedded) and paying in each trust's row, counted
        # with the states
        self.in_use_in_row = np.zeros(self.pop.state.shape[:2], dtype=np.int32)
        self.paying_in_row = np.zeros_like(self.in_use_in_row)
        self._state_tally: tuple[np.ndarray, ...] | None = None
        scaler = self.strategy.scaler
        self.scaler_fee_per_month = scaler.price_gbp_m / self.pilot_duration * scaler.enabled

    def _build_institutions(self, init_rngs: list[np.random.Generator]) -> None:
        innov, n_icb = self.data.innovations, len(self.data.icbs)
        mean = self.scenario.icb.pooled_budget_share_mean
        self.icb_pooled = np.stack([np.clip(rng.normal(mean, 0.1, n_icb), 0.0, 1.0)
                                    for rng in init_rngs])
        self.icb_priority = np.full((self.reps, n_icb), -1)
        self.icb_fund_left_gbp_m = np.zeros((self.reps, n_icb))
        products = np.flatnonzero(innov.vendor_product)
        self.vendor_products = [products[v::3] for v in range(3)]
        vendors = self.scenario.vendors
        full = 1.0 + vendors.margin_share
        self.vendor_pilot_factor = np.ones(len(innov))
        self.vendor_running_factor = np.ones(len(innov))
        self.vendor_pilot_factor[products] = full * (1.0 - vendors.pilot_discount)
        self.vendor_running_factor[products] = full
        self.programme_live = np.broadcast_to(innov.national_programme,
                                              (self.reps, len(innov))).copy()
        self.elections_held = 0
        self.scaler_on = self.strategy.scaler.enabled
        self.deployments_by_module = np.zeros((self.reps, N_MODULE_TYPES))
        empty = np.empty(0, dtype=np.intp)
        self.offers = (empty, empty, empty)
        self.has_groups = np.zeros(self.reps, dtype=bool)
        self.merger_exhausted = np.zeros((self.reps, n_icb), dtype=bool)

    def _institutions(self) -> Institutions:
        return Institutions(
            programme_live=self.programme_live,
            quick_win_window=institutions.in_quick_win_window(self.scenario, self.month),
            icb_priority=self.icb_priority,
            icb_fund_open=self.icb_fund_left_gbp_m > 0,
            icb_pooled_share=self.icb_pooled,
            vendor_pilot_factor=self.vendor_pilot_factor,
            vendor_running_factor=self.vendor_running_factor,
        )

    def _refresh_payers(self, reps: np.ndarray) -> None:
        """Who pays, and bonuses, in the replications where an institution acted.

        An institution acts when a programme starts or ends, a fund runs dry or a new
        year's priorities are set.
        """
        inst = self._institutions().of_replications(reps)
        for name, values in econ.payer_factors(self.data, self.scenario, inst).items():
            getattr(self.economics, name)[reps] = values

    def _refresh_adaptation(self) -> None:
        """Pilot prices and failure, after adaptation effort fell."""
        changed = econ.adaptation_factors(self.data, self.pop, self.scenario,
                                          self._institutions())
        self.economics = self.economics._replace(**changed)

    def _refresh_units(self, reps: np.ndarray) -> None:
        """Volume gains, scale economies and decision weights where decision units changed.

        Only the replications ``reps`` are worked out again.
        """
        led = led_by(self.pop.group[reps])
        units = np.take_along_axis(led, self.pop.group[reps], axis=1)
        volume_gain, economy = self.unit_tables
        self.economics.volume_gain[reps] = volume_gain[units]
        self.economics.economy[reps] = economy[units]
        self.lead_weight[reps] = self.lead_weight_by_size[led]

    # ------------------------------------------------------------------ step

    def step(self) -> None:
        """Advance every replication one month and record it."""
        month, scenario = self.month, self.scenario
        self.flows[:] = 0.0
        changed = self._government(month)
        if month % 12 == 0:  # April: a new financial year (the run starts in April)
            self.icb_priority = institutions.plan_years(self.institution_rngs,
                                                        len(self.data.icbs))
            self.icb_fund_left_gbp_m[:] = scenario.icb.scale_up_fund_gbp_m_per_year
            self._new_financial_year()
            changed[:] = True
        self._mergers(month)
        if changed.any():
            self._refresh_payers(np.flatnonzero(changed))
        if self.scaler_on:
            self._choose_offers()
        self._champions()
        profile = self.data.occupancy_by_month[(month + START_MONTH_OF_YEAR - 1) % 12]
        noise = _normal(self.dynamics_rngs, (self.pop.n_trusts,))
        update_pressure(self.pop, profile, scenario, noise, self.bed_days_by_trust)
        update_capacity(self.pop, scenario, self.strategy, self.data.innovations.complexity,
                        month, pooled=bool(self.has_groups.any()))
        self._lifecycle()
        owed = self._tally_money()
        self._pay_costs(owed)
        self._realise_benefit(owed)
        self.month += 1
        for name, reporter in reporters.REPORTERS.items():
            self.record[name].append(reporter(self))

    def state_tally(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Counts of the cells by lifecycle state (see ``kernels.count_states``).

        Returns relevant trusts in each state per innovation (R, 5, I), embedded cells
        per ICB (R, K) and users (piloting or embedded) per ICB and innovation (R, K, I).
        They are counted, with the cells in use and paying in each trust's row
        (``in_use_in_row``, ``paying_in_row``), before the first step; each step's
        ``kernels.apply_events`` then updates them cell by cell as cells change
        state. The arrays are the batch's own, updated in place.
        """
        if self._state_tally is None:
            self._state_tally = self._empty_state_tally()
            kernels.count_states(
                self.pop.state, self.pop.core_funded, self.relevant_per_innovation,
                self.icb_of_trust, *self._state_tally, self.in_use_in_row, self.paying_in_row)
        return self._state_tally

    def _empty_state_tally(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        reps, _, innovations = self.pop.state.shape
        n_icbs = len(self.data.icbs)
        return (np.empty((reps, 5, innovations), dtype=np.int64), np.empty((reps, n_icbs)),
                np.empty((reps, n_icbs, innovations), dtype=np.float32))

    def run(self, months: int) -> Batch:
        """Advance ``months`` months and return the batch (for chaining)."""
        for _ in range(months):
            self.step()
        return self

    # ------------------------------------------------------------------ institutions

    def _government(self, month: int) -> np.ndarray:
        """Elections reset programmes; returns which replications' economics changed."""
        draws = _uniform(self.institution_rngs, (len(self.data.innovations),))
        changed = np.zeros(self.reps, dtype=bool)
        if month > 0 and institutions.months_to_election(self.scenario, month) == 0:
            self.elections_held += 1
            changed |= institutions.hold_elections(
                self.programme_live, draws, self.scenario,
                self.data.innovations.time_to_benefit_months)
        window_now = institutions.in_quick_win_window(self.scenario, month)
        if window_now != institutions.in_quick_win_window(self.scenario, month - 1):
            changed[:] = True
        return changed

    def _mergers(self, month: int) -> None:
        cons, pop = self.strategy.consolidation, self.pop
        rate = self.scenario.icb.background_mergers_per_year + \
            cons.mergers_per_year * cons.enabled
        merged = np.zeros(pop.group.shape, dtype=bool)
        for r, rng in enumerate(self.merger_rngs):
            proposals = rng.poisson(rate / MONTHS_PER_YEAR)
            if not proposals:
                continue
            order, blocked_draws = rng.permutation(len(self.data.icbs)), rng.random(proposals)
            mergers, blocked, paid = institutions.merge_round(
                order, blocked_draws, cons.sovereignty_resistance, self.icb_rows,
                self.icb_starts, self.merger_family, pop.group[r], pop.capacity_base[r],
                pop.pressure[r], cons.max_group_size, self.merger_exhausted[r],
                pop.disrupted_until[r], pop.budget_gbp_m[r], pop.transition_debt_gbp_m[r],
                month + cons.disruption_months, cons.transition_cost_gbp_m, merged[r])
            self.flows[r, FLOW_INDEX["mergers"]] += mergers
            self.flows[r, FLOW_INDEX["mergers_blocked"]] += blocked
            self.flows[r, FLOW_INDEX["spend_transition_gbp_m"]] += paid
            self.has_groups[r] |= mergers > 0
        merged_reps = np.flatnonzero(merged.any(axis=1))
        if len(merged_reps):  # decision units grew: volume gains and scale economies changed
            self._refresh_units(merged_reps)

    def _new_financial_year(self) -> None:
        """Unspent budget lapses; the year's allocation arrives, less any merger debt."""
        pop = self.pop
        repay = np.minimum(pop.transition_debt_gbp_m, pop.allocation_gbp_m_per_year)
        pop.transition_debt_gbp_m -= repay
        pop.budget_gbp_m = pop.allocation_gbp_m_per_year - repay
        self.flows[:, FLOW_INDEX["spend_transition_gbp_m"]] += repay.sum(axis=1)

    def active_deployments(self) -> np.ndarray:
        """(R,) scaler deployments running now."""
        return _count((self.pop.state == PILOTING) & self.pop.supported)

    def _choose_offers(self) -> None:
        pop, modules = self.pop, self.module_columns
        draws = _uniform(self.scaler_rngs, (pop.n_trusts, len(modules)))
        rep, rows, module = institutions.choose_offers(
            pop.state, pop.relevant, pop.supported, pop.budget_gbp_m, modules, draws,
            self.strategy.scaler.deployment_capacity)
        self.offers = (rep, rows, modules[module])

    def _champions(self) -> None:
        cfg, pop = self.scenario.population, self.pop
        draws = _uniform(self.dynamics_rngs, (pop.n_trusts,))
        leave = pop.champion & (draws < cfg.champion_departures_per_year / MONTHS_PER_YEAR)
        arrive = ~pop.champion & (draws < cfg.champion_arrivals_per_year / MONTHS_PER_YEAR)
        pop.champion = (pop.champion & ~leave) | arrive

    # ------------------------------------------------------------------ decisions

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
        peer = np.empty_like(users_icb)
        nation = np.empty((self.reps, users_icb.shape[2]), dtype=CELL)
        w_icb, w_region = self.peer_weights
        weights = np.array([w_icb, w_region, 1.0 - w_icb - w_region], dtype=CELL)
        kernels.awareness(users_icb, self.data.icbs.region, self.relevant_icb,
                          self.relevant_region, self.relevant_nation, weights,
                          external.astype(CELL), CELL(diff.imitation_q_per_year), peer,
                          self.awareness_rate, self.hazard, nation)
        return peer, self.hazard, nation

    def _risk_weight(self) -> np.ndarray:
        """(R, I) weight on doubt: blame for published failures under the open platform."""
        op = self.strategy.open_platform
        if not op.enabled:
            return np.ones(self.pop.completed_pilots.shape, dtype=CELL)
        failed_share = self.pop.failed_pilots / np.maximum(self.pop.completed_pilots, 1.0)
        return (1.0 + op.failure_blame * failed_share).astype(CELL)

    def _utility_terms(self, nation: np.ndarray) -> dict[str, np.ndarray]:
        """The arguments of ``kernels.cell_utility`` for every cell, as compact arrays."""
        op = self.strategy.open_platform
        bonus = (op.transparency_pressure * op.enabled * nation).astype(CELL)
        return {"economics": self.economics,
                "uncertainty_icb": self.pop.uncertainty_icb.astype(CELL),
                "risk_aversion": self.pop.risk_aversion.astype(CELL),
                "risk_weight": self._risk_weight(), "bonus": bonus}

    def _decision_terms(self) -> dict[str, np.ndarray | np.float32]:
        """The arguments of ``kernels.cell_decision`` (and affordability) for every cell."""
        diff = self.scenario.diffusion
        return {"budget": self.pop.budget_gbp_m.astype(CELL),
                "free": self.pop.free_capacity.astype(CELL),
                "pilot_need": self.pilot_need, "group": self.pop.group,
                "lead_weight": self.lead_weight,
                "sharpness": CELL(diff.decision_sharpness),
                "rate": CELL(diff.decision_rate_per_month)}

    def explain_cell(self, r: int, row: int, column: int) -> dict[str, float]:
        """The terms of one cell's decision this month, computed as the step computes them.

        Args:
            r: Replication index in the batch.
            row: Trust row.
            column: Innovation column.

        Returns:
            Peer use share, awareness hazard, utility and the monthly chance of a pilot.
        """
        k = self.icb_of_trust[row]
        peer, hazard, nation = self.awareness()
        terms, decision = self._utility_terms(nation), self._decision_terms()
        utility = kernels.cell_utility(
            econ.utility_base(self.economics, r, row, k, column), terms["risk_aversion"][r, row],
            terms["uncertainty_icb"][r, k, column], terms["risk_weight"][r, column],
            terms["bonus"][r, column])
        free = decision["free"][r, row]
        able = kernels.can_start(decision["budget"][r, row],
                                 econ.pilot_total(self.economics, r, row, k, column), free,
                                 self.pilot_need[column])
        lead = decision["group"][r, row]
        weight = kernels.unit_weight(lead, row, decision["lead_weight"][r, row],
                                     self.pop.relevant[lead, column])
        probability = kernels.cell_decision(
            utility, decision["sharpness"], decision["rate"], free, able, weight)
        return {"peer_use_share": float(peer[r, k, column]),
                "awareness_hazard": float(hazard[r, k, column]),
                "utility": float(utility), "pilot_probability": float(probability)}

    def _lead_weight_by_size(self) -> np.ndarray:
        """Weight of a lead's decision, by the number of trusts in its unit.

        Units decide more slowly the more boards must agree.

        Members (0 trusts led) are weighted in ``kernels.unit_weight``, not here.
        """
        boards = np.maximum(np.arange(self.pop.n_trusts + 1), 1).astype(CELL)
        return boards ** -self.strategy.consolidation.decision_slowdown

    def _offer_probability(self, utility: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Chance each offered cell accepts, given its utility of piloting on its own.

        ``cost`` is the trust's own cost over its horizon at each offered cell.
        """
        rep, rows, cols = self.offers
        cfg, diff = self.strategy.scaler, self.scenario.diffusion
        innov, pop = self.data.innovations, self.pop
        deployments = self.deployments_by_module[rep, innov.module_type[cols]]
        scaler_uncertainty = innov.evidence_uncertainty[cols] * (
            1.0 - cfg.evidence_per_deployment) ** deployments
        local_uncertainty = pop.uncertainty_icb[rep, self.data.trusts.icb[rows], cols]
        risk_aversion = pop.risk_aversion[rep, rows]
        relief = certainty_equivalent_log(risk_aversion * scaler_uncertainty) - \
            certainty_equivalent_log(risk_aversion * np.maximum(local_uncertainty,
                                                                scaler_uncertainty))
        offer_utility = utility - np.log1p(cfg.price_gbp_m / np.maximum(cost, 1e-9))
        offer_utility += relief
        free = pop.free_capacity[rep, rows] + cfg.capacity_lent
        ready = np.minimum(free, 1.0) * (free >= self.pilot_need[cols])
        can_pay = pop.budget_gbp_m[rep, rows] >= cfg.price_gbp_m / self.pilot_duration[cols]
        return logistic(diff.decision_sharpness * offer_utility) * ready * can_pay

    # ------------------------------------------------------------------ lifecycle

    def _lifecycle(self) -> None:
        """Every cell's event this month (compiled passes), then the new states and learning."""
        pop, events = self.pop, self.events
        words = _cell_words(self.dynamics_rngs, pop.state.shape[1:])
        _, hazard, nation = self.awareness()
        utility_terms = self._utility_terms(nation)
        kernels.decide_cells(
            pop.state, pop.entered_month, self.month, words, pop.relevant, pop.supported,
            pop.core_funded, self.icb_of_trust, hazard, **utility_terms,
            **self._decision_terms(), **self._ending_terms(),
            in_use_in_row=self.in_use_in_row, events=events)
        if self.scaler_on:
            self._accept_offers(words, utility_terms)
        if self.has_groups.any():
            kernels.follow_leads(pop.state, pop.relevant, pop.group, self.has_groups, events)
        counts = np.empty((self.reps, len(kernels.COUNTED)), dtype=np.int64)
        completed_icb = np.empty((self.reps, len(self.data.icbs), pop.state.shape[2]),
                                 dtype=np.float32)
        failed = np.empty((self.reps, pop.state.shape[2]), dtype=np.float32)
        completed = np.empty_like(failed)
        supported_completed = np.empty(failed.shape)
        kernels.apply_events(
            pop.state, pop.entered_month, self.month, pop.supported, pop.core_funded, events,
            self.event_words, self.icb_of_trust, counts, completed_icb, completed, failed,
            supported_completed, *self.state_tally(), self.in_use_in_row, self.paying_in_row)
        if self.scaler_on:
            self.deployments_by_module += supported_completed @ self.module_onehot
        self._learn_from(completed_icb, completed, failed)
        for c, name in enumerate(kernels.COUNTED):
            self.flows[:, FLOW_INDEX[name]] = counts[:, c]

    def _ending_terms(self) -> dict[str, np.ndarray]:
        """Arguments of ``kernels.decide_cells`` for pilots finishing or fading and drops."""
        pop, bar = self.pop, self.scenario.barriers
        supported_months = np.zeros(self.programme_live.shape, dtype=np.int16)
        failure_factor = np.ones(self.programme_live.shape, dtype=CELL)
        if self.scaler_on:  # the scaler's learning curve shortens pilots and cuts failure
            module = np.maximum(self.data.innovations.module_type, 0)
            learning = institutions.learning_factor(
                self.deployments_by_module, self.strategy.scaler.learning_exponent)[:, module]
            supported_months = np.ceil(self.pilot_duration * (0.5 + 0.5 * learning)).astype(
                np.int16)
            failure_factor = learning.astype(CELL)
        return {
            "pilot_months": self.pilot_months, "supported_months": supported_months,
            "supported_failure_factor": failure_factor,
            "fade_no_champion": (bar.hero_fade_per_month * ~pop.champion).astype(CELL),
            "programme_off": (~self.programme_live).astype(CELL),
            "fade_unfunded": (bar.unfunded_fade_per_month * pop.unfunded_pilots).astype(CELL),
            "discontinuation": self.discontinuation,
            "drop_unfunded": (bar.unfunded_fade_per_month * pop.unfunded_running).astype(CELL),
        }

    def _accept_offers(self, words: np.ndarray, utility_terms: dict[str, np.ndarray]) -> None:
        """Trusts accept or refuse the scaler's offers; an offer makes an unaware trust aware."""
        rep, rows, cols = self.offers
        if not len(rep):
            return
        utility, cost = kernels.utility_at(rep, rows, cols, self.icb_of_trust, **utility_terms)
        state, current = self.pop.state[rep, rows, cols], self.events[rep, rows, cols]
        draws = kernels.uniforms_from_words(words[rep, rows, cols])
        accept = (draws < self._offer_probability(utility, cost)) & \
            (state <= AWARE)
        heard = (state == UNAWARE) & (current == kernels.EVENT_NONE)
        self.events[rep, rows, cols] = np.where(
            accept, kernels.EVENT_SUPPORTED_START,
            np.where(heard, kernels.EVENT_AWARE, current))

    def _learn_from(self, local: np.ndarray, per_innovation: np.ndarray,
                    failed: np.ndarray) -> None:
        """Completed pilots and failures teach what an innovation does.

        ``local`` is completed pilots per ICB (R, K, I), ``per_innovation`` in all
        (R, I), ``failed`` the failures (R, I).
        """
        pop = self.pop
        if not per_innovation.any():
            return
        pop.completed_pilots += per_innovation
        pop.failed_pilots += failed
        observed = local
        op = self.strategy.open_platform
        if op.enabled:
            observed = local + op.publication_evidence_weight * (per_innovation[:, None, :]
                                                                 - local)
            pop.adaptation_need *= (1.0 - op.contributed_adaptation_rate) ** per_innovation
            self._refresh_adaptation()
        evidence = self.scenario.diffusion.evidence_per_observed_pilot
        kernels.learn(pop.uncertainty_icb, observed, 1.0 - evidence)

    # ------------------------------------------------------------------ money and benefit

    def _tally_money(self) -> dict[str, np.ndarray]:
        """Sums over cells of what is owed and what is realised this month."""
        pop = self.pop
        reps, trusts, innovations = pop.state.shape
        out = {"trust_due": np.empty((reps, trusts, 2)), "icb_due": np.empty((reps, trusts)),
               "full_due": np.empty((reps, innovations)),
               "lock_ins": np.empty((reps, trusts), dtype=np.int64),
               "fees": np.empty((reps, trusts)), "bed_days": np.empty((reps, trusts)),
               "cash": np.empty(reps)}
        kernels.tally_money(
            self.paying_in_row, pop.state, pop.entered_month, self.month, pop.supported,
            self.benefit_delay, pop.core_funded, self.icb_of_trust, self.economics,
            self.scaler_fee_per_month, **out)
        return out

    def _pay_costs(self, owed: dict[str, np.ndarray]) -> None:
        """Running costs of embedded innovations are paid first, then pilots."""
        pop, economics = self.pop, self.economics
        running_due, pilots_due = owed["trust_due"][..., 0], owed["trust_due"][..., 1]
        icb_due_by_trust = owed["icb_due"]
        icb_due = icb_due_by_trust @ self.icb_onehot
        icb_paid = np.minimum(icb_due, self.icb_fund_left_gbp_m)
        # What an exhausted fund cannot pay falls back on the trust.
        unpaid_share = 1.0 - icb_paid / np.maximum(icb_due, 1e-12)
        pilots_due += icb_due_by_trust * unpaid_share[:, self.data.trusts.icb]
        national_paid = (owed["full_due"] * economics.national_share).sum(axis=1)
        if self.scaler_on:
            cfg = self.strategy.scaler
            lock_in = owed["lock_ins"] * (cfg.price_gbp_m * cfg.lock_in_fee_share
                                          / MONTHS_PER_YEAR)
            running_due += lock_in
            pilots_due += owed["fees"]
            self.flows[:, FLOW_INDEX["scaler_revenue_gbp_m"]] = lock_in.sum(1) + \
                owed["fees"].sum(1)
        paid_running = np.minimum(pop.budget_gbp_m, running_due)
        paid_pilots = np.minimum(pop.budget_gbp_m - paid_running, pilots_due)
        pop.budget_gbp_m = pop.budget_gbp_m - paid_running - paid_pilots
        pop.unfunded_running = running_due > paid_running + 1e-12
        pop.unfunded_pilots = pilots_due > paid_pilots + 1e-12
        funds = self.icb_fund_left_gbp_m
        was_open = funds > 0
        np.maximum(funds - icb_paid, 0.0, out=funds)  # icb_paid <= funds: exact
        closed = (was_open & (funds == 0.0)).any(axis=1)
        if closed.any():
            self._refresh_payers(np.flatnonzero(closed))
        op = self.strategy.open_platform
        platform = op.platform_cost_gbp_m_per_year / MONTHS_PER_YEAR * op.enabled
        flows = self.flows
        flows[:, FLOW_INDEX["spend_trust_gbp_m"]] = (paid_running + paid_pilots).sum(axis=1)
        flows[:, FLOW_INDEX["spend_icb_gbp_m"]] = icb_paid.sum(axis=1)
        flows[:, FLOW_INDEX["spend_national_gbp_m"]] = national_paid + platform

    def _realise_benefit(self, owed: dict[str, np.ndarray]) -> None:
        """Benefit of innovations embedded in the run, once their time to benefit has passed.

        Innovations embedded before the start are part of the observed baseline
        (occupancy data already reflect them), so only change made in the run counts.
        """
        self.bed_days_by_trust = owed["bed_days"]
        bed_days = self.bed_days_by_trust.sum(axis=1)
        self.flows[:, FLOW_INDEX["benefit_bed_days"]] = bed_days
        self.flows[:, FLOW_INDEX["benefit_gbp_m"]] = \
            bed_days * self.scenario.finance.cost_per_bed_day_gbp / 1e6 + owed["cash"]

    # ------------------------------------------------------------------ record

    def recorded(self) -> dict[str, np.ndarray]:
        """Every recorded month, stacked: name -> (R, months, ...) array."""
        return {name: np.stack(values, axis=1) for name, values in self.record.items()}
