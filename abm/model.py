"""The Mesa model: scheduling of one replication on the England default.

One month is one step. Institutions act first (government, ICBs, mergers, the
scaler's offers), then operational pressure and capacity are set, then every
(trust, innovation) cell moves through its lifecycle at once, costs are paid and
benefit is realised. See ``docs/ODD.md`` for the full description.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from . import reporters
from .agents import ICB, Government, Scaler, Trust, Vendor
from .config import ScenarioConfig, StrategyConfig
from .economics import Economics, Institutions, compute_economics, compute_structure
from .inputs import START_MONTH_OF_YEAR, EnglandData, england
from .population import (
    ABANDONED,
    AWARE,
    EMBEDDED,
    MONTHS_PER_YEAR,
    PILOTING,
    STATE_NAMES,
    UNAWARE,
    cells_in,
    certainty_equivalent_log,
    initial_population,
    logistic,
    peer_use_share,
    update_capacity,
    update_pressure,
)

STREAMS = ("init", "dynamics", "institutions", "mergers", "scaler")


class NHSReformModel(mesa.Model):
    """Innovation spread among England's trusts under one strategy.

    Args:
        scenario: The setting and its uncertain conditions.
        strategy: The mechanisms switched on (the name is only a label).
        rng: Seed or ``SeedSequence`` of this replication. Five independent streams
            are spawned from it (initialisation, cell dynamics, institutions,
            mergers, scaler), so strategies compared with the same seed share the
            same trusts and the same monthly draws (common random numbers).
        months: Months to simulate when ``run`` is called.
        data: Input data; the England default shipped with the package.
    """

    def __init__(
        self, scenario: ScenarioConfig, strategy: StrategyConfig, *,
        rng: int | np.random.SeedSequence, months: int = 120, data: EnglandData | None = None,
    ) -> None:
        seq = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
        streams = dict(zip(STREAMS, seq.spawn(len(STREAMS)), strict=True))
        super().__init__(rng=np.random.default_rng(streams["dynamics"]))
        self.scenario_config, self.strategy, self.months = scenario, strategy, months
        self.data = data if data is not None else england()
        self.institution_rng = np.random.default_rng(streams["institutions"])
        self.merger_rng = np.random.default_rng(streams["mergers"])
        init_rng = np.random.default_rng(streams["init"])
        self.pop = initial_population(self.data, scenario, init_rng)
        self._build_static_arrays()
        self._build_agents(init_rng, streams["scaler"])
        self.flows = reporters.empty_flows()
        self.bed_days_by_trust = np.zeros(len(self.trusts))
        self.economics = self._compute_economics(structural=True)
        self.datacollector = DataCollector(model_reporters=reporters.MODEL_REPORTERS)

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
        self.relevant_icb = np.maximum(self.icb_onehot.T @ relevant, 1.0)
        self.relevant_region = np.zeros((n_region, len(innov)))
        np.add.at(self.relevant_region, icbs.region, self.icb_onehot.T @ relevant)
        self.relevant_region = np.maximum(self.relevant_region, 1.0)
        self.relevant_nation = np.maximum(relevant.sum(axis=0), 1.0)
        self.innovation_index = np.arange(len(innov), dtype=np.int16)
        self.trust_index = np.arange(len(trusts))
        self.irrelevant_per_innovation = (~self.pop.relevant).sum(axis=0)
        self.relevant_per_icb = np.maximum((self.icb_onehot.T @ relevant).sum(axis=1), 1.0)
        self.module_cells = np.broadcast_to(innov.module_type >= 0, self.pop.state.shape)
        diff = self.scenario_config.diffusion
        platform = self.strategy.open_platform
        reach = platform.communication_reach * platform.enabled
        self.peer_weights = (diff.peer_weight_icb * (1 - reach),
                             diff.peer_weight_region * (1 - reach))
        self.pilot_duration = innov.pilot_duration_months.astype(np.int16)
        self.benefit_delay = innov.time_to_benefit_months.astype(np.int16)
        self.discontinuation = (diff.embedded_discontinuation_per_year / MONTHS_PER_YEAR
                                * (1.0 - innov.infrastructure_need))

    def _build_agents(self, init_rng: np.random.Generator, scaler_seed) -> None:
        innov = self.data.innovations
        self.trusts = [Trust(self, i) for i in range(len(self.data.trusts))]
        self.icb_fund_left_gbp_m = np.zeros(len(self.data.icbs))
        pooled = np.clip(init_rng.normal(self.scenario_config.icb.pooled_budget_share_mean, 0.1,
                                         len(self.data.icbs)), 0.0, 1.0)
        self.icbs = [ICB(self, k, float(pooled[k])) for k in range(len(self.data.icbs))]
        products = np.flatnonzero(innov.vendor_product)
        self.vendors = [Vendor(self, products[v::3]) for v in range(3)]
        self.scaler = None
        if self.strategy.scaler.enabled:
            self.scaler = Scaler(self, np.flatnonzero(innov.module_type >= 0),
                                 np.random.default_rng(scaler_seed))
        self.government = Government(self)
        self.offers = (np.empty(0, dtype=int), np.empty(0, dtype=int))
        self.has_groups = False

    @property
    def month(self) -> int:
        """Months since April 2025 (0 during the first step)."""
        return self.steps - 1

    def _institutions(self) -> Institutions:
        innov = self.data.innovations
        pilot_factor = np.ones(len(innov))
        running_factor = np.ones(len(innov))
        for vendor in self.vendors:
            pilot_factor[vendor.products], running_factor[vendor.products] = vendor.price_factors()
        return Institutions(
            programme_live=self.government.programme_live,
            quick_win_window=self.government.in_quick_win_window(max(self.month, 0)),
            icb_priority=np.array([icb.priority_domain for icb in self.icbs]),
            icb_fund_open=self.icb_fund_left_gbp_m > 0,
            icb_pooled_share=np.array([icb.pooled_budget_share for icb in self.icbs]),
            vendor_pilot_factor=pilot_factor,
            vendor_running_factor=running_factor,
        )

    def _compute_economics(self, structural: bool = False) -> Economics:
        """Recompute who pays and the utility; with ``structural`` also benefits and costs."""
        inst = self._institutions()
        if structural:
            self.structure = compute_structure(self.data, self.pop, self.scenario_config,
                                               self.strategy, inst)
        return compute_economics(self.data, self.structure, self.scenario_config, inst)

    # ------------------------------------------------------------------ step

    def step(self) -> None:
        """Advance one month."""
        month = self.month
        self.flows = reporters.empty_flows()
        changed = self.government.step()
        changed |= self.government.in_quick_win_window(month) != \
            self.government.in_quick_win_window(month - 1)
        if month % 12 == 0:  # April: a new financial year (the run starts in April)
            self.agents_by_type[ICB].do("plan_year")
            self._new_financial_year()
            changed = True
        merged = self._mergers(month)
        if changed or merged:
            self.economics = self._compute_economics(structural=merged)
        if self.scaler is not None:
            self.offers = self.scaler.choose_offers()
        self._champions()
        profile = self.data.occupancy_by_month[(month + START_MONTH_OF_YEAR - 1) % 12]
        noise = self.rng.standard_normal(len(self.trusts))
        update_pressure(self.pop, profile, self.scenario_config, noise, self.bed_days_by_trust)
        update_capacity(self.pop, self.scenario_config, self.strategy,
                        self.data.innovations.complexity, month, pooled=self.has_groups)
        self._lifecycle()
        self._pay_costs()
        self._realise_benefit()
        self.datacollector.collect(self)

    def run(self) -> NHSReformModel:
        """Run all months and return the model (for chaining)."""
        for _ in range(self.months):
            self.step()
        return self

    # ------------------------------------------------------------------ institutions

    def _mergers(self, month: int) -> bool:
        cons = self.strategy.consolidation
        background = self.scenario_config.icb.background_mergers_per_year
        rate = background + cons.mergers_per_year * cons.enabled
        proposals = self.merger_rng.poisson(rate / MONTHS_PER_YEAR)
        if proposals == 0:
            return False
        icb_order = self.merger_rng.permutation(len(self.icbs))
        blocked_draws = self.merger_rng.random(proposals)
        merged = False
        for p in range(proposals):
            for k in icb_order[p:]:
                pair = self.icbs[k].propose_merger()
                if pair is not None:
                    break
            else:
                return merged
            if blocked_draws[p] < cons.sovereignty_resistance:
                self.flows["mergers_blocked"] += 1
                continue
            self._merge(*pair, month)
            merged = True
        return merged

    def _merge(self, acquirer: int, target: int, month: int) -> None:
        pop, cons = self.pop, self.strategy.consolidation
        members = np.flatnonzero((pop.group == acquirer) | (pop.group == target))
        pop.group[members] = acquirer
        self.has_groups = True
        pop.disrupted_until[members] = month + cons.disruption_months
        cost = np.full(len(members), cons.transition_cost_gbp_m / len(members))
        paid_now = np.minimum(pop.budget_gbp_m[members], cost)
        pop.budget_gbp_m[members] -= paid_now
        pop.transition_debt_gbp_m[members] += cost - paid_now
        self.flows["spend_transition_gbp_m"] += paid_now.sum()
        self.flows["mergers"] += 1

    def _new_financial_year(self) -> None:
        """Unspent budget lapses; the year's allocation arrives, less any merger debt."""
        pop = self.pop
        repay = np.minimum(pop.transition_debt_gbp_m, pop.allocation_gbp_m_per_year)
        pop.transition_debt_gbp_m -= repay
        pop.budget_gbp_m = pop.allocation_gbp_m_per_year - repay
        self.flows["spend_transition_gbp_m"] += repay.sum()

    def _champions(self) -> None:
        cfg, pop = self.scenario_config.population, self.pop
        draws = self.rng.random(len(self.trusts))
        leave = pop.champion & (draws < cfg.champion_departures_per_year / MONTHS_PER_YEAR)
        arrive = ~pop.champion & (draws < cfg.champion_arrivals_per_year / MONTHS_PER_YEAR)
        pop.champion = (pop.champion & ~leave) | arrive

    # ------------------------------------------------------------------ lifecycle

    def _peer_signal(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        trusts = self.data.trusts
        by_icb, by_region, nation = peer_use_share(
            users, self.icb_onehot_t32, self.region_of_icb, self.relevant_icb,
            self.relevant_region, self.relevant_nation)
        w_icb, w_region = self.peer_weights
        peer = w_icb * by_icb[trusts.icb] + w_region * by_region[trusts.region]
        return peer + (1.0 - w_icb - w_region) * nation[None, :], nation

    def _awareness_hazard(self, peer: np.ndarray) -> np.ndarray:
        diff, gov, vendors = (self.scenario_config.diffusion, self.scenario_config.government,
                              self.scenario_config.vendors)
        innov = self.data.innovations
        external = (diff.external_influence_p_per_year
                    + gov.national_awareness_p_per_year * self.government.programme_live
                    + vendors.marketing_p_per_year * innov.vendor_product)
        rate = external[None, :] + diff.imitation_q_per_year * peer
        return -np.expm1(-rate / MONTHS_PER_YEAR)

    def _risk_weight(self) -> np.ndarray:
        op = self.strategy.open_platform
        if not op.enabled:
            return np.ones(len(self.data.innovations))
        failed_share = self.pop.failed_pilots / np.maximum(self.pop.completed_pilots, 1.0)
        return 1.0 + op.failure_blame * failed_share

    def _utility(self, nation: np.ndarray) -> np.ndarray:
        pop = self.pop
        uncertainty = pop.uncertainty_icb[self.data.trusts.icb]
        doubt = pop.risk_aversion[:, None] * uncertainty * self._risk_weight()[None, :]
        utility = self.economics.utility_base + certainty_equivalent_log(doubt)
        op = self.strategy.open_platform
        if op.enabled:
            utility = utility + op.transparency_pressure * nation[None, :]
        return utility

    def _readiness(self, lent: float = 0.0) -> np.ndarray:
        """Bandwidth to take on a pilot: free capacity, and zero if the pilot's load exceeds it."""
        need = self.scenario_config.barriers.pilot_load * self.data.innovations.complexity
        free = self.pop.free_capacity[:, None] + lent
        return np.minimum(free, 1.0) * (free >= need[None, :])

    def _decision_probability(self, utility: np.ndarray) -> np.ndarray:
        pop, diff = self.pop, self.scenario_config.diffusion
        econ = self.economics
        affordable = pop.budget_gbp_m[:, None] >= econ.pilot_total_trust_gbp_m
        prob = diff.decision_rate_per_month * logistic(diff.decision_sharpness * utility)
        prob = prob * self._readiness() * affordable
        if self.has_groups:
            # The lead decides for its unit, more slowly the more boards must agree;
            # a member still decides alone on innovations irrelevant to its lead.
            size = pop.group_size()
            is_lead = pop.group == np.arange(pop.n_trusts)
            slowdown = size.astype(float) ** (-self.strategy.consolidation.decision_slowdown)
            weight = np.where(is_lead[:, None], slowdown[:, None], ~pop.relevant[pop.group])
            prob = prob * weight
        return prob

    def _offer_probability(self, utility: np.ndarray) -> np.ndarray:
        rows, cols = self.offers
        cfg, diff = self.strategy.scaler, self.scenario_config.diffusion
        innov = self.data.innovations
        module = innov.module_type[cols]
        cost = self.economics.cost_horizon_gbp_m[rows, cols]
        scaler_uncertainty = innov.evidence_uncertainty[cols] * (
            1.0 - cfg.evidence_per_deployment) ** self.scaler.deployments_by_module[module]
        local_uncertainty = self.pop.uncertainty_icb[self.data.trusts.icb[rows], cols]
        risk_aversion = self.pop.risk_aversion[rows]
        relief = certainty_equivalent_log(risk_aversion * scaler_uncertainty) - \
            certainty_equivalent_log(risk_aversion * np.maximum(local_uncertainty,
                                                                scaler_uncertainty))
        offer_utility = utility[rows, cols] - np.log1p(cfg.price_gbp_m / np.maximum(cost, 1e-9))
        offer_utility += relief
        ready = self._readiness(cfg.capacity_lent)[rows, cols]
        can_pay = self.pop.budget_gbp_m[rows] >= cfg.price_gbp_m / self.pilot_duration[cols]
        return logistic(diff.decision_sharpness * offer_utility) * ready * can_pay

    def _lifecycle(self) -> None:
        pop = self.pop
        state = pop.state
        draws = self.rng.random(state.shape)
        unaware, aware = state == UNAWARE, state == AWARE
        piloting, embedded = state == PILOTING, state == EMBEDDED
        peer, nation = self._peer_signal(piloting | embedded)

        hazard = self._awareness_hazard(peer)
        becomes_aware = unaware & pop.relevant & (draws < hazard)
        utility = self._utility(nation)
        decide = self._decision_probability(utility)
        # A trust that hears of an innovation may decide in the same month. Given
        # draw < hazard, draw / hazard is again uniform, so one draw serves both steps.
        starts = (aware & (draws < decide)) | (becomes_aware & (draws < hazard * decide))
        supported_starts = None
        if self.scaler is not None and len(self.offers[0]):
            rows, cols = self.offers
            accept = (draws[rows, cols] < self._offer_probability(utility)) & \
                (state[rows, cols] <= AWARE)
            supported_starts = np.zeros_like(starts)
            supported_starts[rows[accept], cols[accept]] = True
            becomes_aware[rows, cols] |= unaware[rows, cols]
            starts |= supported_starts
        if self.has_groups:
            # A member follows its lead: it pilots what the lead pilots or has embedded.
            lead_uses = (starts | piloting | embedded)[pop.group]
            starts |= lead_uses & (unaware | aware) & pop.relevant

        due, failure = self._pilot_completion(piloting)
        fails = due & (draws < failure)
        succeeds = due & ~fails
        fades = piloting & ~due & (draws < self._fade_hazard())
        bar = self.scenario_config.barriers
        unfunded = bar.unfunded_fade_per_month * pop.unfunded_running
        # Innovations embedded before the start are business as usual: only a budget
        # shortfall can remove them; those embedded during the run may still not stick.
        drop_hazard = self.discontinuation[None, :] * ~pop.core_funded + unfunded[:, None]
        dropped = embedded & (draws < drop_hazard)

        ended = fails | fades | dropped
        new_state = np.where(becomes_aware, np.int8(AWARE), state)
        new_state = np.where(starts, np.int8(PILOTING), new_state)
        new_state = np.where(succeeds, np.int8(EMBEDDED), new_state)
        pop.state = np.where(ended, np.int8(ABANDONED), new_state)
        changed = becomes_aware | starts | succeeds | ended
        pop.months_in_state = np.where(changed, np.int16(0), pop.months_in_state + np.int16(1))
        completed = succeeds | fails
        if self.scaler is not None:
            self.scaler.record_completions(completed & pop.supported)
            started_supported = supported_starts if supported_starts is not None else False
            pop.supported = np.where(starts, started_supported, pop.supported & ~ended)
        self._learn_from(completed, fails)
        flows = self.flows
        flows["pilots_started"] = int(np.count_nonzero(starts))
        flows["pilots_scaled"] = int(np.count_nonzero(succeeds))
        flows["pilots_failed"] = int(np.count_nonzero(fails))
        flows["pilots_faded"] = int(np.count_nonzero(fades))
        flows["embedded_discontinued"] = int(np.count_nonzero(dropped))
        if supported_starts is not None:
            flows["scaler_deployments_started"] = int(np.count_nonzero(supported_starts))

    def _pilot_completion(self, piloting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pilots due to finish this month and their failure probability."""
        pop, failure = self.pop, self.economics.structure.failure_probability
        # months_in_state counts completed months before this one, so a pilot of d months
        # completes in its d-th month.
        if self.scaler is None:
            return piloting & (pop.months_in_state + 1 >= self.pilot_duration), failure
        module = np.maximum(self.data.innovations.module_type, 0)
        learning = self.scaler.learning_factor()[module]
        shorter = np.ceil(self.pilot_duration * (0.5 + 0.5 * learning))
        duration = np.where(pop.supported, shorter, self.pilot_duration)
        failure = np.where(pop.supported, failure * learning, failure)
        return piloting & (pop.months_in_state + 1 >= duration), failure

    def _fade_hazard(self) -> np.ndarray:
        """Monthly chance a running pilot fades: no champion and no outside support, or no money."""
        pop, bar = self.pop, self.scenario_config.barriers
        no_champion = bar.hero_fade_per_month * ~pop.champion
        hazard = no_champion[:, None] * ~self.government.programme_live[None, :]
        if self.scaler is not None:
            hazard = hazard * ~pop.supported
        return hazard + (bar.unfunded_fade_per_month * pop.unfunded_pilots)[:, None]

    def _learn_from(self, completed: np.ndarray, failed: np.ndarray) -> None:
        pop = self.pop
        if not completed.any():
            return
        per_innovation = completed.sum(axis=0)
        pop.completed_pilots += per_innovation
        pop.failed_pilots += failed.sum(axis=0)
        local = self.icb_onehot_t32 @ completed.astype(np.float32)
        observed = local
        op = self.strategy.open_platform
        if op.enabled:
            observed = local + op.publication_evidence_weight * (per_innovation[None, :] - local)
            pop.adaptation_need *= (1.0 - op.contributed_adaptation_rate) ** per_innovation
            self.economics = self._compute_economics(structural=True)
        evidence = self.scenario_config.diffusion.evidence_per_observed_pilot
        pop.uncertainty_icb *= (1.0 - evidence) ** observed

    # ------------------------------------------------------------------ money and benefit

    def _pay_costs(self) -> None:
        """Running costs of embedded innovations are paid first, then pilots."""
        pop, econ = self.pop, self.economics
        structure = econ.structure
        piloting = pop.state == PILOTING
        running = (pop.state == EMBEDDED) & ~pop.core_funded
        full_running = running * structure.running_monthly_gbp_m
        full_pilots = piloting * structure.pilot_monthly_gbp_m
        full = full_running + full_pilots
        running_due = (full_running * econ.trust_share).sum(axis=1)
        pilots_due = (full_pilots * econ.trust_share).sum(axis=1)
        icb_due_by_trust = (full * econ.icb_share).sum(axis=1)
        icb_due = np.bincount(self.data.trusts.icb, icb_due_by_trust, minlength=len(self.icbs))
        icb_paid = np.minimum(icb_due, self.icb_fund_left_gbp_m)
        # What an exhausted fund cannot pay falls back on the trust.
        unpaid_share = 1.0 - icb_paid / np.maximum(icb_due, 1e-12)
        pilots_due += icb_due_by_trust * unpaid_share[self.data.trusts.icb]
        national_paid = float(full.sum(axis=0) @ econ.national_share)
        if self.scaler is not None:
            cfg = self.strategy.scaler
            lock_in = (running & pop.supported).sum(axis=1) * (
                cfg.price_gbp_m * cfg.lock_in_fee_share / MONTHS_PER_YEAR)
            fee = (piloting & pop.supported) @ (cfg.price_gbp_m / self.pilot_duration)
            running_due += lock_in
            pilots_due += fee
            self.flows["scaler_revenue_gbp_m"] = float(lock_in.sum() + fee.sum())
        paid_running = np.minimum(pop.budget_gbp_m, running_due)
        paid_pilots = np.minimum(pop.budget_gbp_m - paid_running, pilots_due)
        pop.budget_gbp_m = pop.budget_gbp_m - paid_running - paid_pilots
        pop.unfunded_running = running_due > paid_running + 1e-12
        pop.unfunded_pilots = pilots_due > paid_pilots + 1e-12
        funds = self.icb_fund_left_gbp_m
        was_open = funds > 0
        np.maximum(funds - icb_paid, 0.0, out=funds)  # icb_paid <= funds: exact
        if np.any(was_open & (funds == 0.0)):
            self.economics = self._compute_economics()
        platform = (self.strategy.open_platform.platform_cost_gbp_m_per_year / MONTHS_PER_YEAR
                    * self.strategy.open_platform.enabled)
        self.flows.update(
            spend_trust_gbp_m=float(paid_running.sum() + paid_pilots.sum()),
            spend_icb_gbp_m=float(icb_paid.sum()), spend_national_gbp_m=national_paid + platform,
        )

    def _realise_benefit(self) -> None:
        pop, econ = self.pop, self.economics
        # Innovations embedded before the start are part of the observed baseline
        # (occupancy data already reflect them), so only change made in the run counts.
        realised = (pop.state == EMBEDDED) & ~pop.core_funded & \
            (pop.months_in_state >= self.benefit_delay[None, :])
        self.bed_days_by_trust = (realised * econ.structure.effect_bed_days).sum(axis=1)
        cash = float((realised * econ.structure.effect_gbp_m).sum())
        bed_days = float(self.bed_days_by_trust.sum())
        self.flows.update(
            benefit_bed_days=bed_days,
            benefit_gbp_m=bed_days * self.scenario_config.finance.cost_per_bed_day_gbp / 1e6 + cash,
        )

    # ------------------------------------------------------------------ inspection

    def explain_decision(self, row: int, innovation_id: str) -> dict[str, float | str]:
        """The terms of one trust's current decision about one innovation.

        Args:
            row: Trust row.
            innovation_id: An id from the innovation catalogue.

        Returns:
            State, utility terms and the monthly probability of starting a pilot.

        Raises:
            KeyError: If the innovation id is not in the catalogue.
        """
        ids = list(self.data.innovations.innovation_id)
        if innovation_id not in ids:
            raise KeyError(f"innovation_id {innovation_id!r} not in the catalogue")
        j = ids.index(innovation_id)
        users = cells_in(self.pop.state, PILOTING, EMBEDDED)
        peer, nation = self._peer_signal(users)
        utility = self._utility(nation)
        return {
            "state": STATE_NAMES[self.pop.state[row, j]],
            "utility_base": float(self.economics.utility_base[row, j]),
            "risk_penalty": float(self.economics.utility_base[row, j] - utility[row, j]),
            "utility": float(utility[row, j]),
            "peer_use_share": float(peer[row, j]),
            "free_capacity": float(self.pop.free_capacity[row]),
            "monthly_awareness_probability": float(self._awareness_hazard(peer)[row, j]),
            "monthly_pilot_probability": float(self._decision_probability(utility)[row, j]),
            "cost_horizon_gbp_m": float(self.economics.cost_horizon_gbp_m[row, j]),
        }
