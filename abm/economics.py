"""The trust's view of each innovation: benefit to itself, cost to itself, effect.

These (trust x innovation) matrices change only when an institution acts
(a programme starts or ends, an ICB fund runs dry, trusts merge, the open
platform lowers adaptation effort), so the model recomputes them on those
events instead of every month.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .config import ScenarioConfig, StrategyConfig
from .inputs import EnglandData
from .population import MONTHS_PER_YEAR, Population

TINY = 1e-9
CELL = np.float32  # per-(trust, innovation) matrices: ample precision, half the memory traffic


@dataclass
class Structure:
    """What changes only when trusts merge or adaptation effort falls (R, T, I arrays)."""

    merit: np.ndarray  # log of own benefit over the horizon (GBP m), less the infrastructure
    # penalty: the part of the utility that does not depend on who pays
    economy: np.ndarray  # (R, T) scale economy on costs of the trust's decision unit
    full_cost_horizon_gbp_m: np.ndarray  # cost over the horizon before subsidies
    pilot_monthly_gbp_m: np.ndarray  # full monthly pilot cost (all payers)
    running_monthly_gbp_m: np.ndarray  # full monthly running cost once embedded
    effect_bed_days: np.ndarray  # bed days saved a month once benefit is realised
    effect_gbp_m: np.ndarray  # cash saving a month once realised
    infrastructure_shortfall: np.ndarray
    failure_probability: np.ndarray  # chance a completed pilot fails (unsupported)


@dataclass
class Economics:
    """Who pays and the resulting utility (R, T, I arrays unless marked)."""

    utility_base: np.ndarray  # log benefit-cost ratio plus bonuses and penalties
    cost_horizon_gbp_m: np.ndarray  # trust's own cost over its planning horizon
    pilot_total_trust_gbp_m: np.ndarray  # the trust's share of the whole pilot's cost
    # (R, K, I): the share of each monthly pilot or running cost a trust of each ICB
    # pays, and the share its ICB's scale-up fund pays (the rest is national)
    trust_share: np.ndarray
    icb_share: np.ndarray
    national_share: np.ndarray  # (R, I) share the government pays


def replace_rows(target: Structure | Economics, update: Structure | Economics,
                 reps: np.ndarray) -> None:
    """Overwrite replications ``reps`` of every field of ``target`` with ``update``'s."""
    for name, value in update.__dict__.items():
        getattr(target, name)[reps] = value


def take_rows(source: Structure, reps: np.ndarray) -> Structure:
    """The structure of replications ``reps`` only."""
    return Structure(**{name: value[reps] for name, value in source.__dict__.items()})


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

    def take(self, reps: np.ndarray | slice) -> Institutions:
        """The decisions of replications ``reps`` only."""
        return Institutions(
            self.programme_live[reps], self.quick_win_window, self.icb_priority[reps],
            self.icb_fund_open[reps], self.icb_pooled_share[reps], self.vendor_pilot_factor,
            self.vendor_running_factor)


@dataclass(frozen=True)
class TrustInputs:
    """What the structure reads from the population: (R, T) and (R, I) arrays."""

    group_size: np.ndarray  # trusts in each trust's decision unit
    digital_maturity: np.ndarray
    adaptation_need: np.ndarray  # (R, I)

    @classmethod
    def of(cls, pop: Population, reps: np.ndarray | slice = slice(None)) -> TrustInputs:
        """The inputs of replications ``reps`` of a population."""
        return cls(pop.group_size()[reps], pop.digital_maturity[reps], pop.adaptation_need[reps])


def compute_structure(
    data: EnglandData, pop: TrustInputs, scenario: ScenarioConfig, strategy: StrategyConfig,
    inst: Institutions, rows: np.ndarray | None = None,
) -> Structure:
    """Benefit, cost and effect of each innovation for each trust, before subsidies.

    Args:
        data: Trusts, ICBs and the innovation catalogue.
        pop: Current population (groups, maturity, adaptation need).
        scenario: Scenario parameters.
        strategy: Strategy parameters.
        inst: Institutional settings (pooled budgets and vendor prices are used here).
        rows: Trust rows to compute (all if None): after a merger only the merged
            trusts' rows change.

    Returns:
        The structural matrices, (R, rows, I).
    """
    innov, rows = data.innovations, slice(None) if rows is None else rows
    horizon = scenario.diffusion.planning_horizon_months
    group_size = pop.group_size[:, rows].astype(float)  # (R, T)
    size = data.trusts.size[rows].astype(CELL)[:, None]

    gain = strategy.consolidation.volume_outcome_gain
    volume = 1.0 + (gain * np.log2(group_size)).astype(CELL)[..., None] * \
        innov.volume_sensitive.astype(CELL)
    need = innov.infrastructure_need.astype(CELL)
    shortfall = np.maximum(need - pop.digital_maturity[:, rows].astype(CELL)[..., None], 0)
    # a poor infrastructure fit delivers less of the effect
    scale = size * volume * (1.0 - shortfall)
    bed_days = innov.effect_bed_days_per_month.astype(CELL) * scale
    cash = (innov.effect_gbp_m_per_year / MONTHS_PER_YEAR).astype(CELL) * scale

    icb = data.trusts.icb[rows]
    silo = scenario.barriers.silo_discount * (1.0 - inst.icb_pooled_share[:, icb])
    own_share = 1.0 - innov.external_benefit_share.astype(CELL) * silo.astype(CELL)[..., None]
    benefit_months = np.maximum(
        horizon - innov.pilot_duration_months - innov.time_to_benefit_months, 0)
    # bed days valued at the cost of a bed day, over the months benefit flows in the horizon
    per_bed_day = (scenario.finance.cost_per_bed_day_gbp / 1e6 * benefit_months).astype(CELL)
    benefit = (bed_days * per_bed_day + cash * benefit_months.astype(CELL)) * own_share
    merit = np.log(np.maximum(benefit, TINY)) - \
        scenario.barriers.infrastructure_penalty * shortfall

    economy = group_size ** (strategy.consolidation.scale_economy_exponent - 1.0)
    running_full = innov.running_cost_gbp_m_per_year * inst.vendor_running_factor
    running_monthly = economy.astype(CELL)[..., None] * (running_full / MONTHS_PER_YEAR
                                                         ).astype(CELL)
    fixed = Structure(
        merit=merit,
        economy=economy,
        full_cost_horizon_gbp_m=np.empty(0, CELL),
        pilot_monthly_gbp_m=np.empty(0, CELL),
        running_monthly_gbp_m=running_monthly,
        effect_bed_days=bed_days,
        effect_gbp_m=cash,
        infrastructure_shortfall=shortfall,
        failure_probability=np.empty(0, CELL),
    )
    return recost(fixed, data, pop, scenario, inst)


def recost(structure: Structure, data: EnglandData, pop: TrustInputs, scenario: ScenarioConfig,
           inst: Institutions) -> Structure:
    """The structure with pilot costs and failure set from the current adaptation effort.

    Adaptation effort (and so the pilot price and the chance a pilot fails) falls as
    the open platform collects contributed adaptations; the rest of the structure
    changes only when trusts merge.

    Args:
        structure: The structure to update (its fixed part is reused).
        data: Trusts, ICBs and the innovation catalogue.
        pop: Current population, for the adaptation need (R, I).
        scenario: Scenario parameters.
        inst: Institutional settings (vendor prices).

    Returns:
        A new structure sharing the fixed part.
    """
    innov = data.innovations
    horizon = scenario.diffusion.planning_horizon_months
    duration = innov.pilot_duration_months
    pilot_full = innov.pilot_cost_gbp_m * inst.vendor_pilot_factor * (1.0 + pop.adaptation_need)
    per_month = (pilot_full / duration).astype(CELL)[:, None, :]
    pilot_monthly = structure.economy.astype(CELL)[..., None] * per_month
    running_months = np.maximum(horizon - duration, 0).astype(CELL)
    full_cost = pilot_monthly * duration.astype(CELL) + \
        structure.running_monthly_gbp_m * running_months
    bar = scenario.barriers
    by_innovation = bar.base_pilot_failure + bar.complexity_failure * (
        innov.complexity * pop.adaptation_need)
    failure = by_innovation.astype(CELL)[:, None, :] + 0.5 * structure.infrastructure_shortfall
    return dataclasses.replace(structure, full_cost_horizon_gbp_m=full_cost,
                               pilot_monthly_gbp_m=pilot_monthly,
                               failure_probability=np.clip(failure, 0.0, 1.0))


def compute_economics(
    data: EnglandData, structure: Structure, scenario: ScenarioConfig, inst: Institutions,
    rows: np.ndarray | None = None,
) -> Economics:
    """Apply who pays (national programmes, ICB funds) and the bonuses to the structure.

    Args:
        data: Trusts, ICBs and the innovation catalogue.
        structure: The structural matrices.
        scenario: Scenario parameters.
        inst: Current institutional decisions.
        rows: Trust rows the structure holds (all if None).

    Returns:
        The economics the trusts decide on.
    """
    innov, icb = data.innovations, data.trusts.icb[slice(None) if rows is None else rows]
    gov = scenario.government
    national = gov.national_subsidy_share * inst.programme_live  # (R, I)
    not_national = (1.0 - national).astype(CELL)[:, None, :]
    priority = inst.icb_priority[..., None] == innov.domain  # (R, K, I)
    supported = priority & inst.icb_fund_open[..., None]
    icb_share = (scenario.icb.scale_up_cost_share * supported).astype(CELL) * not_national
    trust_share = not_national - icb_share
    cost = trust_share[:, icb] * structure.full_cost_horizon_gbp_m

    utility = structure.merit - np.log(np.maximum(cost, TINY))
    utility += (scenario.icb.priority_utility_bonus * priority).astype(CELL)[:, icb]
    mandate = inst.programme_live.copy()
    if inst.quick_win_window:
        mandate &= innov.time_to_benefit_months <= gov.quick_win_months
    utility += (gov.mandate_utility_bonus * mandate).astype(CELL)[:, None, :]
    pilot_trust = structure.pilot_monthly_gbp_m * trust_share[:, icb]
    return Economics(
        utility_base=utility,
        cost_horizon_gbp_m=cost,
        pilot_total_trust_gbp_m=pilot_trust * innov.pilot_duration_months.astype(CELL),
        trust_share=trust_share,
        icb_share=icb_share,
        national_share=national,
    )
