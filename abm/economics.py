"""The trust's view of each innovation: benefit to itself, cost to itself, effect.

Every per-(trust, innovation) quantity is a product of a few factors that belong
to the trust, the innovation, the ICB or the replication: the trust's size and
digital maturity, the size of its decision unit, the innovation's costs and
effects, who pays in each ICB. ``cell_economics`` computes those factors (small
arrays, cheap to recompute whenever an institution acts); the compiled functions
below combine them for one cell when a pass over the cells needs it. No
(replication, trust, innovation) matrix of costs or utilities is ever stored, so
a merger or a fall in adaptation effort costs a few small array operations.

All per-cell arithmetic is in float32, with the factors rounded to float32 first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from numba import njit

from .config import ScenarioConfig, StrategyConfig
from .inputs import EnglandData
from .population import EMBEDDED, MONTHS_PER_YEAR, MULTI_YEAR, PILOTING, Population

CELL = np.float32  # per-cell arithmetic: ample precision, half the memory traffic
TINY = CELL(1e-9)
_F32 = np.float32


@dataclass(frozen=True)
class Institutions:
    """What the institutions have decided, as the economics needs it."""

    programme_live: np.ndarray  # (R, I) bool
    quick_win_window: bool
    icb_priority: np.ndarray  # (R, K) domain index
    icb_fund_open: np.ndarray  # (R, K) bool
    icb_pooled_share: np.ndarray  # (R, K)
    vendor_pilot_factor: np.ndarray  # (I,)
    vendor_running_factor: np.ndarray  # (I,)
    delivered: np.ndarray  # (I,) bool: delivered by a programme on its dates (no flat subsidy)
    site_running_share: np.ndarray  # (R, I) share of an open site's running cost its trust pays

    def of_replications(self, reps: np.ndarray) -> Institutions:
        """The decisions of replications ``reps`` only."""
        return replace(self, programme_live=self.programme_live[reps],
                       site_running_share=self.site_running_share[reps],
                       icb_priority=self.icb_priority[reps],
                       icb_fund_open=self.icb_fund_open[reps],
                       icb_pooled_share=self.icb_pooled_share[reps])


class CellEconomics(NamedTuple):
    """The factors of every cell's benefit, cost and utility (float32 unless marked).

    Shapes: R replications, T trusts, K ICBs, I innovations.
    """

    # per trust
    size: np.ndarray  # (T,) trust size in units of an average acute trust
    maturity: np.ndarray  # (R, T) digital maturity
    volume_gain: np.ndarray  # (R, T) volume-outcome gain x log2(decision unit size)
    economy: np.ndarray  # (R, T) scale economy on the costs of the trust's decision unit
    internalised: np.ndarray  # (R, T) share of benefit landing elsewhere that its unit keeps
    # per innovation
    volume_sensitive: np.ndarray  # (I,) 1 if outcomes improve with volume
    infrastructure_need: np.ndarray  # (I,)
    effect_bed_days: np.ndarray  # (I,) bed days saved a month by a trust of size 1
    effect_cash: np.ndarray  # (I,) GBP m saved a month by a trust of size 1
    external_share: np.ndarray  # (I,) share of benefit landing outside the trust
    bed_day_value: np.ndarray  # (I,) GBP m per bed day a month, over the benefit months
    benefit_months: np.ndarray  # (I,) months of benefit within the planning horizon
    running_per_month: np.ndarray  # (I,) GBP m a month once embedded, before economies
    duration: np.ndarray  # (I,) pilot duration, months
    running_months: np.ndarray  # (I,) months of running cost within the horizon
    financed_months: np.ndarray  # (I,) months of a pilot's cost to be met when it starts
    capital_share: np.ndarray  # (I,) share of a pilot's cost paid from capital (multi-year)
    site_grant_per_month: np.ndarray  # (I,) float64 GBP m the centre pays a site implementing
    # per ICB
    silo: np.ndarray  # (R, K) discount on benefit landing elsewhere
    # per replication and innovation
    pilot_per_month: np.ndarray  # (R, I) GBP m a month of a pilot, before economies
    failure_base: np.ndarray  # (R, I) chance a pilot fails, before infrastructure
    site_pilot_share: np.ndarray  # (R, I) share of a programme site's pilot its payers still pay
    mandate_bonus: np.ndarray  # (R, I) utility of a national mandate
    national_share: np.ndarray  # (R, I) float64: share the government pays
    site_running_share: np.ndarray  # (R, I) share of an open site's running cost paid locally
    # per ICB and innovation: shares of each monthly cost
    trust_share: np.ndarray  # (R, K, I) paid by a trust of the ICB
    icb_share: np.ndarray  # (R, K, I) paid by the ICB's scale-up fund (the rest is national)
    priority_bonus: np.ndarray  # (R, K, I) utility of the ICB's priority domain
    infrastructure_penalty: np.float32  # utility lost per unit of infrastructure shortfall


class MoneyOwed(NamedTuple):
    """What is owed and realised this month, float64 (written by ``tally_money``)."""

    running_due: np.ndarray  # (R, T) trust's share of running costs, GBP m
    pilots_due: np.ndarray  # (R, T) trust's share of pilot costs, GBP m
    icb_due: np.ndarray  # (R, T) ICB funds' share of the trust's costs, GBP m
    full_due: np.ndarray  # (R, I) all payers' costs per innovation, GBP m
    running_full: np.ndarray  # (R,) all payers' running costs of embedded innovations, GBP m
    capital_due: np.ndarray  # (R, T) trust's share of pilot costs payable from capital, GBP m
    lock_ins: np.ndarray  # (R, T) int64 supported cells embedded in the run
    programme_due: np.ndarray  # (R,) what the centre pays programme sites (grants, revenue)
    bed_days: np.ndarray  # (R, T) bed days saved
    cash: np.ndarray  # (R, T) cash saved, GBP m

    @classmethod
    def empty(cls, reps: int, trusts: int, innovations: int) -> MoneyOwed:
        """Unwritten arrays of these shapes (``tally_money`` fills them)."""
        per_trust = (reps, trusts)
        return cls(running_due=np.empty(per_trust), pilots_due=np.empty(per_trust),
                   capital_due=np.empty(per_trust),
                   icb_due=np.empty(per_trust), full_due=np.empty((reps, innovations)),
                   running_full=np.empty(reps),
                   lock_ins=np.empty(per_trust, dtype=np.int64), programme_due=np.empty(reps),
                   bed_days=np.empty(per_trust), cash=np.empty(per_trust))


def unit_tables(n_trusts: int, strategy: StrategyConfig) -> tuple[np.ndarray, np.ndarray]:
    """Volume gain and scale economy of a decision unit of each size, 0 to ``n_trusts``.

    A unit has a whole number of trusts, so each size is worked out once and looked
    up (``unit_factors``); size 0 (no unit) is given the values of size 1.
    """
    sizes = np.arange(n_trusts + 1, dtype=float)
    sizes[0] = 1.0
    cons = strategy.consolidation
    volume_gain = (cons.volume_outcome_gain * np.log2(sizes)).astype(CELL)
    economy = (sizes ** (cons.scale_economy_exponent - 1.0)).astype(CELL)
    return volume_gain, economy


def internalised_share(units: np.ndarray, icb_trusts: np.ndarray,
                       strategy: StrategyConfig) -> np.ndarray:
    """(R, T) share of an innovation's benefit landing outside a trust that its unit keeps.

    ``spillover_to_icb_trusts_share`` of that benefit lands on the other trusts of
    the ICB, evenly; a merged unit (all in one ICB) keeps what lands on its other
    members, ``(unit size - 1) / (ICB's trusts - 1)`` of it.

    Args:
        units: (R, T) trusts in each trust's decision unit.
        icb_trusts: (T,) trusts in each trust's ICB.
        strategy: Its ``consolidation`` block gives the spillover share.
    """
    others = np.maximum(icb_trusts - 1, 1)
    share = strategy.consolidation.spillover_to_icb_trusts_share * (units - 1) / others
    return share.astype(CELL)


def unit_factors(data: EnglandData, pop: Population,
                 strategy: StrategyConfig) -> dict[str, np.ndarray]:
    """The per-trust factors: they change only when decision units change (mergers)."""
    volume_gain, economy = unit_tables(pop.n_trusts, strategy)
    units = pop.group_size()
    icb_trusts = np.bincount(data.trusts.icb)[data.trusts.icb]
    return {
        "size": data.trusts.size.astype(CELL),
        "maturity": pop.digital_maturity.astype(CELL),
        "volume_gain": volume_gain[units],
        "economy": economy[units],
        "internalised": internalised_share(units, icb_trusts, strategy),
    }


def financed_months(scenario: ScenarioConfig, duration: np.ndarray) -> np.ndarray:
    """(I,) months of a pilot's cost a trust must meet when it starts: all, or the financed part."""
    finance = scenario.finance
    if finance.financing != MULTI_YEAR:
        return duration.astype(float)
    return np.minimum(duration, finance.financed_months).astype(float)


def grant_cover(data: EnglandData, pilot_cost_gbp_m: np.ndarray) -> np.ndarray:
    """(R, I) share of a site's implementation the trust still pays after its grant.

    Args:
        data: The programmes and the catalogue.
        pilot_cost_gbp_m: (R, I) full cost of a pilot of each innovation (all payers).
    """
    grant = np.zeros(len(data.innovations))
    grant[data.programmes.innovation] = data.programmes.grant_gbp_m
    return np.clip(1.0 - grant / np.maximum(pilot_cost_gbp_m, 1e-9), 0.0, 1.0)


def grant_per_month(data: EnglandData) -> np.ndarray:
    """(I,) GBP m the centre pays a month for each site implementing the innovation."""
    grant = np.zeros(len(data.innovations))
    programmes = data.programmes
    grant[programmes.innovation] = (programmes.grant_gbp_m
                                    / data.innovations.pilot_duration_months[programmes.innovation])
    return grant


def innovation_factors(data: EnglandData, scenario: ScenarioConfig,
                       inst: Institutions) -> dict[str, np.ndarray]:
    """The per-innovation constants of a run."""
    innov = data.innovations
    horizon = scenario.diffusion.planning_horizon_months
    multi_year = scenario.finance.financing == MULTI_YEAR
    duration = innov.pilot_duration_months
    benefit_months = np.maximum(horizon - duration - innov.time_to_benefit_months, 0)
    running_full = innov.running_cost_gbp_m_per_year * inst.vendor_running_factor
    return {
        "volume_sensitive": innov.volume_sensitive.astype(CELL),
        "infrastructure_need": innov.infrastructure_need.astype(CELL),
        "effect_bed_days": innov.effect_bed_days_per_month.astype(CELL),
        "effect_cash": (innov.effect_gbp_m_per_year / MONTHS_PER_YEAR).astype(CELL),
        "external_share": innov.external_benefit_share.astype(CELL),
        "bed_day_value": (scenario.finance.cost_per_bed_day_gbp / 1e6 * benefit_months
                          ).astype(CELL),
        "benefit_months": benefit_months.astype(CELL),
        "running_per_month": (running_full / MONTHS_PER_YEAR).astype(CELL),
        "duration": duration.astype(CELL),
        "running_months": np.maximum(horizon - duration, 0).astype(CELL),
        "financed_months": financed_months(scenario, duration).astype(CELL),
        "capital_share": (innov.capital_share * multi_year).astype(CELL),
        "site_grant_per_month": grant_per_month(data),
        "infrastructure_penalty": CELL(scenario.barriers.infrastructure_penalty),
    }


def adaptation_factors(data: EnglandData, pop: Population, scenario: ScenarioConfig,
                       inst: Institutions) -> dict[str, np.ndarray]:
    """Pilot price and failure: they change when adaptation effort falls (open platform)."""
    innov, bar = data.innovations, scenario.barriers
    pilot_full = innov.pilot_cost_gbp_m * inst.vendor_pilot_factor * (1.0 + pop.adaptation_need)
    by_innovation = bar.base_pilot_failure + bar.complexity_failure * (
        innov.complexity * pop.adaptation_need)
    return {"pilot_per_month": (pilot_full / innov.pilot_duration_months).astype(CELL),
            "failure_base": by_innovation.astype(CELL),
            "site_pilot_share": grant_cover(data, pilot_full).astype(CELL)}


def payer_factors(data: EnglandData, scenario: ScenarioConfig,
                  inst: Institutions) -> dict[str, np.ndarray]:
    """Who pays and what the institutions favour: they change when an institution acts."""
    innov, gov = data.innovations, scenario.government
    national = gov.national_subsidy_share * (inst.programme_live & ~inst.delivered)  # (R, I)
    not_national = (1.0 - national).astype(CELL)[:, None, :]
    priority = inst.icb_priority[..., None] == innov.domain  # (R, K, I)
    fund_pays = priority & inst.icb_fund_open[..., None]
    icb_share = (scenario.icb.scale_up_cost_share * fund_pays).astype(CELL) * not_national
    mandate = inst.programme_live.copy()
    if inst.quick_win_window:
        mandate &= innov.time_to_benefit_months <= gov.quick_win_months
    return {
        "silo": (scenario.barriers.silo_discount * (1.0 - inst.icb_pooled_share)).astype(CELL),
        "mandate_bonus": (gov.mandate_utility_bonus * mandate).astype(CELL),
        "national_share": national,
        "site_running_share": inst.site_running_share.astype(CELL),
        "trust_share": not_national - icb_share,
        "icb_share": icb_share,
        "priority_bonus": (scenario.icb.priority_utility_bonus * priority).astype(CELL),
    }


def cell_economics(data: EnglandData, pop: Population, scenario: ScenarioConfig,
                   strategy: StrategyConfig, inst: Institutions) -> CellEconomics:
    """The factors of the economics for the current population and institutions.

    When only some inputs change, replace the factors that depend on them:
    ``unit_factors`` (decision units), ``adaptation_factors`` (adaptation effort),
    ``payer_factors`` (institutions).

    Args:
        data: Trusts, ICBs and the innovation catalogue.
        pop: Current population (decision units, maturity, adaptation need).
        scenario: Scenario parameters.
        strategy: Strategy parameters.
        inst: Current institutional decisions.

    Returns:
        The factors; see the compiled functions below for how they combine.
    """
    return CellEconomics(**unit_factors(data, pop, strategy),
                         **innovation_factors(data, scenario, inst),
                         **adaptation_factors(data, pop, scenario, inst),
                         **payer_factors(data, scenario, inst))


# ---------------------------------------------------------------- one cell, compiled
# r replication, t trust row, k the trust's ICB, i innovation column.

@njit(cache=True, inline="always")
def shortfall(e, r, t, i):
    """How far the trust's digital maturity falls short of what the innovation needs."""
    return max(e.infrastructure_need[i] - e.maturity[r, t], _F32(0.0))


@njit(cache=True, inline="always")
def effect_scale(e, r, t, i):
    """The trust's size, times volume-outcome gains, less the infrastructure shortfall."""
    volume = _F32(1.0) + e.volume_gain[r, t] * e.volume_sensitive[i]
    return (e.size[t] * volume) * (_F32(1.0) - shortfall(e, r, t, i))


@njit(cache=True, inline="always")
def pilot_monthly(e, r, t, i):
    """Full monthly cost of a pilot (all payers), after the unit's scale economy."""
    return e.economy[r, t] * e.pilot_per_month[r, i]


@njit(cache=True, inline="always")
def running_monthly(e, r, t, i):
    """Full monthly running cost once embedded (all payers)."""
    return e.economy[r, t] * e.running_per_month[i]


@njit(cache=True, inline="always")
def pilot_total(e, r, t, k, i):
    """The trust's share of the pilot's cost it must be able to meet when it starts.

    The whole pilot with yearly financing; its first ``financed_months`` with
    multi-year financing (``capital_share`` of it from capital).
    """
    return (pilot_monthly(e, r, t, i) * e.trust_share[r, k, i]) * e.financed_months[i]


@njit(cache=True, inline="always")
def cost_horizon(e, r, t, k, i):
    """The trust's own cost over its planning horizon: its share of pilot and running."""
    full = pilot_monthly(e, r, t, i) * e.duration[i] + \
        running_monthly(e, r, t, i) * e.running_months[i]
    return e.trust_share[r, k, i] * full


@njit(cache=True, inline="always")
def failure(e, r, t, i):
    """Chance a completed pilot fails (unsupported): adaptation effort and infrastructure."""
    return failure_with_experience(e, r, t, i, _F32(1.0))


@njit(cache=True, inline="always")
def failure_with_experience(e, r, t, i, experience):
    """Chance a completed pilot fails when a deployer's experience cuts its adaptation part.

    ``experience`` multiplies the failure from adaptation effort; the part from a poor
    infrastructure fit stays, since no deployer brings the trust's own systems.
    """
    chance = e.failure_base[r, i] * experience + _F32(0.5) * shortfall(e, r, t, i)
    return min(max(chance, _F32(0.0)), _F32(1.0))


@njit(cache=True)
def utility_base(e, r, t, k, i):
    """Log of the trust's own benefit over its own cost, plus ICB and national bonuses.

    Benefit is bed days valued at the cost of a bed day plus cash, over the months
    of benefit in the planning horizon, less the share a siloed budget discounts
    because it lands elsewhere (what lands on the other members of a merged unit is
    its own); a poor infrastructure fit costs a penalty.
    """
    scale = effect_scale(e, r, t, i)
    bed_days, cash = e.effect_bed_days[i] * scale, e.effect_cash[i] * scale
    own_share = _F32(1.0) - e.external_share[i] * e.silo[r, k] * (
        _F32(1.0) - e.internalised[r, t])
    benefit = (bed_days * e.bed_day_value[i] + cash * e.benefit_months[i]) * own_share
    merit = np.log(max(benefit, TINY)) - e.infrastructure_penalty * shortfall(e, r, t, i)
    utility = merit - np.log(max(cost_horizon(e, r, t, k, i), TINY))
    return (utility + e.priority_bonus[r, k, i]) + e.mandate_bonus[r, i]


@njit(cache=True)
def _fill_matrices(e, icb_of_trust, out):
    reps, trusts = e.economy.shape
    for r in range(reps):
        for t in range(trusts):
            k = icb_of_trust[t]
            for i in range(e.duration.shape[0]):
                scale = effect_scale(e, r, t, i)
                out[0, r, t, i] = utility_base(e, r, t, k, i)
                out[1, r, t, i] = cost_horizon(e, r, t, k, i)
                out[2, r, t, i] = pilot_total(e, r, t, k, i)
                out[3, r, t, i] = pilot_monthly(e, r, t, i)
                out[4, r, t, i] = running_monthly(e, r, t, i)
                out[5, r, t, i] = e.effect_bed_days[i] * scale
                out[6, r, t, i] = e.effect_cash[i] * scale
                out[7, r, t, i] = failure(e, r, t, i)


MATRICES = ("utility_base", "cost_horizon_gbp_m", "pilot_total_trust_gbp_m",
            "pilot_monthly_gbp_m", "running_monthly_gbp_m", "effect_bed_days",
            "effect_gbp_m", "failure_probability")


def cell_matrices(e: CellEconomics, icb_of_trust: np.ndarray) -> dict[str, np.ndarray]:
    """Every cell's economics as whole (R, T, I) matrices, for inspection.

    The step never builds these; it evaluates a cell when a pass needs it.
    """
    reps, trusts = e.economy.shape
    out = np.empty((len(MATRICES), reps, trusts, len(e.duration)), dtype=CELL)
    _fill_matrices(e, icb_of_trust, out)
    return dict(zip(MATRICES, out, strict=True))


@njit(cache=True)
def tally_money(paying_in_row, cells, month, benefit_delay, economics, owed):
    """What each trust and ICB owes this month, and the benefit realised (in place).

    Writes the ``MoneyOwed`` ``owed``. ``benefit_delay`` (I,) int16 is each
    innovation's months from embedding to benefit.

    Visits only the cells that cost money, in the trusts' rows that have any
    (``paying_in_row``): pilots, and innovations embedded during the run (those
    embedded before the start are paid from core budgets). Benefit is realised once
    an innovation embedded during the run has been in place for its time to benefit
    (counted at the end of step ``month``, the step under way), at the trust's true
    effect (``Cells.realised_effect``), not the catalogue's mean. Sums are in
    float64, cell by cell in order.
    """
    state, entered_month, supported = cells.state, cells.entered_month, cells.supported
    core_funded, icb_of_trust = cells.core_funded, cells.icb_of_trust
    realised, site = cells.realised_effect, cells.programme_site
    running_owed, pilots_owed, icb_due = owed.running_due, owed.pilots_due, owed.icb_due
    programme_due, capital_owed = owed.programme_due, owed.capital_due
    programme_due[:] = 0.0
    capital_owed[:] = 0.0
    full_due, lock_ins, bed_days, cash = owed.full_due, owed.lock_ins, owed.bed_days, owed.cash
    running_full = owed.running_full
    running_full[:] = 0.0
    running_owed[:] = 0.0
    pilots_owed[:] = 0.0
    icb_due[:] = 0.0
    full_due[:] = 0.0
    lock_ins[:] = 0
    bed_days[:] = 0.0
    cash[:] = 0.0
    e = economics
    reps, trusts, innovations = state.shape
    for r in range(reps):
        for t in range(trusts):
            if paying_in_row[r, t] == 0:
                continue
            k = icb_of_trust[t]
            running_due = pilots_due = capital_due = icb_owed = saved = cash_here = 0.0
            locked = 0
            for i in range(innovations):
                s = state[r, t, i]
                if s == PILOTING:
                    pilot = pilot_monthly(e, r, t, i)
                    if site[r, t, i]:  # the grant pays the rest
                        pilot = pilot * e.site_pilot_share[r, i]
                        programme_due[r] += e.site_grant_per_month[i]
                    trust_part = pilot * e.trust_share[r, k, i]
                    capital = trust_part * e.capital_share[i]
                    pilots_due += trust_part - capital
                    capital_due += capital
                    icb_owed += pilot * e.icb_share[r, k, i]
                    full_due[r, i] += pilot
                elif s == EMBEDDED and not core_funded[r, t, i]:
                    running = running_monthly(e, r, t, i)
                    running_full[r] += running
                    if site[r, t, i]:  # the centre meets a share until its revenue ends
                        local = running * e.site_running_share[r, i]
                        programme_due[r] += running - local
                        running = local
                    running_due += running * e.trust_share[r, k, i]
                    icb_owed += running * e.icb_share[r, k, i]
                    full_due[r, i] += running
                    locked += supported[r, t, i]
                    if month - entered_month[r, t, i] >= benefit_delay[i]:
                        scale = effect_scale(e, r, t, i) * realised[r, t, i]
                        saved += e.effect_bed_days[i] * scale
                        cash_here += e.effect_cash[i] * scale
            running_owed[r, t], pilots_owed[r, t] = running_due, pilots_due
            capital_owed[r, t] = capital_due
            icb_due[r, t], lock_ins[r, t] = icb_owed, locked
            bed_days[r, t], cash[r, t] = saved, cash_here
