"""The workshop's sliders map to real, validated configuration fields."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from abm.config import (
    BASELINE_STRATEGY,
    ConfigError,
    ScenarioConfig,
    StrategyConfig,
    Strict,
    mechanisms_on,
    param,
    shipped_strategies,
)
from abm.model import NHSReformModel
from abm.workshop import levers as L

REQUIRED = {  # the levers and uncertainties the workshop promises
    "scenario.pressure.occupancy_scale", "scenario.population.risk_aversion_mean",
    "strategy.scaler.deployment_capacity", "strategy.scaler.price_gbp_m",
    "strategy.open_platform.publication_evidence_weight",
    "strategy.open_platform.communication_reach", "strategy.consolidation.mergers_per_year",
    "scenario.government.election_cycle_months", "scenario.icb.pooled_budget_share_mean",
}


def marked_fields(model: type[BaseModel], prefix: str) -> dict[str, str]:
    """Label by dotted path of every leaf field under ``model`` declared with a workshop label."""
    found = {}
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            found |= marked_fields(field.annotation, f"{prefix}.{name}")
        elif "workshop" in (field.json_schema_extra or {}):
            found[f"{prefix}.{name}"] = field.json_schema_extra["workshop"]
    return found


def test_the_sliders_are_the_fields_marked_for_the_workshop():
    marked = marked_fields(ScenarioConfig, "scenario") | marked_fields(StrategyConfig, "strategy")
    assert {lever.path: lever.label for lever in L.LEVERS} == marked
    assert len(L.LEVERS) == len(marked) == len(L.LEVER_BY_PATH)
    assert all(lever.label for lever in L.LEVERS)
    assert len({lever.label for lever in L.LEVERS}) == len(L.LEVERS)
    assert L.LEVER_BY_PATH["scenario.pressure.occupancy_scale"].label == (
        "Operational pressure (x the cited winter excess)")


def test_a_new_mechanisms_marked_field_is_a_slider():
    class NewMechanismConfig(Strict):
        enabled: bool = False
        budget_gbp_m: float = param(2.0, "A new programme's budget", "GBP m", ge=0.0, le=9.0,
                                    plausible=(1.0, 3.0), workshop="New: budget (GBP m)")
        unmarked: float = param(1.0, "Not a slider", "ratio", plausible=(0.5, 2.0))

    class WithNewMechanism(Strict):
        new_mechanism: NewMechanismConfig = NewMechanismConfig()

    (lever,) = L.marked_levers(WithNewMechanism, "strategy")
    assert (lever.path, lever.label) == ("strategy.new_mechanism.budget_gbp_m",
                                         "New: budget (GBP m)")


def test_a_slider_without_a_plausible_range_is_refused():
    with pytest.raises(ValueError, match="needs a plausible range"):
        param(1.0, "No range", "ratio", workshop="No range")


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
    assert {lv.mechanism for lv in L.levers_for(BASELINE_STRATEGY)} == {""}
    assert "strategy.scaler.price_gbp_m" in {lv.path for lv in L.levers_for("scaler_led")}
    assert "strategy.consolidation.mergers_per_year" not in {
        lv.path for lv in L.levers_for("open_platform")}
    with_sliders = {lv.mechanism for lv in L.LEVERS}
    for name, strategy in shipped_strategies().items():
        shown = {lv.mechanism for lv in L.levers_for(name)}
        assert shown == {"", *mechanisms_on(strategy)} & with_sliders, name


def test_the_pressure_slider_raises_pressure_in_the_model():
    def mean_pressure(scale: float) -> float:
        scenario, strat = L.workshop_config(
            "status_quo", {"scenario.pressure.occupancy_scale": scale})
        model = NHSReformModel(scenario, strat, rng=5, months=3)
        model.run()
        return float(model.pop.pressure.mean())

    assert mean_pressure(1.3) > mean_pressure(0.8)
