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

from collections.abc import Sequence

import numpy as np

from . import institutions, reporters
from .config import ScenarioConfig, StrategyConfig
from .economics import (
    CELL,
    Institutions,
    TrustInputs,
    compute_economics,
    compute_structure,
    recost,
    replace_rows,
    take_rows,
)
from .inputs import START_MONTH_OF_YEAR, EnglandData, england
from .population import (
    ABANDONED,
    AWARE,
    EMBEDDED,
    MONTHS_PER_YEAR,
    PILOTING,
    UNAWARE,
    certainty_equivalent_log,
    initial_population,
    logistic,
    peer_use_share,
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
    out = np.empty((len(rngs), *shape), dtype=dtype)
    for r, rng in enumerate(rngs):
        rng.random(dtype=dtype, out=out[r])
    return out


def _normal(rngs: list[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty((len(rngs), *shape))
    for r, rng in enumerate(rngs):
        rng.standard_normal(out=out[r])
    return out


def _count(mask: np.ndarray) -> np.ndarray:
    return mask.reshape(len(mask), -1).sum(axis=1, dtype=np.int64)


def _per_trust(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum over innovations of ``values`` where ``mask`` (a 0/1 float32 array): (R, T)."""
    return np.einsum("rti,rti->rt", mask, values)


def _per_innovation(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum over trusts of ``values`` where ``mask`` (a 0/1 float32 array): (R, I)."""
    return np.einsum("rti,rti->ri", mask, values)


def _select(condition: np.ndarray, if_true: np.ndarray, if_false: np.ndarray) -> np.ndarray:
    """``np.where`` as arithmetic: much faster on large arrays with scattered masks."""
    return if_false + condition * (if_true - if_false)


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
        rngs = {name: [np.random.default_rng(s[name]) for s in streams] for name in STREAMS}
        self.dynamics_rngs, self.institution_rngs = rngs["dynamics"], rngs["institutions"]
        self.merger_rngs, self.scaler_rngs = rngs["mergers"], rngs["scaler"]
        self.pop = initial_population(self.data, scenario, rngs["init"])
        self._build_static_arrays()
        self._build_institutions(rngs["init"])
        self.month = 0  # months completed
        self.flows = np.zeros((self.reps, len(reporters.FLOW_NAMES)))
        self.bed_days_by_trust = np.zeros(self.pop.budget_gbp_m.shape)
        self.record: dict[str, list[np.ndarray]] = {name: [] for name in reporters.REPORTERS}
        self._refresh_economics(np.ones(self.reps, bool), np.ones(self.reps, bool))

    # ------------------------------------------------------------------ setup

    def _build_static_arrays(self) -> None:
        trusts, innov, icbs = self.data.trusts, self.data.innovations, self.data.icbs
        n_icb, n_region = len(icbs), len(icbs.region_names)
        self.icb_onehot = np.zeros((len(trusts), n_icb))
        self.icb_onehot[np.arange(len(trusts)), trusts.icb] = 1.0
        # float32 transposed copies: the peer counts are small integers, exact in float32
        self.icb_onehot_t32 = np.ascontiguousarray(self.icb_onehot.T, dtype=np.float32)
        self.region_of_icb = np.zeros((n_region, n_icb), dtype=np.float32)
        self.region_of_icb[icbs.region, np.arange(n_icb)] = 1.0
        relevant = self.pop.relevant.astype(float)
        per_icb = self.icb_onehot.T @ relevant
        self.relevant_icb = np.maximum(per_icb, 1.0).astype(CELL)
        per_region = np.zeros((n_region, len(innov)))
        np.add.at(per_region, icbs.region, per_icb)
        self.relevant_region = np.maximum(per_region, 1.0).astype(CELL)
        self.relevant_nation = np.maximum(relevant.sum(axis=0), 1.0).astype(CELL)
        self.rep_index = np.arange(self.reps)[:, None]
        self.ones_t32 = np.ones((1, len(trusts)), dtype=np.float32)
        self.innovation_index = np.arange(len(innov))
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
        self.peer_weights = (diff.peer_weight_icb * (1 - reach),
                             diff.peer_weight_region * (1 - reach))
        self.pilot_duration = innov.pilot_duration_months.astype(float)
        self.pilot_months = innov.pilot_duration_months.astype(np.int16)
        self.benefit_delay = innov.time_to_benefit_months.astype(np.int16)
        self.discontinuation = (diff.embedded_discontinuation_per_year / MONTHS_PER_YEAR
                                * (1.0 - innov.infrastructure_need)).astype(CELL)
        self.pilot_need = (self.scenario.barriers.pilot_load * innov.complexity).astype(CELL)
        # Innovations embedded before the start are business as usual: only a budget
        # shortfall can remove them; those embedded during the run may still not stick.
        self.discontinuation_cells = self.discontinuation * ~self.pop.core_funded
        self.uncertainty_per_trust = None  # (R, T, I) cache, rebuilt when evidence arrives

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
        # (R, T, I) weight of each trust's own decision, rebuilt for a replication after a merger
        self.group_weight = np.ones((self.reps, self.pop.n_trusts, len(innov)), dtype=CELL)
        self.group_weight_stale = np.zeros(self.reps, dtype=bool)
        self.merged_rows: dict[int, list[np.ndarray]] = {}

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

    def _refresh_economics(self, reps: np.ndarray, structural: np.ndarray,
                           recosted: np.ndarray | None = None) -> None:
        """Recompute who pays and the utility for the replications in mask ``reps``.

        Where ``structural`` is set, benefits and costs are recomputed first; where
        ``recosted`` is set, only the pilot costs and failure (adaptation effort fell).
        """
        inst = self._institutions()
        scenario, strategy, data = self.scenario, self.strategy, self.data
        if structural.all():
            self.structure = compute_structure(data, TrustInputs.of(self.pop), scenario,
                                               strategy, inst)
        elif structural.any():
            rows = np.flatnonzero(structural)
            part = compute_structure(data, TrustInputs.of(self.pop, rows), scenario, strategy,
                                     inst.take(rows))
            replace_rows(self.structure, part, rows)
        if recosted is not None and recosted.any():
            if recosted.all():
                self.structure = recost(self.structure, data, TrustInputs.of(self.pop),
                                        scenario, inst)
            else:
                rows = np.flatnonzero(recosted)
                part = recost(take_rows(self.structure, rows), data,
                              TrustInputs.of(self.pop, rows), scenario, inst.take(rows))
                replace_rows(self.structure, part, rows)
        if reps.all():
            self.economics = compute_economics(data, self.structure, scenario, inst)
        elif reps.any():
            rows = np.flatnonzero(reps)
            part = compute_economics(data, take_rows(self.structure, rows), scenario,
                                     inst.take(rows))
            replace_rows(self.economics, part, rows)

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
            self._refresh_economics(changed, np.zeros(self.reps, dtype=bool))
        if self.scaler_on:
            self._choose_offers()
        self._champions()
        profile = self.data.occupancy_by_month[(month + START_MONTH_OF_YEAR - 1) % 12]
        noise = _normal(self.dynamics_rngs, (self.pop.n_trusts,))
        update_pressure(self.pop, profile, scenario, noise, self.bed_days_by_trust)
        update_capacity(self.pop, scenario, self.strategy, self.data.innovations.complexity,
                        month, pooled=bool(self.has_groups.any()))
        self._lifecycle()
        self._pay_costs()
        self._realise_benefit()
        self.month += 1
        for name, reporter in reporters.REPORTERS.items():
            self.record[name].append(reporter(self))

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
        cons = self.strategy.consolidation
        rate = self.scenario.icb.background_mergers_per_year + \
            cons.mergers_per_year * cons.enabled
        for r, rng in enumerate(self.merger_rngs):
            proposals = rng.poisson(rate / MONTHS_PER_YEAR)
            if proposals:
                self._merge_proposals(r, rng, proposals, month)
        if self.merged_rows:
            reps = np.array(sorted(self.merged_rows))
            rows = np.unique(np.concatenate([np.concatenate(v) for v in self.merged_rows.values()]))
            self._refresh_trusts(reps, rows)
            self.merged_rows.clear()

    def _merge_proposals(self, r: int, rng: np.random.Generator, proposals: int,
                         month: int) -> None:
        pop, cons = self.pop, self.strategy.consolidation
        icb_order = rng.permutation(len(self.data.icbs))
        blocked_draws = rng.random(proposals)
        exhausted = self.merger_exhausted[r]
        for p in range(proposals):
            for k in icb_order[p:]:
                if exhausted[k]:
                    continue
                pair = institutions.propose_merger(
                    self.data, pop.group[r], pop.capacity_base[r], pop.pressure[r], int(k),
                    cons.max_group_size)
                if pair is not None:
                    break
                # Units only grow, so an ICB with no possible pair never has one again.
                exhausted[k] = True
            else:
                return
            if blocked_draws[p] < cons.sovereignty_resistance:
                self.flows[r, FLOW_INDEX["mergers_blocked"]] += 1
                continue
            self._merge(r, *pair, month)

    def _merge(self, r: int, acquirer: int, target: int, month: int) -> None:
        pop, cons = self.pop, self.strategy.consolidation
        members = np.flatnonzero((pop.group[r] == acquirer) | (pop.group[r] == target))
        pop.group[r, members] = acquirer
        self.has_groups[r] = True
        self.group_weight_stale[r] = True
        pop.disrupted_until[r, members] = month + cons.disruption_months
        cost = np.full(len(members), cons.transition_cost_gbp_m / len(members))
        paid_now = np.minimum(pop.budget_gbp_m[r, members], cost)
        pop.budget_gbp_m[r, members] -= paid_now
        pop.transition_debt_gbp_m[r, members] += cost - paid_now
        self.flows[r, FLOW_INDEX["spend_transition_gbp_m"]] += paid_now.sum()
        self.flows[r, FLOW_INDEX["mergers"]] += 1
        self.merged_rows.setdefault(r, []).append(members)

    def _refresh_trusts(self, reps: np.ndarray, rows: np.ndarray) -> None:
        """Recompute benefits, costs and utility of some trusts of some replications.

        A merger changes the size (so volume gains and scale economies) of the merged
        unit's trusts only. The rows merged anywhere this month are recomputed in
        every replication that merged; for a trust whose unit did not change the
        result is what it was.
        """
        inst, pop = self._institutions().take(reps), TrustInputs.of(self.pop, reps)
        structure = compute_structure(self.data, pop, self.scenario, self.strategy, inst, rows)
        structure = recost(structure, self.data, pop, self.scenario, inst)
        economics = compute_economics(self.data, structure, self.scenario, inst, rows)
        cells = np.ix_(reps, rows)
        for target, part in ((self.structure, structure), (self.economics, economics)):
            for name, value in part.__dict__.items():
                if name != "national_share":  # per innovation: unchanged by a merger
                    getattr(target, name)[cells] = value

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
        pop, cfg, modules = self.pop, self.strategy.scaler, self.module_columns
        draws = _uniform(self.scaler_rngs, (pop.n_trusts, len(modules)))
        spare = cfg.deployment_capacity - self.active_deployments()
        open_cells = (pop.state[..., modules] <= AWARE) & pop.relevant[:, modules] & \
            (pop.budget_gbp_m > 0)[..., None]
        rep, rows, module = institutions.choose_offers(open_cells, pop.budget_gbp_m, draws,
                                                       spare)
        self.offers = (rep, rows, modules[module])

    def _champions(self) -> None:
        cfg, pop = self.scenario.population, self.pop
        draws = _uniform(self.dynamics_rngs, (pop.n_trusts,))
        leave = pop.champion & (draws < cfg.champion_departures_per_year / MONTHS_PER_YEAR)
        arrive = ~pop.champion & (draws < cfg.champion_arrivals_per_year / MONTHS_PER_YEAR)
        pop.champion = (pop.champion & ~leave) | arrive

    # ------------------------------------------------------------------ decisions

    def peer_signal(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Peer use seen from each ICB (R, K, I) and the national use share (R, I).

        A trust sees the use in its ICB, its region and the nation, weighted; every
        trust of an ICB sees the same signal, so it is computed per ICB.
        """
        by_icb, by_region, nation = peer_use_share(
            users, self.icb_onehot_t32, self.region_of_icb, self.relevant_icb,
            self.relevant_region, self.relevant_nation)
        w_icb, w_region = self.peer_weights
        peer = w_icb * by_icb + w_region * by_region[:, self.data.icbs.region]
        peer += (1.0 - w_icb - w_region) * nation[:, None, :]
        return peer, nation

    def awareness_hazard(self, peer: np.ndarray) -> np.ndarray:
        """Monthly chance each trust hears of each innovation (R, T, I).

        Outside sources plus peers (``peer`` as returned by ``peer_signal``).
        """
        scenario, innov = self.scenario, self.data.innovations
        diff, gov = scenario.diffusion, scenario.government
        external = (diff.external_influence_p_per_year
                    + gov.national_awareness_p_per_year * self.programme_live
                    + scenario.vendors.marketing_p_per_year * innov.vendor_product)
        rate = external.astype(CELL)[:, None, :] + diff.imitation_q_per_year * peer
        return (-np.expm1(rate * (-1.0 / MONTHS_PER_YEAR)))[:, self.data.trusts.icb]

    def _risk_weight(self) -> np.ndarray | float:
        op = self.strategy.open_platform
        if not op.enabled:
            return 1.0
        failed_share = self.pop.failed_pilots / np.maximum(self.pop.completed_pilots, 1.0)
        return (1.0 + op.failure_blame * failed_share).astype(CELL)[:, None, :]

    def utility(self, nation: np.ndarray) -> np.ndarray:
        """Each trust's utility of piloting each innovation: net benefit less risk."""
        pop = self.pop
        if self.uncertainty_per_trust is None:
            risk_aversion = pop.risk_aversion.astype(CELL)[..., None]
            self.uncertainty_per_trust = risk_aversion * pop.uncertainty_icb.astype(CELL)[
                :, self.data.trusts.icb]
        doubt = self.uncertainty_per_trust * self._risk_weight()
        utility = self.economics.utility_base + certainty_equivalent_log(doubt)
        op = self.strategy.open_platform
        if op.enabled:
            utility += op.transparency_pressure * nation[:, None, :]
        return utility

    def decision_probability(self, utility: np.ndarray) -> np.ndarray:
        """Monthly chance an aware trust starts a pilot."""
        pop, diff = self.pop, self.scenario.diffusion
        budget = pop.budget_gbp_m.astype(CELL)[..., None]
        free = pop.free_capacity.astype(CELL)[..., None]
        able = (budget >= self.economics.pilot_total_trust_gbp_m) & (free >= self.pilot_need)
        prob = logistic(diff.decision_sharpness * utility)
        prob *= diff.decision_rate_per_month * np.minimum(free, 1.0)
        prob *= able
        if self.has_groups.any():
            prob *= self._group_weight()
        return prob

    def _group_weight(self) -> np.ndarray:
        """(R, T, I) weight of each trust's own decision in its decision unit.

        The lead decides for its unit, more slowly the more boards must agree; a
        member still decides alone on innovations irrelevant to its lead. Groups
        change only when trusts merge, so the weight is kept until the next merger.
        """
        stale = np.flatnonzero(self.group_weight_stale)
        if len(stale):
            group = self.pop.group[stale]
            is_lead = (group == self.trust_index)[..., None]
            size = np.bincount((group + self.pop.n_trusts * np.arange(len(stale))[:, None]).ravel(),
                               minlength=group.size).reshape(group.shape)
            slowdown = np.take_along_axis(size, group, axis=1).astype(CELL) ** \
                -self.strategy.consolidation.decision_slowdown
            self.group_weight[stale] = _select(is_lead, slowdown[..., None],
                                               ~self.pop.relevant[group])
            self.group_weight_stale[stale] = False
        return self.group_weight

    def _offer_probability(self, utility: np.ndarray) -> np.ndarray:
        rep, rows, cols = self.offers
        cfg, diff = self.strategy.scaler, self.scenario.diffusion
        innov, pop = self.data.innovations, self.pop
        cost = self.economics.cost_horizon_gbp_m[rep, rows, cols]
        deployments = self.deployments_by_module[rep, innov.module_type[cols]]
        scaler_uncertainty = innov.evidence_uncertainty[cols] * (
            1.0 - cfg.evidence_per_deployment) ** deployments
        local_uncertainty = pop.uncertainty_icb[rep, self.data.trusts.icb[rows], cols]
        risk_aversion = pop.risk_aversion[rep, rows]
        relief = certainty_equivalent_log(risk_aversion * scaler_uncertainty) - \
            certainty_equivalent_log(risk_aversion * np.maximum(local_uncertainty,
                                                                scaler_uncertainty))
        offer_utility = utility[rep, rows, cols] - np.log1p(cfg.price_gbp_m
                                                            / np.maximum(cost, 1e-9))
        offer_utility += relief
        free = pop.free_capacity[rep, rows] + cfg.capacity_lent
        ready = np.minimum(free, 1.0) * (free >= self.pilot_need[cols])
        can_pay = pop.budget_gbp_m[rep, rows] >= cfg.price_gbp_m / self.pilot_duration[cols]
        return logistic(diff.decision_sharpness * offer_utility) * ready * can_pay

    # ------------------------------------------------------------------ lifecycle

    def _lifecycle(self) -> None:
        pop = self.pop
        state = pop.state
        draws = _uniform(self.dynamics_rngs, state.shape[1:], CELL)
        unaware, aware = state == UNAWARE, state == AWARE
        piloting, embedded = state == PILOTING, state == EMBEDDED
        peer, nation = self.peer_signal(piloting | embedded)

        hazard = self.awareness_hazard(peer)
        becomes_aware = unaware & pop.relevant & (draws < hazard)
        utility = self.utility(nation)
        decide = self.decision_probability(utility)
        # A trust that hears of an innovation may decide in the same month. Given
        # draw < hazard, draw / hazard is again uniform, so one draw serves both steps.
        starts = (aware & (draws < decide)) | (becomes_aware & (draws < hazard * decide))
        supported_starts = self._accept_offers(draws, utility, unaware, becomes_aware, starts)
        if self.has_groups.any():
            # A member follows its lead: it pilots what the lead pilots or has embedded.
            lead_uses = (starts | piloting | embedded)[self.rep_index, pop.group]
            starts |= lead_uses & (unaware | aware) & pop.relevant

        due, failure = self._pilot_completion(piloting)
        fails = due & (draws < failure)
        succeeds = due & ~fails
        fades = piloting & ~due & (draws < self._fade_hazard())
        unfunded = self.scenario.barriers.unfunded_fade_per_month * pop.unfunded_running
        drop_hazard = self.discontinuation_cells + unfunded.astype(CELL)[..., None]
        dropped = embedded & (draws < drop_hazard)

        ended = fails | fades | dropped
        pop.state = _advance(state, becomes_aware, starts, succeeds, ended)
        changed = becomes_aware | starts | succeeds | ended
        months = pop.months_in_state + np.int16(1)
        months *= ~changed
        pop.months_in_state = months
        completed = succeeds | fails
        if self.scaler_on:
            done = (completed & pop.supported).sum(axis=1)
            self.deployments_by_module += done @ self.module_onehot
            pop.supported = (starts & supported_starts) | (~starts & pop.supported & ~ended)
            self.flows[:, FLOW_INDEX["scaler_deployments_started"]] = _count(supported_starts)
        self._learn_from(completed, fails)
        flows = self.flows
        flows[:, FLOW_INDEX["pilots_started"]] = _count(starts)
        flows[:, FLOW_INDEX["pilots_scaled"]] = _count(succeeds)
        flows[:, FLOW_INDEX["pilots_failed"]] = _count(fails)
        flows[:, FLOW_INDEX["pilots_faded"]] = _count(fades)
        flows[:, FLOW_INDEX["embedded_discontinued"]] = _count(dropped)

    def _accept_offers(self, draws: np.ndarray, utility: np.ndarray, unaware: np.ndarray,
                       becomes_aware: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Trusts accept or refuse the scaler's offers; returns the supported starts."""
        supported_starts = np.zeros_like(starts)
        rep, rows, cols = self.offers
        if not self.scaler_on or not len(rep):
            return supported_starts
        state = self.pop.state
        accept = (draws[rep, rows, cols] < self._offer_probability(utility)) & \
            (state[rep, rows, cols] <= AWARE)
        supported_starts[rep[accept], rows[accept], cols[accept]] = True
        becomes_aware[rep, rows, cols] |= unaware[rep, rows, cols]
        starts |= supported_starts
        return supported_starts

    def _pilot_completion(self, piloting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pilots due to finish this month and their failure probability."""
        pop, failure = self.pop, self.structure.failure_probability
        # months_in_state counts completed months before this one, so a pilot of d months
        # completes in its d-th month.
        elapsed = pop.months_in_state + np.int16(1)
        if not self.scaler_on:
            return piloting & (elapsed >= self.pilot_months), failure
        module = np.maximum(self.data.innovations.module_type, 0)
        learning = institutions.learning_factor(
            self.deployments_by_module, self.strategy.scaler.learning_exponent)[:, module]
        shorter = np.ceil(self.pilot_duration * (0.5 + 0.5 * learning)).astype(np.int16)
        duration = _select(pop.supported, shorter[:, None, :], self.pilot_months)
        failure = failure * _select(pop.supported, learning.astype(CELL)[:, None, :], 1.0)
        return piloting & (elapsed >= duration), failure

    def _fade_hazard(self) -> np.ndarray:
        """Monthly chance a running pilot fades: no champion and no outside support, or no money."""
        pop, bar = self.pop, self.scenario.barriers
        no_champion = (bar.hero_fade_per_month * ~pop.champion).astype(CELL)[..., None]
        unfunded = (bar.unfunded_fade_per_month * pop.unfunded_pilots).astype(CELL)[..., None]
        no_programme = (~self.programme_live).astype(CELL)[:, None, :]
        if self.scaler_on:
            return no_champion * no_programme * ~pop.supported + unfunded
        return no_champion * no_programme + unfunded

    def _learn_from(self, completed: np.ndarray, failed: np.ndarray) -> None:
        pop = self.pop
        if not completed.any():
            return
        local = self.icb_onehot_t32 @ completed.astype(np.float32)  # (R, K, I)
        per_innovation = local.sum(axis=1)  # (R, I): every trust is in one ICB
        pop.completed_pilots += per_innovation
        pop.failed_pilots += (self.ones_t32 @ failed.astype(np.float32))[:, 0]
        observed = local
        op = self.strategy.open_platform
        if op.enabled:
            observed = local + op.publication_evidence_weight * (per_innovation[:, None, :]
                                                                 - local)
            pop.adaptation_need *= (1.0 - op.contributed_adaptation_rate) ** per_innovation
            learnt = per_innovation.any(axis=1)
            self._refresh_economics(learnt, np.zeros_like(learnt), recosted=learnt)
        evidence = self.scenario.diffusion.evidence_per_observed_pilot
        pop.uncertainty_icb *= (1.0 - evidence) ** observed
        self.uncertainty_per_trust = None

    # ------------------------------------------------------------------ money and benefit

    def _pay_costs(self) -> None:
        """Running costs of embedded innovations are paid first, then pilots."""
        pop, econ, structure = self.pop, self.economics, self.structure
        piloting = pop.state == PILOTING
        running = (pop.state == EMBEDDED) & ~pop.core_funded
        piloting_f, running_f = piloting.astype(CELL), running.astype(CELL)
        running_due = _per_trust(running_f, econ.running_trust_monthly_gbp_m).astype(float)
        pilots_due = _per_trust(piloting_f, econ.pilot_trust_monthly_gbp_m).astype(float)
        icb_due_by_trust = (_per_trust(running_f, econ.running_icb_monthly_gbp_m)
                            + _per_trust(piloting_f, econ.pilot_icb_monthly_gbp_m)).astype(float)
        icb_due = icb_due_by_trust @ self.icb_onehot
        icb_paid = np.minimum(icb_due, self.icb_fund_left_gbp_m)
        # What an exhausted fund cannot pay falls back on the trust.
        unpaid_share = 1.0 - icb_paid / np.maximum(icb_due, 1e-12)
        pilots_due += icb_due_by_trust * unpaid_share[:, self.data.trusts.icb]
        full_by_innovation = (_per_innovation(running_f, structure.running_monthly_gbp_m)
                              + _per_innovation(piloting_f, structure.pilot_monthly_gbp_m))
        national_paid = (full_by_innovation * econ.national_share).sum(axis=1)
        if self.scaler_on:
            cfg = self.strategy.scaler
            lock_in = _count_rows(running & pop.supported) * (
                cfg.price_gbp_m * cfg.lock_in_fee_share / MONTHS_PER_YEAR)
            fee = (piloting & pop.supported) @ (cfg.price_gbp_m / self.pilot_duration)
            running_due += lock_in
            pilots_due += fee
            self.flows[:, FLOW_INDEX["scaler_revenue_gbp_m"]] = lock_in.sum(1) + fee.sum(1)
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
            self._refresh_economics(closed, np.zeros(self.reps, dtype=bool))
        op = self.strategy.open_platform
        platform = op.platform_cost_gbp_m_per_year / MONTHS_PER_YEAR * op.enabled
        flows = self.flows
        flows[:, FLOW_INDEX["spend_trust_gbp_m"]] = (paid_running + paid_pilots).sum(axis=1)
        flows[:, FLOW_INDEX["spend_icb_gbp_m"]] = icb_paid.sum(axis=1)
        flows[:, FLOW_INDEX["spend_national_gbp_m"]] = national_paid + platform

    def _realise_benefit(self) -> None:
        pop, structure = self.pop, self.structure
        # Innovations embedded before the start are part of the observed baseline
        # (occupancy data already reflect them), so only change made in the run counts.
        realised = (pop.state == EMBEDDED) & ~pop.core_funded & \
            (pop.months_in_state >= self.benefit_delay)
        realised = realised.astype(CELL)
        self.bed_days_by_trust = _per_trust(realised, structure.effect_bed_days).astype(float)
        cash = _per_trust(realised, structure.effect_gbp_m).sum(axis=1, dtype=float)
        bed_days = self.bed_days_by_trust.sum(axis=1)
        self.flows[:, FLOW_INDEX["benefit_bed_days"]] = bed_days
        self.flows[:, FLOW_INDEX["benefit_gbp_m"]] = \
            bed_days * self.scenario.finance.cost_per_bed_day_gbp / 1e6 + cash

    # ------------------------------------------------------------------ record

    def recorded(self) -> dict[str, np.ndarray]:
        """Every recorded month, stacked: name -> (R, months, ...) array."""
        return {name: np.stack(values, axis=1) for name, values in self.record.items()}


def _count_rows(mask: np.ndarray) -> np.ndarray:
    return np.count_nonzero(mask, axis=-1)


def _advance(state: np.ndarray, becomes_aware: np.ndarray, starts: np.ndarray,
             succeeds: np.ndarray, ended: np.ndarray) -> np.ndarray:
    """The new lifecycle state of every cell.

    Each transition moves a cell to a higher code (aware 1, piloting 2, embedded 3,
    abandoned 4), and a later transition in the month overrides an earlier one, so
    the new state is the highest code reached (arithmetic, not masked writes: faster).
    """
    new = np.maximum(state, becomes_aware.view(np.int8))
    np.maximum(new, starts.view(np.int8) * np.int8(PILOTING), out=new)
    np.maximum(new, succeeds.view(np.int8) * np.int8(EMBEDDED), out=new)
    np.maximum(new, ended.view(np.int8) * np.int8(ABANDONED), out=new)
    return new
