"""Invariants that hold after every month, whatever the seed, conditions or strategy.

A user reads lifecycle counts, shares and budgets straight from the tables, so these
must be valid numbers every month: each (trust, innovation) cell in exactly one of the
five lifecycle states, irrelevant innovations never touched, budgets never negative,
shares in [0, 1], counts that add up to the relevant trusts, and decision units that
only ever merge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.collect import tables_from_model
from abm.config import MECHANISMS, ScenarioConfig, StrategyConfig, parse_config
from abm.population import ABANDONED, EMBEDDED, PILOTING, UNAWARE

MONTHS = 24
STATE_COLUMNS = ["n_unaware", "n_aware", "n_piloting", "n_embedded", "n_abandoned"]


def strategy_with(switched_on: set[str], capacity: int):
    blocks = {name: {"enabled": name in switched_on} for name in MECHANISMS}
    blocks["scaler"]["deployment_capacity"] = capacity
    return parse_config({"name": "toggled", **blocks}, StrategyConfig)


def check_month(model, units_before: int) -> int:
    """Assert the per-month invariants; return the number of decision units."""
    pop = model.pop
    state = pop.state
    assert state.dtype == np.int8
    assert state.min() >= UNAWARE and state.max() <= ABANDONED, "lifecycle codes are 0..4"
    assert np.all(state[~pop.relevant] == UNAWARE), "irrelevant innovations stay unaware"
    assert np.all(pop.budget_gbp_m >= 0.0), f"negative budget {pop.budget_gbp_m.min()}"
    assert np.all((pop.pressure >= 0.0) & (pop.pressure <= 1.0)), "pressure is a share"
    assert np.all(pop.free_capacity >= 0.0)
    carried = pop.supported & ~((state == PILOTING) | (state == EMBEDDED))
    assert not carried.any(), "only running pilots and embedded cells are scaler-supported"
    leads = pop.group == np.arange(pop.n_trusts)
    assert np.all(leads[pop.group]), "every trust points at the lead of its decision unit"
    units = int(leads.sum())
    assert units <= units_before, "decision units never increase"
    if model.scaler is not None:
        assert model.scaler.active_deployments <= model.strategy.scaler.deployment_capacity
    return units


def check_tables(model, counts_seen: list[np.ndarray]) -> None:
    """The collected tables agree with the arrays and keep shares and counts valid."""
    tables = tables_from_model(model, {"strategy": "toggled", "replication": 0, "seed": 0})
    inn = tables.innovation_steps
    relevant = model.pop.relevant.sum(axis=0)
    n_innov = len(relevant)
    assert len(inn) == MONTHS * n_innov
    assert (inn["relevant_trusts"].to_numpy() == np.tile(relevant, MONTHS)).all()
    states = inn[STATE_COLUMNS].to_numpy()
    assert (states >= 0).all()
    assert (states.sum(axis=1) == inn["relevant_trusts"].to_numpy()).all(), \
        "state counts add up to the relevant trusts for every innovation and step"
    # the table holds the state of the arrays at the end of each month
    expected = np.stack(counts_seen).reshape(-1, 5)  # (step, innovation) rows
    assert (states == expected).all()
    assert np.allclose(inn["embedded_share"], inn["n_embedded"] / inn["relevant_trusts"])
    for frame, column in [(inn, "embedded_share"), (tables.icb_steps, "embedded_share"),
                          (tables.steps, "embedded_share_mean"),
                          (tables.steps, "mean_pressure"),
                          (tables.steps, "icb_embedded_share_gini")]:
        values = frame[column]
        assert values.notna().all() and values.between(0.0, 1.0).all(), column
    assert (np.diff(tables.steps["decision_units"]) <= 0).all()
    assert (tables.steps["budget_unspent_gbp_m"] >= 0).all()


def relevant_state_counts(model) -> np.ndarray:
    """(I, 5) counts of each state among relevant cells, computed independently."""
    state, relevant = model.pop.state, model.pop.relevant
    return np.stack([((state == s) & relevant).sum(axis=0) for s in range(5)], axis=1)


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    risk_aversion_mean=st.floats(0.0, 1.0),
    occupancy_scale=st.floats(0.0, 3.0),
    budget_share=st.floats(0.0, 0.1),
    switched_on=st.sets(st.sampled_from(MECHANISMS)),
    capacity=st.integers(0, 40),
)
def test_invariants_hold_after_every_month(make_scenario, make_model, seed, risk_aversion_mean,
                                           occupancy_scale, budget_share, switched_on,
                                           capacity):
    scenario = make_scenario(
        population={"risk_aversion_mean": risk_aversion_mean,
                    "transformation_budget_share": budget_share},
        pressure={"occupancy_scale": occupancy_scale})
    strategy = strategy_with(switched_on, capacity)
    model = make_model(strategy, scenario=scenario, seed=seed, months=MONTHS)
    units = len(model.trusts)
    counts_seen = []
    for _ in range(MONTHS):
        model.step()
        units = check_month(model, units)
        counts_seen.append(relevant_state_counts(model))
    check_tables(model, counts_seen)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), occupancy_scale=st.floats(0.0, 3.0),
       risk_aversion_mean=st.floats(0.0, 1.0))
def test_copied_scenarios_keep_the_invariants(make_model, shipped_strategies, seed,
                                              occupancy_scale, risk_aversion_mean):
    """Scenarios varied with pydantic ``model_copy(update=...)``, as a sweep script would."""
    base = ScenarioConfig()
    scenario = base.model_copy(update={
        "pressure": base.pressure.model_copy(update={"occupancy_scale": occupancy_scale}),
        "population": base.population.model_copy(
            update={"risk_aversion_mean": risk_aversion_mean}),
    })
    model = make_model(shipped_strategies["consolidation"], scenario=scenario, seed=seed,
                       months=MONTHS)
    units = len(model.trusts)
    for _ in range(MONTHS):
        model.step()
        units = check_month(model, units)


def test_full_run_tables_keep_shares_and_counts(small_results):
    """Every table of a four-strategy run: shares in [0, 1] and counts conserved."""
    inn = small_results.innovation_steps
    states = inn[STATE_COLUMNS]
    assert (states.sum(axis=1) == inn["relevant_trusts"]).all()
    assert inn.groupby("innovation")["relevant_trusts"].nunique().eq(1).all()
    for frame, column in [(inn, "embedded_share"),
                          (small_results.icb_steps, "embedded_share"),
                          (small_results.steps, "embedded_share_mean"),
                          (small_results.steps, "mean_pressure"),
                          (small_results.run_innovations, "embedded_share_start")]:
        values = frame[column]
        assert values.notna().all() and values.between(0.0, 1.0).all(), column
    # a 36-month run has no year-5 or year-10 value: NaN, never the last month's
    assert small_results.runs[["embedded_share_y5", "embedded_share_y10"]].isna().all().all()
    units = small_results.steps.groupby(["strategy", "replication"])["decision_units"]
    assert units.apply(lambda s: (np.diff(s.to_numpy()) <= 0).all()).all()
    flows = small_results.steps[["pilots_started", "pilots_scaled", "pilots_failed",
                                 "pilots_faded", "spend_trust_gbp_m", "spend_icb_gbp_m",
                                 "spend_national_gbp_m", "benefit_gbp_m"]]
    assert (flows >= 0).all().all()
    # pilots are conserved: each pilot under way at the start or started since has scaled,
    # failed, faded or is still running
    last = inn[inn["step"] == inn["step"].max()]
    running = last.groupby(["strategy", "replication"])["n_piloting"].sum()
    totals = small_results.steps.groupby(["strategy", "replication"])[
        ["pilots_started", "pilots_scaled", "pilots_failed", "pilots_faded"]].sum()
    ended = totals["pilots_scaled"] + totals["pilots_failed"] + totals["pilots_faded"]
    at_start = small_results.runs.set_index(["strategy", "replication"])[
        "pilots_under_way_at_start"]
    assert (at_start > 0).all()  # the default starts from the record
    pd.testing.assert_series_equal(totals["pilots_started"] + at_start.loc[totals.index] - ended,
                                   running.astype(float), check_names=False, check_dtype=False)


def test_icb_funds_never_pay_more_than_they_hold(make_scenario, make_model, shipped_strategies):
    fund = 0.5
    scenario = make_scenario(icb={"scale_up_fund_gbp_m_per_year": fund})
    recorded, drawn = [], []
    for replication in range(2):
        model = make_model(shipped_strategies["status_quo"], scenario=scenario,
                           replication=replication, months=36)
        for month in range(36):
            held = np.array([fund if month % 12 == 0 else icb.fund_left_gbp_m
                             for icb in model.icbs])
            model.step()
            left = np.array([icb.fund_left_gbp_m for icb in model.icbs])
            assert (left >= 0).all()
            drawn.append((held - left).sum())
        steps = tables_from_model(model, {"strategy": "status_quo", "replication": replication,
                                          "seed": 0}).steps
        recorded.extend(steps["spend_icb_gbp_m"])
    excess = np.array(recorded) - np.array(drawn)
    assert excess.max() <= 1e-9, (
        f"{(excess > 1e-9).sum()} of {len(excess)} months: ICB spend exceeds the funds drawn "
        f"down by up to GBP {excess.max():.3f} m")
