"""The trust's view of each innovation: benefit to itself, cost to itself, effect.

These (trust x innovation) matrices change only when an institution acts
(a programme starts or ends, an ICB fund runs dry, trusts merge, the open
platform lowers adaptation effort), so the model recomputes them on those
events instead of every month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import ScenarioConfig, StrategyConfig
from .inputs import EnglandData
from .population import MONTHS_PER_YEAR, Population

TINY = 1e-9


@dataclass
class Structure:
    """What changes only when trusts merge or adaptation effort falls (R, T, I arrays)."""

    log_benefit: np.ndarray  # log of the trust's own benefit over its horizon, GBP m
    full_cost_horizon_gbp_m: np.ndarray  # cost over the horizon before subsidies
    pilot_monthly_gbp_m: np.ndarray  # full monthly pilot cost (all payers)
    running_monthly_gbp_m: np.ndarray  # full monthly running cost once embedded
    effect_bed_days: np.ndarray  # bed days saved a month once benefit is realised
    effect_gbp_m: np.ndarray  # cash saving a month once realised
    infrastructure_shortfall: np.ndarray
    failure_probability: np.ndarray  # chance a completed pilot fails (unsupported)


@dataclass
class Economics:
    """Who pays and the resulting utility (R, T, I arrays; ``national_share`` is (R, I))."""

    utility_base: np.ndarray  # log benefit-cost ratio plus bonuses and penalties
    cost_horizon_gbp_m: np.ndarray  # trust's own cost over its planning horizon
    pilot_total_trust_gbp_m: np.ndarray  # the trust's share of the whole pilot's cost
    trust_share: np.ndarray  # share of cost the trust pays
    icb_share: np.ndarray  # share the ICB fund pays
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

    def take(self, reps: np.ndarray) -> Institutions:
        """The decisions of replications ``reps`` only."""
        return Institutions(
            self.programme_live[reps], self.quick_win_window, self.icb_priority[reps],
            self.icb_fund_open[reps], self.icb_pooled_share[reps], self.vendor_pilot_factor,
            self.vendor_running_factor)


def volume_multiplier(group_size: np.ndarray, gain: float, sensitive: np.ndarray) -> np.ndarray:
    """Volume-outcome gain: effect x (1 + gain x log2(group size)) where volume matters."""
    return 1.0 + gain * np.log2(group_size)[..., None] * sensitive


def compute_structure(
    data: EnglandData, pop: Population, scenario: ScenarioConfig, strategy: StrategyConfig,
    inst: Institutions,
) -> Structure:
    """Benefit, cost and effect of each innovation for each trust, before subsidies.

    Args:
        data: Trusts, ICBs and the innovation catalogue.
        pop: Current population (groups, maturity, adaptation need).
        scenario: Scenario parameters.
        strategy: Strategy parameters.
        inst: Institutional settings (pooled budgets and vendor prices are used here).

    Returns:
        The structural matrices.
    """
    innov, trusts = data.innovations, data.trusts
    horizon = scenario.diffusion.planning_horizon_months
    group_size = pop.group_size().astype(float)  # (R, T)
    size = trusts.size[:, None]

    volume = volume_multiplier(group_size, strategy.consolidation.volume_outcome_gain,
                               innov.volume_sensitive)
    bed_days = innov.effect_bed_days_per_month * size * volume
    cash = innov.effect_gbp_m_per_year / MONTHS_PER_YEAR * size * volume
    shortfall = np.maximum(innov.infrastructure_need - pop.digital_maturity[..., None], 0)
    fit = 1.0 - shortfall  # a poor infrastructure fit delivers less of the effect
    bed_days, cash = bed_days * fit, cash * fit
    value_per_month = bed_days * scenario.finance.cost_per_bed_day_gbp / 1e6 + cash

    silo = scenario.barriers.silo_discount * (1.0 - inst.icb_pooled_share[:, trusts.icb])
    own_share = 1.0 - innov.external_benefit_share * silo[..., None]
    benefit_months = np.maximum(
        horizon - innov.pilot_duration_months - innov.time_to_benefit_months, 0)
    benefit = value_per_month * own_share * benefit_months

    economy = group_size ** (strategy.consolidation.scale_economy_exponent - 1.0)
    adaptation = 1.0 + pop.adaptation_need  # (R, I)
    pilot_full = innov.pilot_cost_gbp_m * inst.vendor_pilot_factor * adaptation
    running_full = innov.running_cost_gbp_m_per_year * inst.vendor_running_factor
    pilot_monthly = economy[..., None] * (pilot_full / innov.pilot_duration_months)[:, None, :]
    running_monthly = economy[..., None] * (running_full / MONTHS_PER_YEAR)
    running_months = np.maximum(horizon - innov.pilot_duration_months, 0)
    full_cost = (pilot_monthly * innov.pilot_duration_months
                 + running_monthly * running_months)

    bar = scenario.barriers
    failure = bar.base_pilot_failure + bar.complexity_failure * (
        innov.complexity * pop.adaptation_need)[:, None, :] + 0.5 * shortfall
    return Structure(
        log_benefit=np.log(np.maximum(benefit, TINY)),
        full_cost_horizon_gbp_m=full_cost,
        pilot_monthly_gbp_m=pilot_monthly,
        running_monthly_gbp_m=running_monthly,
        effect_bed_days=bed_days,
        effect_gbp_m=cash,
        infrastructure_shortfall=shortfall,
        failure_probability=np.clip(failure, 0.0, 1.0),
    )


def compute_economics(
    data: EnglandData, structure: Structure, scenario: ScenarioConfig, inst: Institutions,
) -> Economics:
    """Apply who pays (national programmes, ICB funds) and the bonuses to the structure.

    Args:
        data: Trusts, ICBs and the innovation catalogue.
        structure: The structural matrices.
        scenario: Scenario parameters.
        inst: Current institutional decisions.

    Returns:
        The economics the trusts decide on.
    """
    innov, icb = data.innovations, data.trusts.icb
    gov = scenario.government
    national = gov.national_subsidy_share * inst.programme_live  # (R, I)
    priority = inst.icb_priority[:, icb, None] == innov.domain
    icb_share = (scenario.icb.scale_up_cost_share * priority
                 * inst.icb_fund_open[:, icb, None]) * (1.0 - national[:, None, :])
    trust_share = 1.0 - national[:, None, :] - icb_share
    cost = trust_share * structure.full_cost_horizon_gbp_m

    utility = structure.log_benefit - np.log(np.maximum(cost, TINY))
    utility -= scenario.barriers.infrastructure_penalty * structure.infrastructure_shortfall
    utility += scenario.icb.priority_utility_bonus * priority
    mandate = inst.programme_live.copy()
    if inst.quick_win_window:
        mandate &= innov.time_to_benefit_months <= gov.quick_win_months
    utility += gov.mandate_utility_bonus * mandate[:, None, :]
    return Economics(
        utility_base=utility,
        cost_horizon_gbp_m=cost,
        pilot_total_trust_gbp_m=structure.pilot_monthly_gbp_m * trust_share
        * data.innovations.pilot_duration_months,
        trust_share=trust_share,
        icb_share=icb_share,
        national_share=national,
    )
