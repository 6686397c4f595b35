"""Each mechanism's costs and limits, and the cures and trends every strategy shares.

* Cheaper communication widens every strategy's peers year by year.
* The open platform: publishing and reading take digital maturity, pressured
  trusts document less (free-riding), shared adaptations stop at a floor, and
  each trust pays to take part.
* Shared ownership cures hero dependency in merged units (group governance) and
  on the platform (its community); merged units shield capacity from pressure.
* The scaler's overstated track record makes boards accept more of its offers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.config import (
    ConsolidationConfig,
    OpenPlatformConfig,
    ScalerConfig,
    ScenarioConfig,
    StrategyConfig,
)
from abm.engine import Batch
from abm.experiments import space
from abm.mechanisms import FLOWS
from abm.runner import replication_seed

SEEDS = [replication_seed(31, r) for r in range(4)]
BASE = ScenarioConfig()


def _scenario(**values: float) -> ScenarioConfig:
    return space.with_values(_run_config(), values).scenario


def _run_config():
    from abm.cli import compose_run_config
    return compose_run_config()


def _platform(**settings_: float) -> StrategyConfig:
    return StrategyConfig(name="open_platform",
                          open_platform=OpenPlatformConfig(enabled=True, **settings_))


def _consolidation(**settings_: float) -> StrategyConfig:
    return StrategyConfig(name="consolidation",
                          consolidation=ConsolidationConfig(enabled=True, **settings_))


@pytest.mark.parametrize("strategy", [StrategyConfig(), _platform()], ids=["status_quo", "open"])
def test_cheaper_communication_moves_peer_weight_to_england_each_year(strategy) -> None:
    batch = Batch(BASE, strategy, SEEDS[:1])
    local_at_start = sum(batch.peer_weights())
    batch.month = 60
    local_later = sum(batch.peer_weights())
    reach = BASE.diffusion.communication_reach_per_year
    assert local_later == pytest.approx(local_at_start * (1 - reach) ** 5)
    still = Batch(_scenario(**{"scenario.diffusion.communication_reach_per_year": 0.0}),
                  strategy, SEEDS[:1])
    still.month = 60
    assert sum(still.peer_weights()) == pytest.approx(local_at_start)


def test_publishing_and_reading_take_digital_maturity() -> None:
    batch = Batch(BASE, _platform(), SEEDS).run(1)
    platform = batch.mechanisms["open_platform"]
    maturity = batch.pop.digital_maturity
    needed = OpenPlatformConfig().publishing_maturity
    np.testing.assert_allclose(platform.reading, np.minimum(maturity / needed, 1.0))
    assert (platform.reading < 1).any() and (platform.reading == 1).any()
    low = maturity < needed
    assert (platform.contribution[low] < platform.reading[low] + 1e-12).all()


@settings(max_examples=40, derandomize=True, deadline=None)
@given(drop=st.floats(0.0, 1.0), months=st.integers(1, 6))
def test_pressured_trusts_document_less_of_what_they_pilot(drop: float, months: int) -> None:
    """Free-riding: documentation falls with pressure; reading does not."""
    batch = Batch(BASE, _platform(documentation_dropped_under_pressure=drop), SEEDS[:2])
    batch.run(months)
    platform = batch.mechanisms["open_platform"]
    expected = platform.reading * (1 - drop * batch.pop.pressure)
    np.testing.assert_allclose(platform.contribution, expected)
    assert (platform.contribution <= platform.reading + 1e-12).all()


def test_shared_adaptations_stop_at_the_floor() -> None:
    for floor in (0.0, 0.5, 1.0):
        batch = Batch(BASE, _platform(adaptation_floor=floor, contributed_adaptation_rate=0.5),
                      SEEDS[:2]).run(48)
        start = batch.mechanisms["open_platform"].need_at_start
        need = batch.pop.adaptation_need
        assert (need >= floor * start - 1e-12).all()
        assert (need <= start + 1e-12).all()
        if floor == 1.0:
            np.testing.assert_allclose(need, start)
        else:
            assert (need < start - 1e-9).any(), "published adaptations should cut the need"


def test_trusts_pay_to_take_part_in_the_platform() -> None:
    def trusts_spend(cost: float) -> float:
        batch = Batch(BASE, _platform(trust_cost_gbp_m_per_year=cost), SEEDS).run(24)
        return float(batch.recorded()["flows"][:, :, FLOWS.index("spend_trust_gbp_m")].sum())

    assert trusts_spend(0.5) > trusts_spend(0.0)


def test_shared_ownership_cuts_the_fade_of_championless_pilots() -> None:
    consolidation = Batch(BASE, _consolidation(mergers_per_year=60, group_governance_share=0.5),
                          SEEDS).run(24)
    merged = consolidation.unit_trusts > 1
    assert merged.any()
    fade = consolidation.ending_terms().fade_no_champion
    alone = BASE.barriers.hero_fade_per_month * ~consolidation.pop.champion
    np.testing.assert_allclose(fade[merged], 0.5 * alone[merged], rtol=1e-6)
    np.testing.assert_allclose(fade[~merged], alone[~merged], rtol=1e-6)

    platform = Batch(BASE, _platform(community_ownership_share=0.4), SEEDS).run(3)
    fade = platform.ending_terms().fade_no_champion
    reading = platform.mechanisms["open_platform"].reading
    alone = BASE.barriers.hero_fade_per_month * ~platform.pop.champion
    own_board = platform.unit_trusts == 1  # background mergers bring group governance too
    np.testing.assert_allclose(fade[own_board], (alone * (1 - 0.4 * reading))[own_board],
                               rtol=1e-6)


def test_merged_units_shield_capacity_from_pressure() -> None:
    def capacity_terms(shielding: float):
        batch = Batch(BASE, _consolidation(mergers_per_year=60,
                                           winter_shielding_share=shielding), SEEDS).run(24)
        return batch, batch.capacity_terms()

    batch, terms = capacity_terms(0.4)
    merged = batch.unit_trusts > 1
    assert merged.any()
    np.testing.assert_allclose(terms.pressure_loss_factor, np.where(merged, 0.6, 1.0))
    unshielded = capacity_terms(0.0)[1].pressure_loss_factor
    np.testing.assert_allclose(unshielded, 1.0)


def test_an_overstated_track_record_wins_more_deployments() -> None:
    def deployments(overstatement: float) -> float:
        strategy = StrategyConfig(name="scaler_led", scaler=ScalerConfig(
            enabled=True, track_record_overstatement=overstatement))
        seeds = [replication_seed(41, r) for r in range(16)]
        batch = Batch(BASE, strategy, seeds).run(60)
        flows = batch.recorded()["flows"]
        return float(flows[:, :, FLOWS.index("scaler_deployments_started")].sum())

    assert deployments(0.5) > deployments(0.0)


def test_the_scalers_sales_approach_makes_boards_aware_only_as_far_as_it_reaches() -> None:
    from abm.population import UNAWARE

    def unaware_module_cells(reach: float) -> int:
        strategy = StrategyConfig(name="scaler_led", scaler=ScalerConfig(
            enabled=True, approach_awareness_share=reach))
        batch = Batch(BASE, strategy, SEEDS).run(24)
        modules = batch.mechanisms["scaler"].module_columns
        state = batch.pop.state[:, :, modules]
        return int(((state == UNAWARE) & batch.pop.relevant[:, modules]).sum())

    none, half, full = (unaware_module_cells(r) for r in (0.0, 0.5, 1.0))
    assert none > half > full


def test_a_merged_unit_keeps_the_spillovers_that_land_on_its_members() -> None:
    strategy = _consolidation(mergers_per_year=60, spillover_to_icb_trusts_share=0.4)
    batch = Batch(BASE, strategy, SEEDS).run(24)
    kept, units = batch.economics.internalised, batch.unit_trusts
    assert (kept[units == 1] == 0).all()
    icb_trusts = np.bincount(batch.icb_of_trust)[batch.icb_of_trust]
    np.testing.assert_allclose(kept, 0.4 * (units - 1) / np.maximum(icb_trusts - 1, 1),
                               rtol=1e-6)
    assert (kept[units > 1] > 0).all() and (kept <= 0.4 + 1e-6).all()
