"""Mesa agents are what a user (and the workshop) inspects: they must tell the truth.

Trust agents are views on their rows of the population arrays; the model holds 205
trusts, 42 ICBs and one government as in the cited data, and a scaler only when the
strategy enables one. Every public method and property of every agent is checked
here against the engine's own arrays (``model.batch``, ``model.pop``, ``model.data``)
on running models; ``test_every_public_member_of_an_agent_is_checked`` fails when
one is added without a check.
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable

import mesa
import numpy as np
import pytest

from abm import agents, institutions
from abm.agents import ICB, Government, Trust, Vendor
from abm.config import default_comparison
from abm.economics import cell_matrices
from abm.inputs import DOMAINS, TRUST_TYPES, read_table
from abm.mechanisms import MECHANISMS, consolidation
from abm.mechanisms.scaler import ScalerAgent as Scaler
from abm.model import NHSReformModel
from abm.population import PILOTING, STATE_NAMES


def _mergers(batch):
    return batch.mechanisms["consolidation"]


def _scaler(batch):
    return batch.mechanisms["scaler"]


PROBABILITIES = ("monthly_awareness_probability", "monthly_pilot_probability")
STRATEGIES = default_comparison()  # the strategies of the ``models`` fixture

# (agent class, public member) -> the tests that check it against the engine
CHECKED: dict[tuple[type, str], list[str]] = {}


def checks(cls: type, *members: str) -> Callable[[Callable], Callable]:
    """Record that the decorated test checks ``members`` of ``cls`` on a running model."""

    def record(test: Callable) -> Callable:
        for member in members:
            CHECKED.setdefault((cls, member), []).append(test.__name__)
        return test

    return record


def public_members(cls: type) -> set[str]:
    """Public methods and properties of an agent class defined by the package (not Mesa)."""
    own = [klass for klass in cls.__mro__ if klass.__module__.startswith("abm.")]
    return {name for name, _ in inspect.getmembers(cls)
            if not name.startswith("_") and any(name in vars(klass) for klass in own)}


@pytest.fixture(scope="module")
def models(shipped_strategies, make_model, make_scenario):
    """Each shipped strategy after 24 months, with boards that decide every month.

    Boards as quick as that give every mechanism something to show within two years
    (the scaler's running deployments, above all).
    """
    quick = make_scenario(diffusion={"decision_rate_per_month": 1.0})
    return {name: make_model(strategy, scenario=quick, months=24).run()
            for name, strategy in shipped_strategies.items()}


@pytest.fixture(scope="module")
def open_trusts():
    trusts = read_table("trusts.csv")
    return trusts[trusts["status"] == "open"].reset_index(drop=True)


# ---------------------------------------------------------------- the model and its agents


def _agent_classes(module) -> set[type]:
    return {obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, mesa.Agent) and obj.__module__ == module.__name__}


def test_every_public_member_of_an_agent_is_checked():
    classes = _agent_classes(agents).union(
        *(_agent_classes(sys.modules[m.__module__]) for m in MECHANISMS))
    assert {Trust, ICB, Vendor, Scaler, Government} <= classes
    for cls in classes:
        members = public_members(cls)
        checked = {name for klass, name in CHECKED if klass is cls}
        assert members, cls
        assert members - checked == set(), f"{cls.__name__}: public members without a check"
        assert checked - members == set(), f"{cls.__name__}: checks of members it lacks"
    assert {"pilot_price_factors", "running_price_factors"} <= public_members(Scaler)
    assert "price_factors" not in public_members(Vendor)


def test_the_runs_exercise_every_mechanism(models):
    scaler = models["scaler_led"].scaler
    assert isinstance(scaler, Scaler)
    assert scaler.offers and scaler.active_deployments > 0
    assert scaler.deployments_by_module.sum() > 0
    pop = models["consolidation"].pop
    assert (pop.group != np.arange(pop.n_trusts)).sum() > 10  # several units merged


def test_model_steps_is_mesas_counter(models, shipped_strategies, make_model):
    for klass in NHSReformModel.__mro__:
        if klass.__module__.startswith("abm."):
            assert "steps" not in vars(klass), klass
    for model in models.values():
        assert model.steps == model.month == 24
    model = make_model(shipped_strategies["status_quo"], months=2)
    assert model.steps == model.month == 0
    model.step()
    assert model.steps == model.month == 1


def test_agent_counts(models):
    for name, model in models.items():
        agents_by_type = model.agents_by_type
        assert len(agents_by_type[Trust]) == 205 == len(model.trusts)  # facts.csv
        assert len(agents_by_type[ICB]) == 42 == len(model.icbs)  # facts.csv: icb_count_2022
        assert len(agents_by_type[Government]) == 1
        assert len(agents_by_type[Vendor]) == len(model.vendors) == 3
        scaler_on = model.strategy.scaler.enabled
        assert (model.scaler is not None) == scaler_on, name
        assert len(agents_by_type.get(Scaler, [])) == int(scaler_on), name
    assert models["scaler_led"].scaler in models["scaler_led"].agents


# ---------------------------------------------------------------- trusts


@checks(Trust, "trust_type")
def test_trusts_by_type_match_the_cited_data(models, open_trusts):
    model = models["status_quo"]
    counts = {t: 0 for t in TRUST_TYPES}
    for trust in model.agents_by_type[Trust]:
        counts[trust.trust_type] += 1
    expected = open_trusts["trust_type_group"].value_counts().to_dict()
    assert counts == expected
    assert expected == {"acute": 134, "mental_health_and_community": 31, "mental_health": 18,
                        "community": 12, "ambulance": 10}


@checks(Trust, "ods_code", "name", "trust_type", "icb")
@checks(ICB, "name", "region")
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


@checks(Trust, "ods_code", "name", "trust_type", "icb", "risk_aversion", "digital_maturity",
        "has_pfi", "has_champion", "budget_gbp_m", "bed_occupancy_share", "pressure",
        "free_capacity", "decision_unit")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_trust_attributes_are_their_rows_of_the_arrays(models, strategy):
    model = models[strategy]
    pop, trusts = model.pop, model.data.trusts
    for trust in model.trusts:
        t = trust.row
        assert trust is model.trusts[t]
        assert (trust.ods_code, trust.name) == (trusts.ods_code[t], trusts.name[t])
        assert trust.trust_type == TRUST_TYPES[trusts.trust_type[t]]
        assert trust.icb is model.icbs[trusts.icb[t]]
        assert trust.risk_aversion == pop.risk_aversion[t]
        assert trust.digital_maturity == pop.digital_maturity[t]
        assert trust.has_pfi is bool(pop.pfi[t])
        assert trust.has_champion is bool(pop.champion[t])
        assert trust.budget_gbp_m == pop.budget_gbp_m[t] >= 0
        assert trust.bed_occupancy_share == pop.occupancy[t]
        assert trust.pressure == pop.pressure[t]
        assert trust.free_capacity == pop.free_capacity[t]
        assert trust.decision_unit is model.trusts[pop.group[t]]
    if model.strategy.consolidation.enabled:
        assert any(trust.decision_unit is not trust for trust in model.trusts)


@checks(Trust, "portfolio", "pilots")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_portfolio_is_a_view_on_the_state_array(models, strategy):
    model = models[strategy]
    ids = model.data.innovations.innovation_id
    for trust in model.trusts:
        portfolio = trust.portfolio()
        relevant = np.flatnonzero(model.pop.relevant[trust.row])
        assert list(portfolio) == [str(ids[j]) for j in relevant]
        assert list(portfolio.values()) == [STATE_NAMES[s]
                                            for s in model.pop.state[trust.row, relevant]]
        piloting = relevant[model.pop.state[trust.row, relevant] == PILOTING]
        assert trust.pilots() == [str(ids[j]) for j in piloting]
    assert any(v != "unaware" for t in model.trusts for v in t.portfolio().values())
    assert any(t.pilots() for t in model.trusts)


@checks(Trust, "budget_gbp_m", "pressure", "free_capacity", "has_champion", "decision_unit",
        "portfolio")
@checks(Scaler, "active_deployments")
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


@checks(Trust, "portfolio")
def test_the_portfolio_lists_innovations_relevant_to_the_trust_type(models):
    catalogue = read_table("innovations.csv")
    relevant_types = dict(zip(catalogue["innovation_id"],
                              catalogue["trust_types"].str.split(";"), strict=True))
    for trust in models["status_quo"].trusts:
        expected = [i for i, types in relevant_types.items() if trust.trust_type in types]
        assert list(trust.portfolio()) == expected


@checks(Trust, "explain")
@pytest.mark.parametrize("strategy", STRATEGIES)
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
            assert terms["utility"] == pytest.approx(
                terms["utility_base"] + terms["evidence_term"] - terms["risk_penalty"]
                + terms["transparency_bonus"],
                abs=1e-5)
            assert terms["risk_penalty"] >= -1e-6
            assert 0.0 <= terms["peer_use_share"] <= 1.0
    # somewhere a trust is actually weighing a decision
    pilot = [model.trusts[r].explain(i)["monthly_pilot_probability"] for r in rows for i in ids]
    assert max(pilot) > 0


def _expected_terms(model: NHSReformModel, row: int, column: int,
                    matrices: dict[str, np.ndarray]) -> dict[str, float]:
    """One cell's decision terms from the batch's arrays, as the step's decision pass reads them."""
    batch, pop, f32 = model.batch, model.pop, np.float32
    k = batch.icb_of_trust[row]
    peer, hazard, nation = (a.copy() for a in batch.awareness())
    op, diff = model.strategy.open_platform, model.scenario_config.diffusion
    blame = 1.0
    if op.enabled:
        blame += op.failure_blame * pop.failed_pilots[column] / max(pop.completed_pilots[column],
                                                                    1.0)
    doubt = pop.risk_aversion[row] * pop.uncertainty_icb[k, column] * blame
    risk = -math.log(max(1.0 - doubt, 0.01))
    bonus = op.transparency_pressure * op.enabled * nation[0, column]
    base = float(matrices["utility_base"][0, row, column])
    expected = float(pop.belief_icb[k, column])
    evidence = math.log(max(expected, 0.01))
    utility = base + evidence - risk + bonus
    free = f32(pop.free_capacity[row])
    # the revenue part from the budget, the capital part from capital or the budget
    cost = matrices["pilot_total_trust_gbp_m"][0, row, column]
    budget, capital = f32(pop.budget_gbp_m[row]), f32(pop.capital_gbp_m[row])
    revenue_part = cost * (f32(1) - batch.economics.capital_share[column])
    able = (budget >= revenue_part and budget + capital >= cost
            and free >= batch.pilot_need[column]
            and pop.group_size()[row] >= model.data.innovations.min_unit_trusts[column])
    lead = pop.group[row]
    weight = batch.lead_weight[0, row] if lead == row else float(not pop.relevant[lead, column])
    chance = 1.0 / (1.0 + math.exp(-diff.decision_sharpness * utility))
    return {
        "utility_base": base, "expected_effect": expected, "evidence_term": evidence,
        "risk_penalty": risk, "transparency_bonus": bonus,
        "utility": utility, "peer_use_share": float(peer[0, k, column]),
        "free_capacity": float(pop.free_capacity[row]),
        "monthly_awareness_probability": float(hazard[0, k, column]),
        "monthly_pilot_probability": able * chance * diff.decision_rate_per_month
        * min(float(free), 1.0) * weight,
        "cost_horizon_gbp_m": float(matrices["cost_horizon_gbp_m"][0, row, column]),
    }


@checks(Trust, "explain")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_explain_gives_the_terms_of_the_engines_decision(models, strategy):
    model = models[strategy]
    matrices = cell_matrices(model.batch.economics, model.batch.icb_of_trust)
    ids = [str(i) for i in model.data.innovations.innovation_id]
    for row in range(3, len(model.trusts), 17):
        for column, innovation in enumerate(ids):
            terms = model.trusts[row].explain(innovation)
            assert terms == model.explain_decision(row, innovation)
            assert terms["state"] == STATE_NAMES[model.pop.state[row, column]]
            expected = _expected_terms(model, row, column, matrices)
            for key, value in expected.items():
                assert terms[key] == pytest.approx(value, rel=1e-4, abs=1e-6), (
                    row, innovation, key)
    if model.strategy.open_platform.enabled:  # the pull of national use is told apart from risk
        bonus = [model.trusts[0].explain(i)["transparency_bonus"] for i in ids]
        assert max(bonus) > 0


@checks(Trust, "explain")
def test_explaining_an_unknown_innovation_raises_key_error(models):
    trust = models["status_quo"].trusts[0]
    with pytest.raises(KeyError, match="no_such_innovation"):
        trust.explain("no_such_innovation")


# ---------------------------------------------------------------- ICBs


@checks(ICB, "pooled_budget_share", "priority_domain", "priority", "fund_left_gbp_m", "name",
        "region")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_icb_attributes_are_their_entries_of_the_arrays(models, strategy):
    model = models[strategy]
    batch, icbs = model.batch, model.data.icbs
    for icb in model.icbs:
        k = icb.row
        assert icb is model.icbs[k]
        assert icb.name == icbs.name[k]
        assert icb.region == icbs.region_names[icbs.region[k]]
        assert icb.pooled_budget_share == batch.icb_pooled[0, k]
        assert 0 <= icb.priority_domain == batch.icb_priority[0, k] < len(DOMAINS)
        assert icb.priority == DOMAINS[batch.icb_priority[0, k]]
        assert icb.fund_left_gbp_m == batch.icb_fund_left_gbp_m[0, k] == \
            model.icb_fund_left_gbp_m[k]
    assert min(icb.fund_left_gbp_m for icb in model.icbs) < \
        model.scenario_config.icb.scale_up_fund_gbp_m_per_year  # funds are being spent


@checks(ICB, "priority_domain", "priority")
def test_an_icb_has_no_priority_before_the_first_april(shipped_strategies, make_model):
    model = make_model(shipped_strategies["status_quo"], months=1)
    assert all(icb.priority_domain == -1 and icb.priority == "none" for icb in model.icbs)
    model.step()
    assert [icb.priority for icb in model.icbs] == [DOMAINS[d]
                                                    for d in model.batch.icb_priority[0]]


def _strongest_pair(model: NHSReformModel, k: int) -> tuple[int, int] | None:
    """The merger rule of ``docs/ODD.md`` 7.9 for ICB k, written out plainly."""
    pop, batch = model.pop, model.batch
    rows = batch.icb_rows[batch.icb_starts[k]:batch.icb_starts[k + 1]]
    leads = [int(t) for t in rows if pop.group[t] == t]
    size = np.bincount(pop.group, minlength=pop.n_trusts)
    family = _mergers(batch).merger_family
    limit = model.strategy.consolidation.max_group_size
    for acquirer in sorted(leads, key=lambda t: -(pop.capacity_base[t] - pop.pressure[t])):
        partners = [t for t in leads if t != acquirer and family[t] == family[acquirer]
                    and size[t] + size[acquirer] <= limit]
        if partners:
            return acquirer, max(partners, key=lambda t: pop.pressure[t])
    return None


def _engine_merges(model: NHSReformModel, k: int) -> tuple[int, np.ndarray, np.ndarray]:
    """The engine's merger round, on copies, with one unblocked proposal that goes to ICB k."""
    batch, pop, cons = model.batch, model.pop, model.strategy.consolidation
    group = pop.group.copy()
    rules = consolidation.MergerRules(cons.sovereignty_resistance, cons.max_group_size,
                                      model.month + cons.disruption_months,
                                      cons.transition_cost_gbp_m)
    units = consolidation.Units(group, pop.capacity_base, pop.pressure,
                                np.zeros(len(model.icbs), dtype=bool), pop.disrupted_until.copy(),
                                pop.budget_gbp_m.copy(), pop.transition_debt_gbp_m.copy(),
                                np.zeros(pop.n_trusts, dtype=bool))
    mergers, _, _ = consolidation.merge_round(np.array([k]), np.array([1.0]), rules,
                                              _mergers(batch).layout, units)
    return mergers, pop.group.copy(), group


@checks(ICB, "propose_merger")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_propose_merger_is_the_engines_proposal(models, strategy):
    model = models[strategy]
    pop, batch = model.pop, model.batch
    size = np.bincount(pop.group, minlength=pop.n_trusts)
    limit = model.strategy.consolidation.max_group_size
    outcomes = []
    for icb in model.icbs:
        pair = icb.propose_merger()
        outcomes.append(pair is not None)
        assert pair == _strongest_pair(model, icb.row), icb.name
        mergers, before, after = _engine_merges(model, icb.row)
        if pair is None:
            assert mergers == 0 and np.array_equal(after, before)
            continue
        acquirer, target = pair
        assert type(acquirer) is int and type(target) is int
        assert pop.group[acquirer] == acquirer and pop.group[target] == target != acquirer
        assert model.data.trusts.icb[acquirer] == model.data.trusts.icb[target] == icb.row
        assert _mergers(batch).merger_family[acquirer] == _mergers(batch).merger_family[target]
        assert size[acquirer] + size[target] <= limit
        merged = np.isin(before, [acquirer, target])
        assert mergers == 1
        assert np.array_equal(after, np.where(merged, acquirer, before))
        assert not _mergers(batch).merger_exhausted[0, icb.row]
    assert any(outcomes)
    if model.strategy.consolidation.enabled:  # units that can grow no more propose nothing
        assert not all(outcomes) and _mergers(batch).merger_exhausted[0].any()
        exhausted = np.flatnonzero(_mergers(batch).merger_exhausted[0])
        assert not any(outcomes[k] for k in exhausted)


# ---------------------------------------------------------------- vendors and the scaler


@checks(Vendor, "pilot_price_factors", "running_price_factors")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_vendor_prices_are_the_engines(models, strategy):
    model = models[strategy]
    batch, innov = model.batch, model.data.innovations
    economics, ids = batch.economics, list(innov.innovation_id)
    products = np.sort(np.concatenate([vendor.products for vendor in model.vendors]))
    assert np.array_equal(products, np.flatnonzero(innov.vendor_product))
    for vendor in model.vendors:
        pilot, running = vendor.pilot_price_factors, vendor.running_price_factors
        assert list(pilot) == list(running) == [ids[j] for j in vendor.products]
        for j in vendor.products:
            assert pilot[ids[j]] == batch.vendor_pilot_factor[j]
            assert running[ids[j]] == batch.vendor_running_factor[j]
            assert economics.running_per_month[j] == pytest.approx(
                innov.running_cost_gbp_m_per_year[j] * running[ids[j]] / 12, rel=1e-6)
            assert economics.pilot_per_month[0, j] == pytest.approx(
                innov.pilot_cost_gbp_m[j] * pilot[ids[j]] * (1 + model.pop.adaptation_need[j])
                / innov.pilot_duration_months[j], rel=1e-6)
    others = np.setdiff1d(np.arange(len(ids)), products)
    assert (batch.vendor_pilot_factor[others] == 1).all()  # only vendors add a margin
    assert (batch.vendor_running_factor[others] == 1).all()
    margin = model.scenario_config.vendors.margin_share
    assert all(f == pytest.approx(1 + margin) for v in model.vendors
               for f in v.running_price_factors.values())


@checks(Scaler, "pilot_price_factors", "running_price_factors", "fee_per_deployment_gbp_m",
        "contract_live")
def test_scaler_prices_are_the_engines(models):
    model = models["scaler_led"]
    scaler, batch, ids = model.scaler, model.batch, model.data.innovations.innovation_id
    assert np.array_equal(scaler.products, _scaler(batch).module_columns)
    names = [str(ids[j]) for j in _scaler(batch).module_columns]
    assert list(scaler.pilot_price_factors) == list(scaler.running_price_factors) == names
    assert scaler.contract_live == bool(batch.reform_live[0])
    assert scaler.fee_per_deployment_gbp_m == model.strategy.scaler.price_gbp_m * \
        scaler.contract_live
    for j, name in zip(_scaler(batch).module_columns, names, strict=True):
        assert scaler.pilot_price_factors[name] == batch.vendor_pilot_factor[j]
        assert scaler.running_price_factors[name] == batch.vendor_running_factor[j]


@checks(Scaler, "deployments_by_module", "active_deployments", "offers")
def test_scaler_state_is_the_engines(models):
    model = models["scaler_led"]
    scaler, batch, pop = model.scaler, model.batch, model.pop
    assert np.array_equal(scaler.deployments_by_module, _scaler(batch).deployments_by_module[0])
    assert np.shares_memory(scaler.deployments_by_module, _scaler(batch).deployments_by_module)
    assert scaler.active_deployments == int(((pop.state == PILOTING) & pop.supported).sum())
    assert scaler.active_deployments <= model.strategy.scaler.deployment_capacity
    rep, rows, cols = _scaler(batch).offers
    assert scaler.offers == list(zip(rows[rep == 0].tolist(), cols[rep == 0].tolist(),
                                     strict=True))
    assert all(type(i) is int and type(j) is int for i, j in scaler.offers)
    modules = _scaler(batch).module_columns
    assert all(j in modules and pop.relevant[i, j] for i, j in scaler.offers)


@checks(Scaler, "learning_factor")
def test_scaler_learning_is_the_engines(models):
    model = models["scaler_led"]
    scaler, batch = model.scaler, model.batch
    factor = scaler.learning_factor()
    exponent, floor = model.strategy.scaler.learning_exponent, model.strategy.scaler.learning_floor
    assert factor.shape == (5,)
    assert np.allclose(factor, floor + (1 - floor) * (
        1.0 + _scaler(batch).deployments_by_module[0]) ** -exponent)
    assert (factor >= floor).all()
    assert (factor[_scaler(batch).deployments_by_module[0] > 0] < 1).all()
    ending = batch.ending_terms()  # what the next step's ending pass will read
    module = model.data.innovations.module_type
    for j in _scaler(batch).module_columns:
        assert ending.supported_failure_factor[0, j] == pytest.approx(factor[module[j]])
        assert ending.supported_months[0, j] == math.ceil(
            batch.pilot_duration[j] * (0.5 + 0.5 * factor[module[j]]))


# ---------------------------------------------------------------- government


@checks(Government, "programme_live", "elections_held")
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_government_state_is_the_engines(models, strategy):
    model = models[strategy]
    government = model.government
    assert np.array_equal(government.programme_live, model.batch.programme_live[0])
    assert np.shares_memory(government.programme_live, model.batch.programme_live)
    assert government.programme_live.any()
    assert government.elections_held == model.batch.elections_held == 0  # first in month 51


@checks(Government, "months_to_election", "in_quick_win_window", "elections_held",
        "programme_live")
def test_the_election_calendar_is_the_engines(shipped_strategies, make_model, make_scenario):
    scenario = make_scenario(government={
        "first_election_month": 4, "election_cycle_months": 7, "quick_win_window_months": 3,
        "quick_win_months": 4})
    model = make_model(shipped_strategies["status_quo"], scenario=scenario, months=20)
    government, gov = model.government, scenario.government
    quick = model.data.innovations.time_to_benefit_months <= gov.quick_win_months
    windows, narrowed = set(), False
    for month in range(model.months):
        held, live = government.elections_held, government.programme_live.copy()
        to_election = government.months_to_election(month)
        assert to_election == institutions.months_to_election(scenario, month)
        window = government.in_quick_win_window(month)
        assert window == (0 < to_election <= gov.quick_win_window_months)
        model.step()
        election = month > 0 and to_election == 0
        assert government.elections_held - held == int(election), month
        if not election:  # a programme delivered on its dates also ends on them
            kept = ~model.batch.status_quo.delivery.delivered
            assert np.array_equal(government.programme_live[kept], live[kept]), month
        mandate = government.programme_live & (quick | (not window))
        assert np.array_equal(model.batch.economics.mandate_bonus[0] > 0, mandate), month
        windows.add(window)
        narrowed |= bool((government.programme_live & ~quick).any() and window)
    assert government.elections_held == 3 and windows == {True, False} and narrowed
