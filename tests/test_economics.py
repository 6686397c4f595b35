"""The compiled per-cell economics equals the rules written as whole-array NumPy.

The engine never stores (replication, trust, innovation) matrices of benefit, cost
or utility: it combines small factors for a cell when a pass needs it. Here the
same rules (ODD section 7, submodel "economics") are written out over whole
arrays, on batches part-way through runs in which trusts have merged, ICB funds
have run dry and the open platform has cut adaptation effort.
"""

import numpy as np
import pytest

from abm.cli import compose_run_config
from abm.config import BASELINE_STRATEGY, default_comparison
from abm.economics import CELL, cell_matrices
from abm.engine import Batch
from abm.population import MONTHS_PER_YEAR
from abm.runner import replication_seed


def _whole_array_economics(batch: Batch) -> dict[str, np.ndarray]:
    """Every cell's economics from the population and institutions, as NumPy arrays."""
    data, scenario, strategy, pop = batch.data, batch.scenario, batch.strategy, batch.pop
    innov, inst, icb = data.innovations, batch.status_quo.payers(), data.trusts.icb
    horizon = scenario.diffusion.planning_horizon_months
    duration = innov.pilot_duration_months
    units = pop.group_size().astype(float)
    volume = 1.0 + (strategy.consolidation.volume_outcome_gain * np.log2(units)).astype(
        CELL)[..., None] * innov.volume_sensitive.astype(CELL)
    shortfall = np.maximum(innov.infrastructure_need.astype(CELL)
                           - pop.digital_maturity.astype(CELL)[..., None], 0)
    scale = data.trusts.size.astype(CELL)[:, None] * volume * (1.0 - shortfall)
    bed_days = innov.effect_bed_days_per_month.astype(CELL) * scale
    cash = (innov.effect_gbp_m_per_year / MONTHS_PER_YEAR).astype(CELL) * scale
    silo = (scenario.barriers.silo_discount * (1.0 - inst.icb_pooled_share[:, icb])).astype(CELL)
    icb_trusts = np.bincount(icb)[icb]
    kept = (strategy.consolidation.spillover_to_icb_trusts_share * (units - 1)
            / np.maximum(icb_trusts - 1, 1)).astype(CELL)  # members' spillovers are the unit's
    own_share = 1.0 - innov.external_benefit_share.astype(CELL) * (silo * (1 - kept))[..., None]
    benefit_months = np.maximum(horizon - duration - innov.time_to_benefit_months, 0)
    per_bed_day = (scenario.finance.cost_per_bed_day_gbp / 1e6 * benefit_months).astype(CELL)
    benefit = (bed_days * per_bed_day + cash * benefit_months.astype(CELL)) * own_share
    merit = np.log(np.maximum(benefit, CELL(1e-9))) - \
        scenario.barriers.infrastructure_penalty * shortfall

    economy = (units ** (strategy.consolidation.scale_economy_exponent - 1.0)).astype(CELL)
    running_full = innov.running_cost_gbp_m_per_year * inst.vendor_running_factor
    running = economy[..., None] * (running_full / MONTHS_PER_YEAR).astype(CELL)
    pilot_full = innov.pilot_cost_gbp_m * inst.vendor_pilot_factor * (1.0 + pop.adaptation_need)
    pilot = economy[..., None] * (pilot_full / duration).astype(CELL)[:, None, :]
    full_cost = pilot * duration.astype(CELL) + \
        running * np.maximum(horizon - duration, 0).astype(CELL)
    bar = scenario.barriers
    by_innovation = bar.base_pilot_failure + bar.complexity_failure * (
        innov.complexity * pop.adaptation_need)
    failure = np.clip(by_innovation.astype(CELL)[:, None, :] + 0.5 * shortfall, 0.0, 1.0)

    gov = scenario.government
    not_national = (1.0 - gov.national_subsidy_share * inst.programme_live).astype(CELL)
    priority = inst.icb_priority[..., None] == innov.domain
    fund_pays = priority & inst.icb_fund_open[..., None]
    icb_share = (scenario.icb.scale_up_cost_share * fund_pays).astype(CELL) * \
        not_national[:, None, :]
    trust_share = (not_national[:, None, :] - icb_share)[:, icb]
    cost = trust_share * full_cost
    utility = merit - np.log(np.maximum(cost, CELL(1e-9)))
    utility += (scenario.icb.priority_utility_bonus * priority).astype(CELL)[:, icb]
    mandate = inst.programme_live.copy()
    if inst.quick_win_window:
        mandate &= innov.time_to_benefit_months <= gov.quick_win_months
    utility += (gov.mandate_utility_bonus * mandate).astype(CELL)[:, None, :]
    return {"utility_base": utility, "cost_horizon_gbp_m": cost,
            # what the trust must meet when it starts: the first financed months (multi-year)
            "pilot_total_trust_gbp_m": pilot * trust_share * np.minimum(
                duration, scenario.finance.financed_months).astype(CELL),
            "pilot_monthly_gbp_m": pilot, "running_monthly_gbp_m": running,
            "effect_bed_days": bed_days, "effect_gbp_m": cash, "failure_probability": failure}


@pytest.mark.parametrize("strategy", [name for name in default_comparison()
                                      if name != BASELINE_STRATEGY])
def test_cell_economics_follow_the_whole_array_rules(strategy: str) -> None:
    cfg = compose_run_config()
    chosen = {s.name: s for s in cfg.strategies}[strategy]
    batch = Batch(cfg.scenario, chosen, [replication_seed(5, r) for r in range(4)]).run(30)
    expected = _whole_array_economics(batch)
    compiled = cell_matrices(batch.economics, batch.icb_of_trust)
    for name, matrix in compiled.items():
        if name == "utility_base":  # NumPy's and the compiled log may differ in the last bit
            np.testing.assert_allclose(matrix, expected[name], rtol=2e-6, atol=2e-6)
        else:  # the same float32 operations in the same order: identical
            np.testing.assert_array_equal(matrix, expected[name], err_msg=name)
    if chosen.consolidation.enabled:
        assert (batch.pop.group_size() > 1).any(), "no merged unit to check"
        group, rows = batch.pop.group, np.arange(batch.pop.n_trusts)
        led = np.stack([(group[r][:, None] == rows).sum(axis=0) for r in range(batch.reps)])
        slowdown = chosen.consolidation.decision_slowdown
        np.testing.assert_allclose(batch.lead_weight, np.maximum(led, 1.0) ** -slowdown,
                                   rtol=1e-6)
    if chosen.open_platform.enabled:
        start = batch.data.innovations.adaptation_need
        assert (batch.pop.adaptation_need < start).any(), "no fall in adaptation effort"
