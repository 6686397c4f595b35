"""Same config + same seed = identical results, whatever the worker count or run size."""

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from support import run_config

from abm.runner import run_experiment

TABLES = ["steps", "innovation_steps", "icb_steps", "runs", "run_innovations"]


@pytest.fixture(scope="module")
def serial():
    return run_experiment(run_config(replications=4))


def test_same_seed_gives_identical_tables(serial):
    again = run_experiment(run_config(replications=4))
    for name in TABLES:
        assert_frame_equal(getattr(serial, name), getattr(again, name))


def test_two_workers_give_the_same_numbers_as_one(serial):
    parallel = run_experiment(run_config(replications=4, workers=2))
    for name in TABLES:
        assert_frame_equal(getattr(serial, name), getattr(parallel, name))


def test_a_different_seed_gives_different_results(serial):
    other = run_experiment(run_config(replications=4, seed=6))
    assert not serial.runs["benefit_gbp_m"].equals(other.runs["benefit_gbp_m"])


def test_a_replication_does_not_depend_on_how_many_run(serial):
    larger = run_experiment(run_config(replications=6))
    keep = larger.runs["replication"] < 4
    assert_frame_equal(serial.runs, larger.runs[keep].reset_index(drop=True))


def test_tables_are_sorted_by_their_keys(serial):
    order = {"status_quo": 0, "scaler_led": 1, "open_platform": 2, "consolidation": 3}
    steps = serial.steps.assign(rank=serial.steps["strategy"].map(order))
    expected = steps.sort_values(["rank", "replication", "step"]).drop(columns="rank")
    assert_frame_equal(serial.steps, expected)
    assert list(pd.unique(serial.runs["strategy"])) == list(order)


def test_strategies_share_their_trusts_with_common_random_numbers():
    """Replication r starts from the same drawn trusts under every strategy."""
    from support import model
    base = model("status_quo", seed=9, replication=3, months=1)
    for strategy in ("scaler_led", "open_platform", "consolidation"):
        other = model(strategy, seed=9, replication=3, months=1)
        assert (other.pop.risk_aversion == base.pop.risk_aversion).all()
        assert (other.pop.capacity_base == base.pop.capacity_base).all()
        assert (other.pop.pfi == base.pop.pfi).all()
