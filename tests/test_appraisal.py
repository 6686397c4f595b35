"""The appraisal: Green Book discounting, payers, residual value, NPSV and BCR."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from abm.appraisal import (
    COLUMNS,
    appraise,
    monthly_discount,
    residual_factor,
    yearly_discount,
)
from abm.config import ConfigError, ScenarioConfig, StrategyConfig, parse_config
from abm.mechanisms import FLOW_NAMES
from abm.runner import run_batch
from abm.summary import appraisal_table, format_appraisal, value_for_money


def scenario(**appraisal) -> ScenarioConfig:
    return parse_config({"appraisal": appraisal}, ScenarioConfig)


def test_year_factors_follow_the_green_book_schedule():
    factors = yearly_discount(40, 0.035, 0.03)
    assert factors[0] == 1.0
    assert factors[10] == pytest.approx(1.035 ** -10)
    assert factors[30] == pytest.approx(1.035 ** -30)
    assert factors[31] == pytest.approx(1.035 ** -30 / 1.03)
    assert factors[39] == pytest.approx(1.035 ** -30 / 1.03 ** 9)


def test_months_of_a_year_share_its_factor():
    factors = monthly_discount(36, 0.035, 0.03)
    assert (factors[:12] == 1.0).all()
    assert factors[12:24] == pytest.approx(np.full(12, 1 / 1.035))
    later = monthly_discount(12, 0.035, 0.03, first_month=24)
    assert later == pytest.approx(factors[24:])


def test_residual_value_without_decay_or_discount_is_the_months_kept():
    assert residual_factor(120, 5.0, 0.0, 0.0, 0.0) == pytest.approx(60.0)
    assert residual_factor(120, 0.0, 0.3, 0.035, 0.03) == 0.0
    assert residual_factor(120, 5.0, 0.3, 0.035, 0.03) < residual_factor(120, 5.0, 0.0, 0.035,
                                                                         0.03)


def _flows(reps: int, months: int, values: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[i % len(values)] * np.ones((reps, months))
            for i, name in enumerate(FLOW_NAMES)}


@settings(max_examples=60, deadline=None)
@given(values=arrays(np.float64, len(FLOW_NAMES), elements=st.floats(0.0, 50.0)),
       months=st.integers(1, 130), rate=st.floats(0.0, 0.1), years=st.floats(0.0, 20.0))
def test_npsv_is_benefit_less_cost_and_payers_add_up(values, months, rate, years):
    columns = appraise(_flows(2, months, values),
                       scenario(discount_rate=rate, discount_rate_after_30_years=rate,
                                persistence_years=years))
    assert set(columns) == set(COLUMNS)
    cost = (columns["pv_cost_trust_gbp_m"] + columns["pv_cost_icb_gbp_m"]
            + columns["pv_cost_national_gbp_m"])
    assert columns["pv_cost_gbp_m"] == pytest.approx(cost)
    assert columns["npsv_gbp_m"] == pytest.approx(columns["pv_benefit_gbp_m"] - cost)
    undiscounted = sum(values[FLOW_NAMES.index(n)] for n in (
        "spend_trust_gbp_m", "spend_icb_gbp_m", "spend_national_gbp_m",
        "spend_transition_gbp_m")) * months
    assert (columns["pv_cost_gbp_m"] <= undiscounted + 1e-9).all()  # discounting never adds
    assert (columns["npsv_optimism_bias_gbp_m"] <= columns["npsv_gbp_m"] + 1e-9).all()


def test_at_zero_rates_and_no_persistence_npsv_is_the_runs_net_benefit():
    flat = scenario(discount_rate=0.0, discount_rate_after_30_years=0.0, persistence_years=0.0)
    strategy = StrategyConfig(name="consolidation", consolidation={"enabled": True})
    runs = run_batch(flat, strategy, 5, [0, 1, 2], 36, trajectories=0).run
    assert runs["npsv_gbp_m"].to_numpy() == pytest.approx(runs["net_benefit_gbp_m"].to_numpy())
    assert (runs["pv_residual_value_gbp_m"] == 0).all()
    assert (runs["pv_cost_gbp_m"].to_numpy() == pytest.approx(runs["spend_gbp_m"].to_numpy()))


def test_discounting_lowers_present_values_of_a_real_run():
    strategy = StrategyConfig(name="scaler_led", scaler={"enabled": True})
    runs = run_batch(scenario(persistence_years=0.0), strategy, 5, [0, 1], 36,
                     trajectories=0).run
    assert (runs["pv_cost_gbp_m"] < runs["spend_gbp_m"]).all()
    assert (runs["pv_benefit_gbp_m"] <= runs["benefit_gbp_m"] + runs["saving_gbp_m"]).all()


def test_longer_persistence_counts_more_residual_value():
    strategy = StrategyConfig()
    short = run_batch(scenario(persistence_years=2.0), strategy, 5, [0, 1], 36,
                      trajectories=0).run
    long = run_batch(scenario(persistence_years=8.0), strategy, 5, [0, 1], 36,
                     trajectories=0).run
    assert (long["pv_residual_value_gbp_m"] > short["pv_residual_value_gbp_m"]).all()
    assert (long["pv_cost_gbp_m"] == short["pv_cost_gbp_m"]).all()  # costs end with the run


def test_value_for_money_categories():
    assert value_for_money(0.5) == "poor"
    assert value_for_money(1.2) == "low"
    assert value_for_money(1.7) == "medium"
    assert value_for_money(3.0) == "high"
    assert value_for_money(float("nan")) == "n/a"


def test_the_printed_appraisal_pairs_strategies_with_the_status_quo():
    base = ScenarioConfig()
    parts = [run_batch(base, s, 3, [0, 1, 2], 24, trajectories=0).run for s in (
        StrategyConfig(), StrategyConfig(name="scaler_led", scaler={"enabled": True}))]
    import pandas as pd

    runs = pd.concat(parts, ignore_index=True)
    table = appraisal_table(runs)
    scaler = table.set_index("strategy").loc["scaler_led"]
    paired = (parts[1]["npsv_gbp_m"] - parts[0]["npsv_gbp_m"]).mean()
    assert scaler["extra_npsv_gbp_m"] == pytest.approx(paired)
    from abm.config import RunConfig

    text = format_appraisal(table, parse_config({}, RunConfig))
    assert "Against the status quo" in text and "scaler_led" in text


@pytest.mark.parametrize("bad", [{"discount_rate": -0.01}, {"persistence_years": 100},
                                 {"price_base_year": 2019}, {"optimism_bias": -1}])
def test_bad_appraisal_settings_are_refused(bad):
    with pytest.raises(ConfigError, match="appraisal"):
        scenario(**bad)
