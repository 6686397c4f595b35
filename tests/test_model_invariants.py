"""Invariants that hold every month, whatever the seed, strategy or conditions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from support import STRATEGIES, model, scenario

from abm.collect import tables_from_model
from abm.population import ABANDONED, UNAWARE


def check_month(m, previous_units: int) -> int:
    pop = m.pop
    assert pop.state.min() >= UNAWARE and pop.state.max() <= ABANDONED
    assert np.all(pop.state[~pop.relevant] == UNAWARE), "irrelevant innovations stay unaware"
    assert np.all(pop.budget_gbp_m >= 0), "budgets never negative"
    assert np.all(m.icb_fund_left_gbp_m >= 0)
    assert np.all((pop.pressure >= 0) & (pop.pressure <= 1))
    assert np.all(pop.free_capacity >= 0)
    assert np.all((pop.uncertainty_icb >= 0) & (pop.uncertainty_icb <= 1))
    assert not np.any(pop.supported & (pop.state < 2)), "only pilots and embedded are carried"
    units = int(np.count_nonzero(pop.group == np.arange(pop.n_trusts)))
    assert units <= previous_units, "decision units never increase"
    assert np.all(pop.group[pop.group] == pop.group), "every group is led by its own lead"
    return units


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1),
       strategy=st.sampled_from(sorted(STRATEGIES)),
       risk=st.floats(0.0, 1.0),
       occupancy_scale=st.floats(0.0, 3.0),
       budget=st.floats(0.0, 0.02))
def test_invariants_hold_every_month(seed, strategy, risk, occupancy_scale, budget):
    scen = scenario(population={"risk_aversion_mean": risk,
                                "transformation_budget_share": budget},
                    pressure={"occupancy_scale": occupancy_scale})
    m = model(strategy, seed=seed, months=36, scen=scen)
    units = len(m.trusts)
    for _ in range(36):
        m.step()
        units = check_month(m, units)
    if m.scaler is not None:
        active = ((m.pop.state == 2) & m.pop.supported).sum()
        assert active <= m.strategy.scaler.deployment_capacity


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), strategy=st.sampled_from(sorted(STRATEGIES)))
def test_tables_conserve_counts_and_keep_shares_in_range(seed, strategy):
    m = model(strategy, seed=seed, months=24).run()
    tables = tables_from_model(m, {"strategy": strategy, "replication": 0, "seed": seed})
    inn = tables.innovation_steps
    states = inn[["n_unaware", "n_aware", "n_piloting", "n_embedded", "n_abandoned"]]
    assert (states.sum(axis=1) == inn["relevant_trusts"]).all(), "every trust in one state"
    assert (states >= 0).all().all()
    for frame, column in [(inn, "embedded_share"), (tables.icb_steps, "embedded_share"),
                          (tables.steps, "mean_pressure"),
                          (tables.steps, "icb_embedded_share_gini")]:
        assert frame[column].between(0, 1).all(), column
    steps = tables.steps
    spend = steps[["spend_trust_gbp_m", "spend_icb_gbp_m", "spend_national_gbp_m",
                   "spend_transition_gbp_m"]]
    assert (spend >= 0).all().all() and (steps["benefit_gbp_m"] >= 0).all()
    # pilots: every abandoned or embedded count comes from a pilot or the start state
    started = steps["pilots_started"].sum()
    ended = steps[["pilots_scaled", "pilots_failed", "pilots_faded"]].sum().sum()
    still_running = inn[inn["step"] == inn["step"].max()]["n_piloting"].sum()
    assert started == ended + still_running, "pilots are conserved"
