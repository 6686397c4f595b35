"""Outcomes that count outcomes: benefit realised, savings apart, and its spread over ICBs.

* The ICBs' benefits add up to England's every month, and the per-run totals to the
  monthly flows; net benefit is benefit + saving - spend.
* The lowest fifth of ICBs by benefit per head lies between the least and the mean,
  and the Gini is in [0, 1) wherever no ICB was harmed (NaN where one was).
* Savings come from mergers only: none in a status quo without background mergers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from abm.cli import compose_run_config
from abm.collect import benefit_distribution
from abm.config import StrategyConfig
from abm.experiments import space
from abm.runner import run_replication

STRATEGIES = {s.name: s for s in compose_run_config().strategies}


@pytest.fixture(scope="module")
def consolidation_tables():
    cfg = compose_run_config("months=72")
    return run_replication(cfg.scenario, STRATEGIES["consolidation"], cfg.seed, 0, cfg.months)


def test_the_icbs_benefit_adds_up_to_englands_every_month(consolidation_tables) -> None:
    steps, icb_steps = consolidation_tables.steps, consolidation_tables.icb_steps
    by_month = icb_steps.groupby("step")["benefit_gbp_m"].sum()
    np.testing.assert_allclose(by_month.to_numpy(), steps["benefit_gbp_m"].to_numpy(),
                               rtol=1e-9, atol=1e-9)
    assert steps["benefit_gbp_m"].sum() > 0 and steps["saving_gbp_m"].sum() > 0


def test_run_totals_match_the_flows_and_net_is_benefit_plus_saving_less_spend(
        consolidation_tables) -> None:
    steps, run = consolidation_tables.steps, consolidation_tables.run.iloc[0]
    assert run["benefit_gbp_m"] == pytest.approx(steps["benefit_gbp_m"].sum())
    assert run["saving_gbp_m"] == pytest.approx(steps["saving_gbp_m"].sum())
    assert run["net_benefit_gbp_m"] == pytest.approx(
        run["benefit_gbp_m"] + run["saving_gbp_m"] - run["spend_gbp_m"])
    assert run["value_per_spend"] == pytest.approx(
        (run["benefit_gbp_m"] + run["saving_gbp_m"]) / run["spend_gbp_m"])
    for column in ("benefit_per_head_gbp", "icb_benefit_per_head_lowest_fifth_gbp"):
        assert np.isfinite(run[column])


@settings(max_examples=80, derandomize=True, deadline=None)
@given(benefit=arrays(np.float64, (3, 42), elements=st.floats(-50.0, 500.0)),
       population=arrays(np.int64, 42, elements=st.integers(100_000, 3_000_000)))
def test_the_lowest_fifth_and_the_gini_over_any_spread_of_benefit(benefit, population) -> None:
    found = benefit_distribution(benefit, population)
    per_head = benefit * 1e6 / population
    lowest = found["icb_benefit_per_head_lowest_fifth_gbp"]
    assert (lowest >= per_head.min(axis=1) - 1e-9).all()
    assert (lowest <= per_head.mean(axis=1) + 1e-9).all()
    np.testing.assert_allclose(found["benefit_per_head_gbp"],
                               benefit.sum(axis=1) * 1e6 / population.sum())
    gini = found["icb_benefit_gini"]
    harmed = (per_head < 0).any(axis=1)
    assert np.isnan(gini[harmed]).all()
    assert ((gini[~harmed] >= 0) & (gini[~harmed] < 1)).all()


def test_an_even_spread_has_no_inequality_and_a_lone_winner_nearly_all() -> None:
    population = np.full(42, 1_000_000)
    even = benefit_distribution(np.full((1, 42), 10.0), population)
    assert even["icb_benefit_gini"][0] == pytest.approx(0.0)
    one = np.zeros((1, 42))
    one[0, 7] = 100.0
    lone = benefit_distribution(one, population)
    assert lone["icb_benefit_gini"][0] == pytest.approx(41 / 42)
    assert lone["icb_benefit_per_head_lowest_fifth_gbp"][0] == 0.0


def test_savings_come_from_mergers_only() -> None:
    cfg = space.with_values(compose_run_config("months=60"),
                            {"scenario.icb.background_mergers_per_year": 0.0})
    tables = run_replication(cfg.scenario, StrategyConfig(), cfg.seed, 0, cfg.months)
    assert tables.steps["saving_gbp_m"].sum() == 0.0
    assert tables.run["mergers"].iloc[0] == 0
