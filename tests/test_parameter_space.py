"""Every point of the plausible box of uncertainties and levers is a model that runs.

Experiments sample the uncertainties and levers independently over their plausible
ranges (Morris, Sobol, Latin hypercube, grids), so the box must be valid by
construction: no combination of values may be refused by the config or break the
simulation. Hypothesis draws points anywhere in the joint box of all of them at once,
corners included; each point validates and runs a short simulation of the status quo
and of a strategy with every mechanism switched on, whose outputs must be finite and
within their ranges.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abm.config import RunConfig, StrategyConfig
from abm.experiments import space
from abm.runner import run_batch

BOX = tuple(space.uncertainties() + space.levers())
MONTHS = 61  # past the earliest first election (month 40 to 60) and four Aprils
EVERY_MECHANISM = StrategyConfig(name="every_mechanism", scaler={"enabled": True},
                                 open_platform={"enabled": True},
                                 consolidation={"enabled": True})
BASE = RunConfig(replications=1, months=MONTHS,
                 strategies=(StrategyConfig(), EVERY_MECHANISM))


def _value(parameter: space.Parameter) -> st.SearchStrategy:
    if parameter.integer:
        return st.integers(int(parameter.low), int(parameter.high))
    return st.floats(parameter.low, parameter.high, allow_nan=False)


points = st.fixed_dictionaries({p.path: _value(p) for p in BOX})


def _corner(pick) -> dict[str, float]:
    return {p.path: pick(p) for p in BOX}


def test_the_box_has_every_uncertainty_and_lever_with_a_proper_range():
    assert len(BOX) == len({p.path for p in BOX}) >= 70
    assert all(p.low < p.high for p in BOX), [p.path for p in BOX if p.low >= p.high]


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(point=points)
@example(point=_corner(lambda p: p.low))
@example(point=_corner(lambda p: p.high))
@example(point=_corner(lambda p: p.high if "weight" in p.path or "share" in p.path
                       else p.low))
def test_any_point_of_the_joint_box_validates_and_runs(point):
    cfg = space.with_values(BASE, point)
    for strategy in cfg.strategies:
        tables = run_batch(cfg.scenario, strategy, cfg.seed, [0], cfg.months)
        runs, steps = tables.run, tables.steps
        assert len(steps) == MONTHS
        # NaN by design: no year 10 in a short run, no ratio without spend, no Gini where
        # some ICB was harmed.
        finite = runs.drop(columns=["embedded_share_y10", "benefit_per_spend", "value_per_spend",
                                    "icb_benefit_gini"])
        assert np.isfinite(finite.select_dtypes("number").to_numpy()).all(), strategy.name
        assert (runs["spend_gbp_m"] >= 0).all()  # benefit may be negative: harmful effects
        assert runs["embedded_share_y5"].between(0, 1).all(), strategy.name
        assert steps["embedded_share_mean"].between(0, 1).all(), strategy.name
        flows = steps.filter(regex="^(pilots|spend|mergers)").to_numpy()
        assert np.isfinite(flows).all() and (flows >= 0).all(), strategy.name
        assert np.isfinite(steps.filter(regex="^benefit").to_numpy()).all(), strategy.name

@pytest.mark.parametrize("icb, region_share", [(0.7, 0.8), (0.3, 0.2), (1.0, 1.0), (0.0, 0.0)])
def test_peer_weights_are_valid_for_any_pair_and_leave_england_its_share(icb, region_share):
    from abm.engine import Batch
    from abm.runner import replication_seed

    cfg = space.with_values(BASE, {"scenario.diffusion.peer_weight_icb": icb,
                                   "scenario.diffusion.region_share_of_wider_peers":
                                       region_share})
    w_icb, w_region = Batch(cfg.scenario, StrategyConfig(), [replication_seed(1, 0)]).peer_weights()
    assert w_icb == pytest.approx(icb)
    assert w_region == pytest.approx((1 - icb) * region_share)
    assert 1 - w_icb - w_region >= -1e-12
