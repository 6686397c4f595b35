"""Monotone effects with a stated direction, on means over replications.

Each comparison uses common random numbers: every level runs the same replication
seeds (``SeedSequence([seed, r])``), so the trusts and the monthly draws are shared and
the difference between levels is mostly the effect, not noise.

Directions (status quo strategy, England default otherwise):

* higher mean risk aversion never speeds adoption: the mean embedded share at year 5
  does not increase;
* higher operational pressure (``pressure.occupancy_scale`` up) does not speed adoption;
* a larger imitation coefficient q never slows awareness: the mean share of relevant
  trusts aware of (or past) an innovation does not fall, at any month.

Tolerance for noise: a step in the wrong direction of at most 0.001 (a tenth of a
percentage point of share) is allowed. Across seeds 1 to 6 the wrong-way steps seen
were 0 and the effects themselves 0.0045 to 0.011 per step; the extreme levels must also
differ by more than the tolerance in the stated direction, so the tests have power.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from abm.config import RunConfig, ScenarioConfig, parse_config
from abm.runner import run_experiment

SEED = 4242
REPLICATIONS = 16
TOLERANCE = 0.001
RISK_AVERSION = (0.3, 0.6, 0.85)
OCCUPANCY_SCALE = (0.5, 1.0, 2.0)
IMITATION_Q = (0.1, 0.38, 1.0, 3.0)


@cache
def results(block: str, key: str, value: float, months: int):
    scenario = parse_config({block: {key: value}}, ScenarioConfig)
    return run_experiment(RunConfig(seed=SEED, replications=REPLICATIONS, months=months,
                                    scenario=scenario))


def embedded_share_y5(block: str, key: str, value: float) -> float:
    return float(results(block, key, value, 60).runs["embedded_share_y5"].mean())


def aware_share_by_month(q: float) -> np.ndarray:
    table = results("diffusion", "imitation_q_per_year", q, 36).innovation_steps
    aware = 1.0 - table["n_unaware"] / table["relevant_trusts"]
    return aware.groupby(table["step"]).mean().to_numpy()


def assert_never_increases(levels, outcomes) -> None:
    steps = np.diff(outcomes)
    assert (steps <= TOLERANCE).all(), f"levels {levels}: outcomes {np.round(outcomes, 4)}"
    assert outcomes[-1] < outcomes[0] - TOLERANCE, (
        f"no effect across levels {levels}: outcomes {np.round(outcomes, 4)}")


@pytest.mark.parametrize("block, key, levels", [
    ("population", "risk_aversion_mean", RISK_AVERSION),
    ("pressure", "occupancy_scale", OCCUPANCY_SCALE),
], ids=["risk_aversion", "pressure"])
def test_more_of_a_barrier_never_speeds_adoption(block, key, levels):
    outcomes = np.array([embedded_share_y5(block, key, v) for v in levels])
    assert_never_increases(levels, outcomes)


def test_a_larger_q_never_slows_awareness():
    aware = np.stack([aware_share_by_month(q) for q in IMITATION_Q])  # (levels, months)
    wrong_way = np.diff(aware, axis=0).min()
    assert wrong_way >= -TOLERANCE, f"awareness fell by {-wrong_way:.4f} when q rose"
    gain = aware[-1, -1] - aware[0, -1]
    assert gain > TOLERANCE, f"q from {IMITATION_Q[0]} to {IMITATION_Q[-1]} gained {gain:.4f}"
