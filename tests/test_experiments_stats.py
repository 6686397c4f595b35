"""Statistics researchers cite: intervals that cover, paired comparisons, honest warnings.

Coverage is checked on samples from a known distribution; the paired (common random
numbers) interval must be narrower than the unpaired one on real runs; a difference
inside its interval must be flagged, and a clear one must not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.experiments import stats


@pytest.mark.parametrize("method, low, high", [("t", 0.92, 0.98), ("bootstrap", 0.88, 0.97)])
def test_intervals_cover_the_true_mean_at_their_stated_level(method, low, high):
    rng = np.random.default_rng(5)
    hits = [stats.interval(rng.normal(3.0, 2.0, 25), method, seed=i).contains(3.0)
            for i in range(600)]
    assert low <= np.mean(hits) <= high, np.mean(hits)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40),
       method=st.sampled_from(stats.METHODS))
def test_an_interval_holds_its_mean_and_counts_its_values(values, method):
    result = stats.interval(np.array(values), method)
    assert result.low <= result.mean + 1e-9 and result.mean <= result.high + 1e-9
    assert result.n == len(values) and result.method == method


def test_bad_method_or_level_is_refused():
    with pytest.raises(ValueError, match="method"):
        stats.interval(np.ones(3), "jackknife")
    with pytest.raises(ValueError, match="level"):
        stats.interval(np.ones(3), "t", level=1.5)


def runs_with(effect: float, noise: float, n: int = 30) -> pd.DataFrame:
    """Two strategies sharing a large per-replication component (common random numbers)."""
    rng = np.random.default_rng(1)
    shared = rng.normal(0, 1.0, n)
    return pd.DataFrame({
        "strategy": ["status_quo"] * n + ["other"] * n,
        "replication": list(range(n)) * 2,
        "y": np.concatenate([shared, shared + effect + rng.normal(0, noise, n)])})


def test_a_difference_inside_its_interval_is_flagged_and_a_clear_one_is_not():
    clear = stats.paired_differences(runs_with(0.5, 0.1), "y")
    unclear = stats.paired_differences(runs_with(0.0, 0.5), "y")
    assert not clear["smaller_than_interval"].iloc[0]
    assert unclear["smaller_than_interval"].iloc[0]
    assert stats.warnings_for(clear) == []
    assert "smaller than its interval" in stats.warnings_for(unclear)[0]
    assert clear["replications"].iloc[0] == 30 and "paired" in clear["interval"].iloc[0]


def test_pairing_by_replication_sharpens_the_comparison_on_real_runs(small_results):
    runs = small_results.runs
    paired = stats.paired_differences(runs, "pilots_started").set_index("strategy")
    for strategy in paired.index:
        a = runs.loc[runs["strategy"] == strategy, "pilots_started"].to_numpy()
        b = runs.loc[runs["strategy"] == "status_quo", "pilots_started"].to_numpy()
        unpaired = stats.interval(a, "t").high - stats.interval(a, "t").low + \
            stats.interval(b, "t").high - stats.interval(b, "t").low
        width = paired.loc[strategy, "ci_high"] - paired.loc[strategy, "ci_low"]
        assert paired.loc[strategy, "difference"] == pytest.approx(a.mean() - b.mean())
        assert width < unpaired


def test_an_unknown_outcome_or_baseline_is_refused(small_results):
    with pytest.raises(ValueError, match="allowed"):
        stats.require_outcome(small_results.runs, "happiness")
    with pytest.raises(ValueError, match="year-10"):
        stats.require_outcome(small_results.runs, "embedded_share_y10")  # 36-month runs
    with pytest.raises(ValueError, match="baseline"):
        stats.paired_differences(small_results.runs, "pilots_started", baseline="nobody")
