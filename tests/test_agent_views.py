"""Mesa agents are the objects people inspect: views on the arrays, with the cited counts."""

import numpy as np
import pytest
from support import model

from abm.agents import ICB, Government, Scaler, Trust, Vendor
from abm.population import STATE_NAMES


@pytest.fixture(scope="module")
def scaler_model():
    return model("scaler_led", months=24).run()


def test_england_default_has_the_cited_agents(scaler_model):
    by_type = scaler_model.agents_by_type
    assert len(by_type[Trust]) == 205
    assert len(by_type[ICB]) == 42
    assert len(by_type[Government]) == 1
    assert len(by_type[Scaler]) == 1
    assert len(by_type[Vendor]) >= 1


def test_scaler_exists_only_when_enabled():
    assert Scaler not in model("status_quo", months=1).agents_by_type


def test_trust_portfolio_matches_the_arrays(scaler_model):
    ids = scaler_model.data.innovations.innovation_id
    for trust in scaler_model.trusts[::20]:
        portfolio = trust.portfolio()
        for j in np.flatnonzero(scaler_model.pop.relevant[trust.row]):
            assert portfolio[ids[j]] == STATE_NAMES[scaler_model.pop.state[trust.row, j]]
        assert set(trust.pilots()) <= set(portfolio)
        assert trust.budget_gbp_m >= 0 and 0 <= trust.pressure <= 1
        assert trust.icb.region in scaler_model.data.icbs.region_names


def test_explain_gives_the_terms_of_a_decision(scaler_model):
    trust = scaler_model.trusts[0]
    for innovation in scaler_model.data.innovations.innovation_id[:5]:
        terms = trust.explain(str(innovation))
        assert 0 <= terms["monthly_pilot_probability"] <= 1
        assert 0 <= terms["monthly_awareness_probability"] <= 1
        assert terms["state"] in STATE_NAMES
    with pytest.raises(KeyError, match="not in the catalogue"):
        trust.explain("no_such_innovation")


def test_icb_agents_plan_each_year(scaler_model):
    icbs = scaler_model.agents_by_type[ICB]
    assert all(icb.priority != "none" for icb in icbs)
    assert all(0 <= icb.pooled_budget_share <= 1 for icb in icbs)
    assert all(icb.fund_left_gbp_m >= 0 for icb in icbs)
