"""The workshop's sliders map to real, validated configuration fields."""

from __future__ import annotations

import pytest

from abm.config import ConfigError, ScenarioConfig, StrategyConfig
from abm.model import NHSReformModel
from abm.workshop import levers as L

REQUIRED = {  # the levers and uncertainties the workshop promises
    "scenario.pressure.occupancy_scale", "scenario.population.risk_aversion_mean",
    "strategy.scaler.deployment_capacity", "strategy.scaler.price_gbp_m",
    "strategy.open_platform.publication_evidence_weight",
    "strategy.open_platform.communication_reach", "strategy.consolidation.mergers_per_year",
    "scenario.government.election_cycle_months", "scenario.icb.pooled_budget_share_mean",
}


def test_every_lever_is_a_documented_field_with_its_default_in_range():
    assert REQUIRED <= set(L.LEVER_BY_PATH)
    for lever in L.LEVERS:
        low, high = lever.bounds
        plausible = lever.field.json_schema_extra["plausible"]
        assert (low, high) == (min(plausible[0], lever.default), max(plausible[1], lever.default))
        assert low <= lever.default <= high and lever.step > 0
        assert lever.description and lever.unit


def test_defaults_reproduce_the_composed_strategy(shipped_strategies):
    for name, strategy in shipped_strategies.items():
        scenario, strat = L.workshop_config(name, L.default_values())
        assert strat == strategy.model_copy(update={"name": name})
        assert scenario == ScenarioConfig()


def test_slider_values_land_in_the_typed_config():
    scenario, strat = L.workshop_config("scaler_led", {
        "strategy.scaler.price_gbp_m": 1.2, "scenario.pressure.occupancy_scale": 1.25,
        "scenario.government.election_cycle_months": 48.0})
    assert isinstance(strat, StrategyConfig) and strat.scaler.enabled
    assert strat.scaler.price_gbp_m == 1.2
    assert scenario.pressure.occupancy_scale == 1.25
    assert scenario.government.election_cycle_months == 48
    assert isinstance(scenario.government.election_cycle_months, int)


@pytest.mark.parametrize(("strategy", "values", "message"), [
    ("status_quo", {"scenario.pressure.occupancy_scale": 9.0},
     "scenario.pressure.occupancy_scale: got 9.0"),
    ("status_quo", {"scenario.population.risk_aversion_mean": -0.1}, "allowed: [0, 1]"),
    ("scaler_led", {"strategy.scaler.deployment_capacity": -3},
     "strategy.scaler.deployment_capacity: got -3"),
    ("scaler_led", {"strategy.scaler.deployment_capacity": 10.5}, "a whole number is needed"),
    ("status_quo", {"scenario.pressure.safe_occupancy_share": 0.9}, "not a workshop lever"),
    ("markets", {}, "strategy: got 'markets'"),
])
def test_bad_values_are_refused_naming_the_field(strategy, values, message):
    with pytest.raises(ConfigError, match=None) as info:
        L.workshop_config(strategy, values)
    assert message in str(info.value)


def test_each_strategy_shows_only_its_own_mechanism_levers():
    assert {lv.mechanism for lv in L.levers_for("status_quo")} == {""}
    assert "strategy.scaler.price_gbp_m" in {lv.path for lv in L.levers_for("scaler_led")}
    assert "strategy.consolidation.mergers_per_year" not in {
        lv.path for lv in L.levers_for("open_platform")}


def test_the_pressure_slider_raises_pressure_in_the_model():
    def mean_pressure(scale: float) -> float:
        scenario, strat = L.workshop_config(
            "status_quo", {"scenario.pressure.occupancy_scale": scale})
        model = NHSReformModel(scenario, strat, rng=5, months=3)
        model.run()
        return float(model.pop.pressure.mean())

    assert mean_pressure(1.3) > mean_pressure(0.8)
