"""Spend caps, the policy search and the robust comparison's measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from abm.config import ConfigError, RunConfig, ScenarioConfig, StrategyConfig, parse_config
from abm.experiments.policy_search import (
    SPEND_CAP,
    TUNING_FIRST_REPLICATION,
    strategy_levers,
    strategy_yaml,
    tune,
    with_levers,
)
from abm.experiments.robust import discovery_boxes, lead, regret_table
from abm.runner import run_batch

SCALER = StrategyConfig(name="scaler_led", scaler={"enabled": True})
PLATFORM = StrategyConfig(name="open_platform", open_platform={"enabled": True})
MERGERS = StrategyConfig(name="consolidation", consolidation={"enabled": True})


def runs_of(strategy: StrategyConfig, months: int = 60) -> pd.DataFrame:
    return run_batch(ScenarioConfig(), strategy, 7, [0, 1, 2, 3], months, trajectories=0).run


@pytest.mark.parametrize("strategy", [PLATFORM, MERGERS])
def test_a_spend_cap_ends_the_programme_once_its_commitments_reach_it(strategy):
    free = runs_of(strategy)
    cap = 0.3 * float(free["strategy_spend_gbp_m"].min())
    capped = runs_of(strategy.model_copy(update={"spend_cap_gbp_m": cap}))
    assert (capped["strategy_spend_gbp_m"] >= cap).all()  # it ends at the cap, not before
    assert (capped["strategy_spend_gbp_m"] < free["strategy_spend_gbp_m"]).all()
    # no more than one month of commitments beyond the cap
    assert (capped["strategy_spend_gbp_m"] < cap + 0.2 * free["strategy_spend_gbp_m"]).all()


def test_a_cap_never_reached_changes_nothing():
    free = runs_of(MERGERS, 36)
    loose = runs_of(MERGERS.model_copy(update={"spend_cap_gbp_m": 1e5}), 36)
    pd.testing.assert_frame_equal(free.drop(columns="strategy"), loose.drop(columns="strategy"))


def test_the_status_quo_commits_nothing_and_has_no_levers():
    assert (runs_of(StrategyConfig(), 24)["strategy_spend_gbp_m"] == 0).all()
    assert strategy_levers(StrategyConfig()) == []


def test_each_strategy_is_tuned_on_its_own_levers_and_cap():
    paths = [p.path for p in strategy_levers(SCALER)]
    assert SPEND_CAP in paths and all(p.startswith(("strategy.scaler.", SPEND_CAP))
                                      for p in paths)
    assert {p.path for p in strategy_levers(MERGERS)} == {
        "strategy.consolidation.mergers_per_year", "strategy.consolidation.max_group_size",
        SPEND_CAP}


def test_an_unknown_lever_is_refused():
    with pytest.raises(ConfigError, match="not a lever"):
        with_levers(SCALER, {"strategy.scaler.learning_exponent": 0.2})


def small_cfg(workers: int = 1) -> RunConfig:
    return parse_config({"months": 24, "workers": workers}, RunConfig)


def test_tuning_is_reproducible_and_never_worse_than_the_default():
    first, history = tune(small_cfg(), MERGERS, "npsv_gbp_m", 6, 2, 3, seed=4)
    again, _ = tune(small_cfg(2), MERGERS, "npsv_gbp_m", 6, 2, 3, seed=4)
    assert first == again  # the same search for any number of workers
    assert history["trial"].tolist() == list(range(6))
    default = history.loc[history["trial"] == 0, "mean_npsv_gbp_m"].item()
    best = history.loc[history["best"], "mean_npsv_gbp_m"].item()
    assert best >= default
    assert first.name == "consolidation_tuned"
    # the search runs replications apart from those a comparison is judged on
    reps = [TUNING_FIRST_REPLICATION, TUNING_FIRST_REPLICATION + 1]
    cap_at_top = MERGERS.model_copy(update={"spend_cap_gbp_m": 1000.0})
    runs = run_batch(ScenarioConfig(), cap_at_top, 20251, reps, 24, trajectories=0).run
    assert default == pytest.approx(runs["npsv_gbp_m"].mean())


def test_a_fixed_cap_is_kept_while_tuning():
    tuned, history = tune(small_cfg(), PLATFORM, "benefit_gbp_m", 3, 1, 3, seed=1,
                          spend_cap=40.0)
    assert tuned.spend_cap_gbp_m == 40.0
    assert (history[SPEND_CAP] == 40.0).all()


def test_a_tuned_config_file_reads_back_as_the_tuned_strategy():
    tuned, _ = tune(small_cfg(), SCALER, "npsv_gbp_m", 3, 1, 3, seed=2)
    text = strategy_yaml(tuned, "note")
    body = yaml.safe_load(text)
    assert body.pop("defaults") == ["/defaults/strategy@_here_", "_self_"]
    assert parse_config(body, StrategyConfig) == tuned


def means_frame() -> pd.DataFrame:
    # futures 0-3; scaler at default and tuned levers
    return pd.DataFrame({"status_quo": [10.0, 10.0, 10.0, 10.0],
                         "scaler_led": [12.0, 9.0, 15.0, 10.0],
                         "consolidation": [11.0, 14.0, 8.0, 9.0],
                         "scaler_led_tuned": [13.0, 9.5, 16.0, 11.0],
                         "consolidation_tuned": [12.0, 15.0, 9.0, 12.0]})


def test_regret_and_satisficing_by_hand():
    table = regret_table(means_frame(), pd.Series(["latin_hypercube"] * 4), margin=0.0)
    default = table[table["levers"] == "default"].set_index("strategy")
    assert default.loc["scaler_led", "mean_regret"] == pytest.approx((0 + 5 + 0 + 0) / 4)
    assert default.loc["consolidation", "max_regret"] == pytest.approx(7.0)
    assert default.loc["scaler_led", "satisficing_share"] == pytest.approx(0.5)
    assert default.loc["status_quo", "best_share"] == pytest.approx(0.25)  # the tie in future 3
    low, high = default.loc["scaler_led", ["satisficing_share_low", "satisficing_share_high"]]
    assert low < 0.5 < high
    tuned = table[table["levers"] == "tuned"].set_index("strategy")
    assert tuned.loc["consolidation", "satisficing_share"] == pytest.approx(0.75)


def test_lead_over_the_best_other():
    means = means_frame()
    led = lead(means, "scaler_led", ["status_quo", "scaler_led", "consolidation"])
    assert led.tolist() == [1.0, -5.0, 5.0, 0.0]


def test_discovery_boxes_cover_failures_and_wins():
    rng = np.random.default_rng(0)
    points = pd.DataFrame({"scenario.x": rng.random(40), "scenario.y": rng.random(40)})
    means = pd.DataFrame({"status_quo": np.zeros(40),
                          "scaler_led": np.where(points["scenario.x"] > 0.5, 1.0, -1.0)})
    boxes = discovery_boxes(points, means, 0.0, 2)
    fails = boxes[boxes["judged"] == "fails"]
    assert fails["share_of_futures"].iloc[0] == pytest.approx((points["scenario.x"] <= 0.5).mean())
    assert fails.iloc[0]["density"] == 1.0 and "scenario.x <= " in fails.iloc[0]["rule"]


def test_an_objective_the_runs_cannot_measure_is_refused():
    with pytest.raises(ConfigError, match="undefined"):
        tune(small_cfg(), PLATFORM, "embedded_share_y10", 2, 1, 2, seed=1)


def test_regret_on_a_cost_counts_the_cheapest_as_best():
    from abm.experiments.robust import _better_higher

    cost = pd.DataFrame({"status_quo": [5.0, 5.0], "scaler_led": [3.0, 8.0]})
    table = regret_table(_better_higher(cost, "pv_cost_gbp_m"), pd.Series(["lhs", "lhs"]), 0.0)
    scaler = table[table["levers"] == "default"].set_index("strategy").loc["scaler_led"]
    assert scaler["satisficing_share"] == 0.5 and scaler["max_regret"] == 3.0


def test_a_robust_comparison_too_short_for_its_outcomes_is_refused_before_it_runs():
    from abm.experiments.robust import robust_comparison
    from abm.experiments.settings import RobustComparison

    with pytest.raises(ConfigError, match="pareto_objectives: embedded_share_y10"):
        cfg = small_cfg().model_copy(update={"strategies": (StrategyConfig(), SCALER)})
        robust_comparison(cfg, RobustComparison(objective="npsv_gbp_m", robustness_outcomes=()))
