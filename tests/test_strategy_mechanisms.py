"""Each strategy changes outcomes only through its mechanisms, and each mechanism acts."""

import numpy as np
from pandas.testing import assert_frame_equal
from support import STRATEGIES, model, run_config

from abm.config import StrategyConfig
from abm.population import PILOTING
from abm.runner import run_experiment


def test_the_strategy_name_is_only_a_label():
    relabelled = StrategyConfig(name="scaler_led")  # every mechanism off
    base = run_experiment(run_config(replications=2, strategies=(STRATEGIES["status_quo"],)))
    other = run_experiment(run_config(replications=2, strategies=(relabelled,)))
    for name in ("steps", "runs", "innovation_steps"):
        left = getattr(base, name).drop(columns="strategy")
        right = getattr(other, name).drop(columns="strategy")
        assert_frame_equal(left, right)


def test_each_strategy_changes_the_outcome():
    results = run_experiment(run_config(replications=3, months=60))
    benefit = results.runs.groupby("strategy")["benefit_gbp_m"].sum()
    for strategy in ("scaler_led", "open_platform", "consolidation"):
        assert benefit[strategy] != benefit["status_quo"], strategy


def test_scaler_respects_its_capacity_and_carries_only_modules():
    m = model("scaler_led", months=60)
    modules = m.data.innovations.module_type >= 0
    for _ in range(60):
        m.step()
        running = (m.pop.state == PILOTING) & m.pop.supported
        assert running.sum() <= m.strategy.scaler.deployment_capacity
        assert not m.pop.supported[:, ~modules].any()
    assert m.scaler.deployments_by_module.sum() > 0, "the scaler learns from deployments"
    assert (m.scaler.learning_factor() <= 1).all()


def test_consolidation_merges_within_icbs_and_reduces_decision_units():
    m = model("consolidation", months=120).run()
    icb = m.data.trusts.icb
    assert (icb[m.pop.group] == icb).all(), "mergers stay inside an ICB footprint"
    units = np.count_nonzero(m.pop.group == np.arange(len(m.trusts)))
    assert units < len(m.trusts)
    sizes = np.bincount(m.pop.group)
    assert sizes.max() <= m.strategy.consolidation.max_group_size
    quo = model("status_quo", months=120).run()
    assert np.count_nonzero(quo.pop.group == np.arange(len(quo.trusts))) > units


def test_open_platform_publishes_evidence_and_shares_adaptations():
    quo = model("status_quo", months=60).run()
    open_ = model("open_platform", months=60).run()
    assert open_.pop.uncertainty_icb.mean() < quo.pop.uncertainty_icb.mean()
    assert (open_.pop.adaptation_need <= quo.pop.adaptation_need).all()
    assert (open_.pop.adaptation_need < quo.pop.adaptation_need).any()


def test_each_mechanism_has_a_cost():
    results = run_experiment(run_config(replications=3, months=60))
    steps = results.steps.groupby("strategy")
    spend = steps[["spend_national_gbp_m", "spend_transition_gbp_m",
                   "scaler_revenue_gbp_m"]].sum()
    assert spend.loc["open_platform", "spend_national_gbp_m"] > \
        spend.loc["status_quo", "spend_national_gbp_m"], "the platform costs money"
    assert spend.loc["consolidation", "spend_transition_gbp_m"] > \
        spend.loc["status_quo", "spend_transition_gbp_m"], "mergers cost money"
    assert spend.loc["scaler_led", "scaler_revenue_gbp_m"] > 0, "the scaler charges fees"
