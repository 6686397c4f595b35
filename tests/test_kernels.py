"""The compiled passes over the cells follow the lifecycle rules as written in the ODD.

Each pass is checked against the same rule written with whole NumPy arrays, on a
batch part-way through a run (so cells are in every state and trusts have merged).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm import generators, kernels
from abm.cli import compose_run_config
from abm.config import BASELINE_STRATEGY, default_comparison
from abm.economics import cell_matrices
from abm.engine import CELL, Batch
from abm.generators import cell_words, normals, uniforms
from abm.mechanisms.scaler import choose_offers
from abm.population import ABANDONED, AWARE, EMBEDDED, PILOTING, UNAWARE, count_states
from abm.runner import replication_seed


@pytest.fixture(scope="module")
def batch() -> Batch:
    cfg = compose_run_config()
    status_quo = {s.name: s for s in cfg.strategies}["status_quo"]
    return Batch(cfg.scenario, status_quo, [replication_seed(4, r) for r in range(6)]).run(40)


def _expected_events(batch: Batch, draws: np.ndarray) -> np.ndarray:
    """This month's events by the ODD's rules (section 7), as whole-array NumPy."""
    pop, icb = batch.pop, batch.icb_of_trust
    econ = cell_matrices(batch.economics, icb)
    _, hazard_icb, nation = batch.awareness()
    terms, decision = batch.utility_terms(nation), batch.decision_terms()
    hazard = hazard_icb[:, icb]
    doubt = terms.risk_aversion[..., None] * terms.uncertainty_icb[:, icb] * \
        terms.risk_weight[:, None, :]
    expected = econ["utility_base"] + terms.log_belief[:, icb]
    utility = expected + np.log(np.maximum(CELL(1) - doubt, CELL(0.01))) + \
        terms.bonus[:, None, :]
    free = decision.free[..., None]
    able = (decision.budget[..., None] >= econ["pilot_total_trust_gbp_m"]) & \
        (free >= batch.pilot_need) & \
        (pop.group_size()[..., None] >= batch.data.innovations.min_unit_trusts)
    group = pop.group
    is_lead = (group == np.arange(pop.n_trusts))[..., None]
    weight = np.where(is_lead, decision.lead_weight[..., None],
                      np.where(pop.relevant[group], CELL(0), CELL(1))).astype(CELL)
    with np.errstate(over="ignore"):  # exp of a large argument: inf, so a chance of 0
        chance = CELL(1) / (CELL(1) + np.exp(-(decision.sharpness * utility)))
    chance = chance * (decision.rate * np.minimum(free, CELL(1))) * weight * able

    state, months = pop.state, pop.months_in_state(batch.month)
    heard = (state == UNAWARE) & pop.relevant & (draws < hazard)
    starts = ((state == AWARE) & (draws < chance)) | (heard & (draws < hazard * chance))
    ending = batch.ending_terms()
    due = (state == PILOTING) & (months + 1 >= batch.pilot_months)
    fails = due & (draws < econ["failure_probability"])
    fade = ending.fade_no_champion[..., None] * ending.programme_off[:, None, :] + \
        ending.fade_unfunded[..., None]
    fades = (state == PILOTING) & ~due & (draws < fade)
    drops = (state == EMBEDDED) & \
        (draws < np.where(pop.core_funded, CELL(0), ending.discontinuation)
         + ending.drop_unfunded[..., None])

    events = np.full(state.shape, kernels.EVENT_NONE, dtype=np.int8)
    events[heard] = kernels.EVENT_AWARE
    events[starts] = kernels.EVENT_START
    events[due & ~fails] = kernels.EVENT_SUCCEED
    events[fails] = kernels.EVENT_FAIL
    events[fades] = kernels.EVENT_FADE
    events[drops] = kernels.EVENT_DROP
    return events


def test_decision_pass_follows_the_lifecycle_rules(batch: Batch) -> None:
    rngs = [np.random.default_rng(seed) for seed in range(batch.reps)]
    draws = uniforms(rngs, batch.pop.state.shape[1:], CELL)
    words = (draws * CELL(2 ** 24)).astype(np.uint32) << np.uint32(8)
    assert np.array_equal(kernels.uniforms_from_words(words), draws)
    pop = batch.pop
    _, hazard, nation = batch.awareness()
    events = np.empty(pop.state.shape, dtype=np.int8)
    kernels.decide_cells(batch.cells(), batch.month, words, hazard, batch.utility_terms(nation),
                         batch.decision_terms(), batch.ending_terms(), batch.in_use_in_row,
                         events)
    expected = _expected_events(batch, draws)
    assert (batch.pop.group != np.arange(pop.n_trusts)).any(), "no merged units to check"
    for code in (kernels.EVENT_AWARE, kernels.EVENT_START, kernels.EVENT_SUCCEED,
                 kernels.EVENT_DROP):
        assert (expected == code).any(), f"no cell with event {code} to check"
    np.testing.assert_array_equal(events, expected)


def test_state_counts_and_cells_in_use_match_the_states(batch: Batch) -> None:
    state, relevant = batch.pop.state, batch.pop.relevant
    counts, embedded_icb, users_icb = batch.state_tally()
    for s in (AWARE, PILOTING, EMBEDDED, ABANDONED):
        np.testing.assert_array_equal(counts[:, s], (state == s).sum(axis=1))
    np.testing.assert_array_equal(counts[:, UNAWARE],
                                  ((state == UNAWARE) & relevant).sum(axis=1))
    used = (state == PILOTING) | (state == EMBEDDED)
    per_icb = np.stack([np.add.reduceat(used[r][np.argsort(batch.icb_of_trust, kind="stable")],
                                        batch.icb_starts[:-1]) for r in range(batch.reps)])
    np.testing.assert_array_equal(users_icb, per_icb)
    np.testing.assert_array_equal(embedded_icb.sum(axis=1), (state == EMBEDDED).sum(axis=(1, 2)))
    np.testing.assert_array_equal(batch.in_use_in_row, used.sum(axis=2))
    embedded_before_start = (state == EMBEDDED) & batch.pop.core_funded
    np.testing.assert_array_equal(batch.paying_in_row,
                                  (used & ~embedded_before_start).sum(axis=2))


@pytest.mark.parametrize("name", [name for name in default_comparison()
                                  if name != BASELINE_STRATEGY])
def test_counts_kept_event_by_event_equal_a_fresh_count(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts and cell lists updated as cells change state equal those counted afresh.

    Checked every month of a run of each strategy of the comparison with a mechanism on
    (scaler-supported pilots, many mergers ...), with the month's completed pilots per
    innovation against those per ICB.
    """
    apply_events, completions = kernels.apply_events, []

    def checked_apply_events(*args):
        result = apply_events(*args)
        outcomes = args[4]
        completed_icb, completed = outcomes.completed_icb, outcomes.completed
        np.testing.assert_array_equal(completed, completed_icb.sum(axis=1))
        completions.append(completed.sum())
        return result

    monkeypatch.setattr(kernels, "apply_events", checked_apply_events)
    cfg = compose_run_config()
    strategy = {s.name: s for s in cfg.strategies}[name]
    batch = Batch(cfg.scenario, strategy, [replication_seed(5, r) for r in range(5)])
    for _ in range(36):
        batch.step()
        kept = [a.copy() for a in (*batch.state_tally(), batch.in_use_in_row,
                                   batch.paying_in_row)]
        fresh = [*batch._empty_state_tally(), np.empty_like(batch.in_use_in_row),
                 np.empty_like(batch.paying_in_row)]
        count_states(batch.pop.state, batch.pop.core_funded,
                             batch.relevant_per_innovation, batch.icb_of_trust, *fresh)
        for kept_array, fresh_array in zip(kept, fresh, strict=True):
            np.testing.assert_array_equal(kept_array, fresh_array)
    assert batch.paying_in_row.sum() > 0 and sum(completions) > 0


def test_money_tally_matches_whole_array_sums(batch: Batch) -> None:
    pop, econ = batch.pop, batch.economics
    owed = batch.tally_money()
    icb = batch.icb_of_trust
    matrices = cell_matrices(econ, icb)
    piloting = pop.state == PILOTING
    running = (pop.state == EMBEDDED) & ~pop.core_funded
    trust_share, icb_share = econ.trust_share[:, icb], econ.icb_share[:, icb]
    site = pop.programme_site
    # a programme site pays what its grant leaves, and its share of running costs
    pilot = matrices["pilot_monthly_gbp_m"] * np.where(site, econ.site_pilot_share[:, None], 1)
    full_run = matrices["running_monthly_gbp_m"]
    run = full_run * np.where(site, econ.site_running_share[:, None], 1)
    capital = econ.capital_share  # paid from capital for change (multi-year financing)
    np.testing.assert_allclose(owed.running_due, (running * run * trust_share).sum(-1),
                               rtol=1e-5)
    np.testing.assert_allclose(owed.pilots_due,
                               (piloting * pilot * trust_share * (1 - capital)).sum(-1),
                               rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(owed.capital_due,
                               (piloting * pilot * trust_share * capital).sum(-1),
                               rtol=1e-5, atol=1e-9)
    grants = (piloting & site) * econ.site_grant_per_month
    np.testing.assert_allclose(owed.programme_due, grants.sum((1, 2)) + (
        running * site * (full_run - run)).sum((1, 2)), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(owed.icb_due, (piloting * pilot * icb_share
                                                 + running * run * icb_share).sum(-1),
                               rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(owed.full_due, (piloting * pilot + running * run).sum(1),
                               rtol=1e-5)
    # tallied as in the next step, at whose end the months in state have grown by one
    realised = running & (pop.months_in_state(batch.month + 1) >= batch.benefit_delay)
    true_bed_days = matrices["effect_bed_days"] * pop.realised_effect  # not the catalogue's
    np.testing.assert_allclose(owed.bed_days, (realised * true_bed_days).sum(-1),
                               rtol=1e-5, atol=1e-3)
    true_cash = matrices["effect_gbp_m"] * pop.realised_effect
    np.testing.assert_allclose(owed.cash, (realised * true_cash).sum(2), rtol=1e-5)
    assert owed.bed_days.sum() > 0 and owed.running_due.sum() > 0


def test_cell_words_give_the_generators_float32_draws() -> None:
    """The halves of 64-bit outputs, read as uniforms, are ``Generator.random(dtype=float32)``.

    Interleaved with the other draws the cell stream takes (normals, float64
    uniforms), over several months, so the generator's state stays in step too.
    """
    fast = [np.random.default_rng(seed) for seed in (11, 12, 13)]
    plain = [np.random.default_rng(seed) for seed in (11, 12, 13)]
    for _ in range(4):
        words = cell_words(fast, (205, 30))
        assert words.shape == (3, 205, 30) and words.dtype == np.uint32
        assert np.array_equal(kernels.uniforms_from_words(words),
                              uniforms(plain, (205, 30), CELL))
        assert np.array_equal(normals(fast, (7,)), normals(plain, (7,)))
        assert np.array_equal(uniforms(fast, (5,)), np.stack([rng.random(5) for rng in plain]))
    odd = kernels.uniforms_from_words(cell_words(fast, (3, 5)))  # drawn the ordinary way
    assert np.array_equal(odd, uniforms(plain, (3, 5), CELL))
    assert odd.dtype == CELL and (odd >= 0).all() and (odd < 1).all()


def test_compiled_draws_are_the_generators_own() -> None:
    """Draws filled through the ctypes interface are ``random_raw`` and ``random``'s,
    and leave each generator where its own methods would (checked by drawing on)."""
    fast = [np.random.default_rng(seed) for seed in (21, 22)]
    plain = [np.random.default_rng(seed) for seed in (21, 22)]
    raw = generators.Streams(fast).raw_outputs(9)
    assert raw.dtype == np.uint64 and raw.shape == (2, 9)
    assert np.array_equal(raw, np.stack([rng.bit_generator.random_raw(9) for rng in plain]))
    assert np.array_equal(generators.Streams(fast).uniforms(4),
                          np.stack([rng.random(4) for rng in plain]))
    assert [rng.normal() for rng in fast] == [rng.normal() for rng in plain]
    assert generators.Streams(fast).uniforms(0).shape == (2, 0)
    assert generators.Streams([]).uniforms(3).shape == (0, 3)


def test_awareness_hazard_follows_peer_use_after_many_months(batch: Batch) -> None:
    """The hazard kept from month to month equals the one worked out afresh."""
    users = batch.state_tally()[2]
    peer, hazard, nation = batch.awareness()
    icbs, innov, scenario = batch.data.icbs, batch.data.innovations, batch.scenario
    by_region = np.stack([np.add.reduceat(users[r][np.argsort(icbs.region, kind="stable")],
                                          np.searchsorted(np.sort(icbs.region),
                                                          np.arange(len(icbs.region_names))))
                          for r in range(batch.reps)])
    np.testing.assert_allclose(nation, users.sum(axis=1) / batch.relevant_nation, rtol=1e-6)
    w_icb, w_region = batch.peer_weights()
    local = batch.boards.pooled(users) / batch.relevant_board  # merged boards from month 12
    assert batch.boards.acting(batch.month)
    seen = w_icb * local + \
        w_region * (by_region / batch.relevant_region)[:, icbs.region] + \
        (1.0 - w_icb - w_region) * nation[:, None, :]
    np.testing.assert_allclose(peer, seen, rtol=1e-5)
    diff, gov = scenario.diffusion, scenario.government
    yearly = (diff.external_influence_p_per_year
              + gov.national_awareness_p_per_year * batch.programme_live
              + scenario.vendors.marketing_p_per_year * innov.vendor_product)[:, None, :] + \
        diff.imitation_q_per_year * seen
    np.testing.assert_allclose(hazard, 1.0 - np.exp(-yearly / 12.0), rtol=1e-5)
    assert (peer > 0).any() and (hazard > 0).all()


def _offers_by_ranking(state, relevant, supported, budget, modules, draws, capacity):
    """The scaler's offers by the rule written with whole arrays: a full sort per replication."""
    running = ((state == PILOTING) & supported).sum(axis=(1, 2))
    open_cells = (state[..., modules] <= AWARE) & relevant[:, modules] & \
        (budget > 0)[..., None]
    score = budget[..., None] * (0.5 + draws)
    offers = []
    for r in range(state.shape[0]):
        k = min(max(capacity - running[r], 0), int(open_cells[r].sum()))
        cells = np.flatnonzero(open_cells[r])
        best = cells[np.argsort(-score[r].ravel()[cells], kind="stable")][:k]
        offers += [(r, *np.unravel_index(cell, open_cells.shape[1:])) for cell in best]
    return [tuple(int(v) for v in offer) for offer in offers]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), capacity=st.integers(0, 40))
def test_scaler_offers_go_to_the_best_ranked_open_cells(seed: int, capacity: int) -> None:
    rng = np.random.default_rng(seed)
    reps, trusts, innovations = 3, 12, 6
    state = rng.integers(0, 5, (reps, trusts, innovations)).astype(np.int8)
    relevant = rng.random((trusts, innovations)) < 0.8
    supported = rng.random(state.shape) < 0.5
    budget = np.where(rng.random((reps, trusts)) < 0.2, 0.0, rng.random((reps, trusts)))
    modules = np.array([0, 2, 3, 5])
    draws = rng.random((reps, trusts, len(modules)))
    rep, rows, cols = choose_offers(state, relevant, supported, budget, modules,
                                                 draws, capacity)
    assert list(zip(rep.tolist(), rows.tolist(), cols.tolist(), strict=True)) == \
        _offers_by_ranking(state, relevant, supported, budget, modules, draws, capacity)
