"""Designs that follow the strategy: a parameter is sampled for a strategy only where it acts.

Each mechanism's setting says where it acts (``acts`` in its field metadata): only
when its mechanism is on, or in every strategy (how every merger works, background
mergers included). The tests check the metadata against what the code does (a
setting said not to act changes no number; one said to act in every strategy
changes the status quo's), that a strategy's design drops exactly the settings of
the mechanisms it leaves off, and that the experiments' shared designs run each
strategy only at its own distinct points, number for number.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from pydantic import Field

from abm.config import (
    MECHANISMS,
    ConfigError,
    RunConfig,
    StrategyConfig,
    Strict,
    param,
    parameters,
    plausible_parameters,
    shipped_strategies,
    with_values,
)
from abm.experiments import discovery, samples, space
from abm.experiments.policy_search import strategy_levers
from abm.fields import ALWAYS, UNCERTAIN, WHEN_ON
from abm.runner import run_batch

BASE_STRATEGIES = ("status_quo", "scaler_led", "open_platform", "consolidation")


def _runs(strategy: StrategyConfig, values: dict[str, float], months: int = 61,
          scenario: dict[str, float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    cfg = with_values(RunConfig(strategies=(strategy,)), {**(scenario or {}), **values})
    tables = run_batch(cfg.scenario, cfg.strategies[0], 1, [0, 1], months)
    return tables.run, tables.steps


def test_without_a_strategy_the_lists_are_every_uncertainty_and_every_lever():
    strategy = plausible_parameters(StrategyConfig, "strategy.", "lever")
    assert space.uncertainties() == space.uncertainties(None)
    assert space.levers() == space.levers(None) == [p for p in strategy if p.kind == "lever"]
    mechanisms = [p for p in space.uncertainties() if p.path.startswith("strategy.")]
    assert mechanisms == [p for p in strategy if p.kind == UNCERTAIN]
    assert len(space.uncertainties()) == 89 and len(space.levers()) == 7


def test_every_mechanism_setting_says_where_it_acts():
    for name, field in StrategyConfig.model_fields.items():
        blocks = [(f"strategy.{name}.{key}", inner) for key, inner
                  in field.annotation.model_fields.items()] if name in MECHANISMS else [
            (f"strategy.{name}", field)]
        for path, inner in blocks:
            extra = inner.json_schema_extra or {}
            if "plausible" in extra:
                assert extra.get("acts") in (WHEN_ON, ALWAYS), path


@pytest.mark.parametrize("name", BASE_STRATEGIES)
def test_a_strategy_gets_none_of_the_on_only_settings_of_a_mechanism_it_leaves_off(name):
    strategy = shipped_strategies()[name]
    design = {p.path for p in space.uncertainties(strategy) + space.levers(strategy)}
    for mechanism in MECHANISMS:
        block = [p for p in parameters() if p.path.startswith(f"strategy.{mechanism}.")]
        on_only = {p.path for p in block if p.needs}
        if getattr(strategy, mechanism).enabled:
            assert {p.path for p in block} <= design, mechanism
        else:
            assert not on_only & design, mechanism
            assert {p.path for p in block if not p.needs} <= design, "acts in every strategy"
    scenario = {p.path for p in space.uncertainties() if p.path.startswith("scenario.")}
    assert scenario <= design
    assert ("strategy.spend_cap_gbp_m" in design) == (name != "status_quo")


def test_how_every_merger_works_stays_in_every_design_the_programme_rate_does_not():
    status_quo = {p.path for p in space.uncertainties("status_quo") + space.levers("status_quo")}
    assert "strategy.consolidation.back_office_saving_share" in status_quo
    assert "strategy.consolidation.max_group_size" in status_quo
    assert "strategy.consolidation.mergers_per_year" not in status_quo
    assert "strategy.consolidation.mergers_per_year" in {p.path for p in
                                                         space.levers("consolidation")}


def test_a_strategy_is_named_or_given():
    assert space.uncertainties("scaler_led") == space.uncertainties(
        shipped_strategies()["scaler_led"])
    with pytest.raises(ConfigError, match="no_such_strategy"):
        space.levers("no_such_strategy")


class ForecasterConfig(Strict):
    """A mechanism that does not exist: a national demand forecaster."""

    enabled: bool = Field(False, description="Whether the forecaster runs")
    accuracy: float = param(0.5, "How well it forecasts", "share", ge=0.0, le=1.0,
                            plausible=(0.2, 0.8), kind=UNCERTAIN, acts=WHEN_ON)
    budget_gbp_m: float = param(3.0, "What it costs", "GBP m", ge=0.0, le=100.0,
                                plausible=(1.0, 9.0), acts=WHEN_ON)
    shared_data: float = param(0.3, "Data it shares in every strategy", "share", ge=0.0,
                               le=1.0, plausible=(0.1, 0.5), kind=UNCERTAIN, acts=ALWAYS)


class WithForecaster(StrategyConfig):
    """A strategy config with the hypothetical mechanism's block."""

    forecaster: ForecasterConfig = ForecasterConfig()


def test_a_new_mechanisms_on_only_settings_are_dropped_where_it_is_off(monkeypatch):
    catalogue = tuple(plausible_parameters(WithForecaster, "strategy.", "lever"))
    monkeypatch.setattr(space, "parameters", lambda: catalogue)
    off, on = WithForecaster(), WithForecaster(forecaster={"enabled": True})
    paths = lambda params: {p.path for p in params}  # noqa: E731
    assert "strategy.forecaster.accuracy" not in paths(space.uncertainties(off))
    assert "strategy.forecaster.shared_data" in paths(space.uncertainties(off))
    assert "strategy.forecaster.accuracy" in paths(space.uncertainties(on))
    assert paths(space.levers(off)) & {"strategy.forecaster.budget_gbp_m",
                                       "strategy.spend_cap_gbp_m"} == set()
    assert {"strategy.forecaster.budget_gbp_m", "strategy.spend_cap_gbp_m"} <= paths(
        space.levers(on)), "the spend cap acts once any mechanism is on"
    assert "strategy.forecaster.accuracy" in paths(space.uncertainties(None))


@pytest.mark.parametrize("name", BASE_STRATEGIES)
def test_a_setting_that_does_not_act_under_a_strategy_changes_none_of_its_numbers(name):
    strategy = shipped_strategies()[name]
    idle = [p for p in parameters() if not space.acts_under(p, strategy)]
    assert idle
    low = _runs(strategy, {p.path: p.low for p in idle})
    high = _runs(strategy, {p.path: p.high for p in idle})
    for a, b in zip(low, high, strict=True):
        pd.testing.assert_frame_equal(a, b)
    own = [p for p in parameters() if p.needs and space.acts_under(p, strategy)]
    if own:  # and the settings it switches on do act
        moved = _runs(strategy, {p.path: p.high for p in own})
        assert not low[0].equals(moved[0])


@pytest.mark.parametrize("parameter", [p for p in parameters()
                                       if p.path.startswith("strategy.") and not p.needs],
                         ids=lambda p: p.path.rsplit(".", 1)[-1])
def test_a_setting_that_acts_in_every_strategy_moves_the_status_quo(parameter):
    busy = {"scenario.icb.background_mergers_per_year": 5.0}  # background mergers only
    status_quo = shipped_strategies()["status_quo"]
    low = _runs(status_quo, {parameter.path: parameter.low}, 120, busy)[0]
    high = _runs(status_quo, {parameter.path: parameter.high}, 120, busy)[0]
    assert not low.equals(high)


def test_each_strategy_runs_only_at_its_own_points_with_the_same_numbers():
    rate, price = "scenario.diffusion.decision_rate_per_month", "strategy.scaler.price_gbp_m"
    points = [{rate: 0.1, price: 0.4}, {rate: 0.1, price: 1.2}, {rate: 0.2, price: 0.4}]
    names = ("status_quo", "scaler_led")
    cfg = RunConfig(replications=2, months=36, workers=1,
                    strategies=tuple(shipped_strategies()[n] for n in names))
    assert samples.same_runs(points, cfg.strategies[0]) == [0, 0, 2]
    assert samples.same_runs(points, cfg.strategies[1]) == [0, 1, 2]
    runs = samples.run_points(cfg, points)
    for i, point in enumerate(points):
        at = with_values(cfg, point)
        for strategy in at.strategies:
            expected = run_batch(at.scenario, strategy, at.seed, [0, 1], at.months,
                                 trajectories=0).run
            got = runs[(runs["point"] == i) & (runs["strategy"] == strategy.name)]
            pd.testing.assert_frame_equal(got[expected.columns].reset_index(drop=True),
                                          expected)


def test_a_tree_of_where_a_strategy_fails_splits_only_on_what_acts_under_it():
    rng = np.random.default_rng(0)
    pressure, price = "scenario.pressure.occupancy_scale", "strategy.scaler.price_gbp_m"
    points = pd.DataFrame({pressure: rng.random(200), price: rng.random(200)})
    failed = (points[price] > 0.5).to_numpy()
    by_name = shipped_strategies()
    pair = lambda name: [by_name[name], by_name["status_quo"]]  # noqa: E731
    assert price in discovery.own_boxes(points, failed, 2, pair("scaler_led"))["rule"].iloc[0]
    assert not discovery.own_boxes(points, failed, 2, pair("consolidation"))["rule"].str.contains(
        price).any()
    only_price = discovery.own_boxes(points[[price]], failed, 2, pair("consolidation"))
    assert only_price["rule"].tolist() == ["all conditions"]


def test_the_design_table_lists_each_strategys_own_design():
    strategies = tuple(shipped_strategies()[n] for n in BASE_STRATEGIES)
    shared = space.shared(space.uncertainties(), strategies)
    assert shared == space.uncertainties(), "the four strategies together use every one"
    table = space.design_table("morris", [p.path for p in shared], strategies)
    acting = table[table["acts"]].groupby("strategy", sort=False)["parameter"].apply(list)
    for strategy in strategies:
        assert acting[strategy.name] == [p.path for p in space.uncertainties(strategy)]
    assert acting.map(len).to_dict() == {"status_quo": 71, "scaler_led": 78,
                                         "open_platform": 82, "consolidation": 71}


@pytest.mark.parametrize("name", [*BASE_STRATEGIES, "scaler_open_platform"])
def test_the_policy_search_tunes_only_levers_of_the_strategys_own_design(name):
    strategy = shipped_strategies()[name]
    assert set(map(id, strategy_levers(strategy))) <= set(map(id, space.levers(strategy)))


def test_the_runner_and_the_posterior_apply_values_without_the_experiments():
    code = ("import sys, abm.runner, abm.posterior, abm.cli; "
            "sys.exit(any(m.startswith('abm.experiments') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    assert space.with_values is with_values
