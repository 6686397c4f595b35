"""Mesa agents are what a user (and the workshop) inspects: they must tell the truth.

Trust agents are views on their rows of the population arrays; the model holds 205
trusts, 42 ICBs and one government as in the cited data, and a scaler only when the
strategy enables one.
"""

from __future__ import annotations

import numpy as np
import pytest

from abm.agents import ICB, Government, Scaler, Trust, Vendor
from abm.inputs import TRUST_TYPES, read_table
from abm.population import PILOTING, STATE_NAMES

PROBABILITIES = ("monthly_awareness_probability", "monthly_pilot_probability")


@pytest.fixture(scope="module")
def models(shipped_strategies, make_model):
    """Each shipped strategy after 24 months."""
    return {name: make_model(strategy, months=24).run()
            for name, strategy in shipped_strategies.items()}


@pytest.fixture(scope="module")
def open_trusts():
    trusts = read_table("trusts.csv")
    return trusts[trusts["status"] == "open"].reset_index(drop=True)


def test_agent_counts(models):
    for name, model in models.items():
        agents = model.agents_by_type
        assert len(agents[Trust]) == 205 == len(model.trusts)  # facts.csv: trusts_total_2025
        assert len(agents[ICB]) == 42 == len(model.icbs)  # facts.csv: icb_count_2022
        assert len(agents[Government]) == 1
        assert len(agents[Vendor]) == len(model.vendors)
        scaler_on = model.strategy.scaler.enabled
        assert (model.scaler is not None) == scaler_on, name
        assert len(agents.get(Scaler, [])) == int(scaler_on), name
    assert models["scaler_led"].scaler in models["scaler_led"].agents


def test_trusts_by_type_match_the_cited_data(models, open_trusts):
    model = models["status_quo"]
    counts = {t: 0 for t in TRUST_TYPES}
    for trust in model.agents_by_type[Trust]:
        counts[trust.trust_type] += 1
    expected = open_trusts["trust_type_group"].value_counts().to_dict()
    assert counts == expected
    assert expected == {"acute": 134, "mental_health_and_community": 31, "mental_health": 18,
                        "community": 12, "ambulance": 10}


def test_each_trust_is_the_row_of_the_data_it_claims(models, open_trusts):
    model = models["status_quo"]
    icb_names = {icb.name for icb in model.icbs}
    for trust in model.trusts:
        row = open_trusts.iloc[trust.row]
        assert trust.ods_code == row["ods_code"]
        assert trust.name == row["trust_name"]
        assert trust.trust_type == row["trust_type_group"]
        assert trust.icb.name == row["icb_name"] and trust.icb.name in icb_names
        assert trust.icb.region == row["nhs_region_name"]


@pytest.mark.parametrize("strategy", ["status_quo", "consolidation"])
def test_portfolio_is_a_view_on_the_state_array(models, strategy):
    model = models[strategy]
    ids = model.data.innovations.innovation_id
    for trust in model.trusts:
        portfolio = trust.portfolio()
        relevant = np.flatnonzero(model.pop.relevant[trust.row])
        assert list(portfolio) == [str(ids[j]) for j in relevant]
        assert list(portfolio.values()) == [STATE_NAMES[s]
                                            for s in model.pop.state[trust.row, relevant]]
        assert trust.pilots() == [k for k, v in portfolio.items() if v == "piloting"]
    assert any(v != "unaware" for t in model.trusts for v in t.portfolio().values())


def test_agents_follow_the_arrays_as_the_model_runs(shipped_strategies, make_model):
    model = make_model(shipped_strategies["scaler_led"], months=12)
    trust = model.trusts[7]
    for _ in range(12):
        model.step()
        pop = model.pop
        assert trust.budget_gbp_m == pop.budget_gbp_m[7] >= 0
        assert trust.pressure == pop.pressure[7]
        assert trust.free_capacity == pop.free_capacity[7]
        assert trust.has_champion == bool(pop.champion[7])
        assert trust.decision_unit is model.trusts[pop.group[7]]
        assert trust.portfolio() == {
            str(model.data.innovations.innovation_id[j]): STATE_NAMES[pop.state[7, j]]
            for j in np.flatnonzero(pop.relevant[7])}
    assert model.scaler.active_deployments == int(
        ((model.pop.state == PILOTING) & model.pop.supported).sum())


def test_the_portfolio_lists_innovations_relevant_to_the_trust_type(models):
    catalogue = read_table("innovations.csv")
    relevant_types = dict(zip(catalogue["innovation_id"],
                              catalogue["trust_types"].str.split(";"), strict=True))
    for trust in models["status_quo"].trusts:
        expected = [i for i, types in relevant_types.items() if trust.trust_type in types]
        assert list(trust.portfolio()) == expected


@pytest.mark.parametrize("strategy", ["status_quo", "scaler_led", "open_platform",
                                      "consolidation"])
def test_explain_returns_probabilities(models, strategy):
    model = models[strategy]
    ids = [str(i) for i in model.data.innovations.innovation_id]
    rows = list(range(0, len(model.trusts), 20))
    for row in rows:
        trust = model.trusts[row]
        for innovation in ids:
            terms = trust.explain(innovation)
            for key in PROBABILITIES:
                assert 0.0 <= terms[key] <= 1.0, (trust.name, innovation, key, terms[key])
            assert terms["state"] == STATE_NAMES[model.pop.state[row, ids.index(innovation)]]
            assert terms["utility"] == pytest.approx(terms["utility_base"]
                                                     - terms["risk_penalty"])
            assert 0.0 <= terms["peer_use_share"] <= 1.0
    # somewhere a trust is actually weighing a decision
    pilot = [model.trusts[r].explain(i)["monthly_pilot_probability"] for r in rows for i in ids]
    assert max(pilot) > 0


def test_explaining_an_unknown_innovation_raises_key_error(models):
    trust = models["status_quo"].trusts[0]
    with pytest.raises(KeyError, match="no_such_innovation"):
        trust.explain("no_such_innovation")
