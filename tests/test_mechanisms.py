"""Each strategy changes the outcome only through its mechanisms, and each mechanism acts.

A strategy's name is a label: switching every mechanism off must give the status quo,
number for number. Switching the scaler on must change results, the scaler must never
run more deployments than its capacity, consolidation must reduce decision units by
merging only trusts of one ICB (and of one merger family, up to the largest group
size), and the open platform's published evidence must lower uncertainty faster.
"""

from __future__ import annotations

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from abm.config import (
    OpenPlatformConfig,
    ScalerConfig,
    ScenarioConfig,
    StrategyConfig,
    parse_config,
)
from abm.engine import Batch
from abm.inputs import england
from abm.mechanisms import FLOWS, MECHANISM_NAMES, MECHANISMS
from abm.mechanisms.consolidation import MERGER_FAMILY
from abm.population import ABANDONED, AWARE, EMBEDDED, PILOTING
from abm.runner import replication_seed, run_replication

SEED = 20251
TABLES = ("steps", "innovation_steps", "icb_steps", "run", "run_innovations")


def replication_tables(strategy, replication: int, months: int = 60):
    return run_replication(ScenarioConfig(), strategy, SEED, replication, months)


def leads(pop) -> np.ndarray:
    return pop.group == np.arange(pop.n_trusts)


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_the_strategy_name_is_only_a_label(shipped_strategies, replication):
    relabelled = StrategyConfig(name="scaler_led")  # every mechanism disabled
    base = replication_tables(shipped_strategies["status_quo"], replication)
    other = replication_tables(relabelled, replication)
    assert set(other.steps["strategy"]) == {"scaler_led"}
    for name in TABLES:
        assert_frame_equal(getattr(base, name).drop(columns="strategy"),
                           getattr(other, name).drop(columns="strategy"), obj=name)


def test_status_quo_runs_no_strategy_mechanism(shipped_strategies, small_results):
    quo = small_results.steps[small_results.steps["strategy"] == "status_quo"]
    assert (quo[["scaler_deployments_started", "scaler_revenue_gbp_m"]] == 0).all().all()
    status_quo = shipped_strategies["status_quo"]
    assert not (status_quo.scaler.enabled or status_quo.open_platform.enabled
                or status_quo.consolidation.enabled)


# --------------------------------------------------------------------------- scaler


def test_enabling_the_scaler_changes_results(shipped_strategies):
    quo = replication_tables(shipped_strategies["status_quo"], 0)
    scaler = replication_tables(shipped_strategies["scaler_led"], 0)
    assert scaler.steps["scaler_deployments_started"].sum() > 0
    assert scaler.steps["scaler_revenue_gbp_m"].sum() > 0
    assert scaler.run["pilots_started"].iloc[0] != quo.run["pilots_started"].iloc[0]
    assert not scaler.innovation_steps.drop(columns="strategy").equals(
        quo.innovation_steps.drop(columns="strategy"))


@pytest.mark.parametrize("capacity", [3, 25])
def test_the_scaler_never_runs_more_deployments_than_its_capacity(make_model, make_scenario,
                                                                  capacity):
    """Demand made ample (free deployments, boards that decide every month, little risk
    aversion) so that the limit can bind."""
    strategy = parse_config({"name": "scaler_led", "scaler": {
        "enabled": True, "deployment_capacity": capacity, "price_gbp_m": 0.0}}, StrategyConfig)
    eager = make_scenario(diffusion={"decision_rate_per_month": 1.0},
                          population={"risk_aversion_mean": 0.3})
    peak = []
    for replication in range(3):
        model = make_model(strategy, scenario=eager, replication=replication, months=60)
        modules = model.data.innovations.module_type >= 0
        active = []
        for _ in range(60):
            model.step()
            running = int(((model.pop.state == PILOTING) & model.pop.supported).sum())
            assert running == model.scaler.active_deployments
            assert running <= capacity
            assert model.flows["scaler_deployments_started"] <= capacity
            assert not model.pop.supported[:, ~modules].any(), "the scaler carries modules only"
            active.append(running)
        peak.append(max(active))
    assert min(peak) > 0
    if capacity == 3:
        assert max(peak) == capacity, "with a small capacity the limit binds"


# --------------------------------------------------------------------------- consolidation


def test_consolidation_merges_within_icbs_and_decision_units_fall(shipped_strategies,
                                                                   make_model):
    for replication in (0, 1):
        model = make_model(shipped_strategies["consolidation"], replication=replication,
                           months=120)
        trusts = model.data.trusts
        family = MERGER_FAMILY[trusts.trust_type]
        max_size = model.strategy.consolidation.max_group_size
        units = [len(model.trusts)]
        for _ in range(120):
            model.step()
            group = model.pop.group
            assert (trusts.icb[group] == trusts.icb).all(), "a merger crossed an ICB boundary"
            assert (family[group] == family).all(), "a merger crossed trust families"
            assert np.bincount(group).max() <= max_size
            units.append(int(leads(model.pop).sum()))
        assert (np.diff(units) <= 0).all()
        assert units[-1] < units[60] < units[0], f"decision units {units[::12]}"
        quo = make_model(shipped_strategies["status_quo"], replication=replication,
                         months=120).run()
        assert units[-1] < leads(quo.pop).sum(), "consolidation merges more than background"


@pytest.fixture(scope="module")
def member_starts(shipped_strategies, make_model) -> dict[str, tuple[int, int]]:
    """Months at risk and pilot starts of group members' open cells, by kind of cell.

    Over 6 consolidation replications of 120 months, each month, for every member trust
    (not the lead of its decision unit) and every relevant innovation it has not started
    (unaware or aware): "orphan" if the innovation is not relevant to the lead's type,
    "lead_has_it" if the lead is already piloting, embedded or has abandoned it, "open"
    otherwise. Returns kind -> (cell-months, starts in the following month).
    """
    totals = {kind: [0, 0] for kind in ("orphan", "lead_has_it", "open")}
    for replication in range(6):
        model = make_model(shipped_strategies["consolidation"], seed=7,
                           replication=replication, months=120)
        for _ in range(120):
            pop = model.pop
            member = ~leads(pop)[:, None]
            not_started = member & pop.relevant & (pop.state <= AWARE)
            lead_relevant = pop.relevant[pop.group]
            lead_started = pop.state[pop.group] > AWARE
            kinds = {"orphan": not_started & ~lead_relevant,
                     "lead_has_it": not_started & lead_relevant & lead_started,
                     "open": not_started & lead_relevant & ~lead_started}
            model.step()
            started = model.pop.state == PILOTING
            for kind, cells in kinds.items():
                totals[kind][0] += int(cells.sum())
                totals[kind][1] += int((cells & started).sum())
    return {kind: (months, starts) for kind, (months, starts) in totals.items()}


def assert_members_can_start(member_starts, kind: str) -> None:
    months, starts = member_starts[kind]
    open_months, open_starts = member_starts["open"]
    assert months > 1000 and open_starts > 100, "the runs must contain such groups"
    expected = months * open_starts / open_months
    assert starts > 0, (
        f"0 starts in {months} member-innovation months of kind {kind!r}; {expected:.0f} "
        f"expected at the rate of the members' other cells ({open_starts} in {open_months})")


def test_a_merged_trust_can_adopt_innovations_its_lead_does_not_use(member_starts):
    assert_members_can_start(member_starts, "orphan")


def test_a_merged_trust_can_adopt_what_its_lead_already_has(member_starts):
    assert_members_can_start(member_starts, "lead_has_it")


# --------------------------------------------------------------------------- open platform


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_published_evidence_lowers_uncertainty_faster(shipped_strategies, make_model,
                                                      replication):
    quo = make_model(shipped_strategies["status_quo"], replication=replication, months=60)
    platform = make_model(shipped_strategies["open_platform"], replication=replication,
                          months=60)
    start = quo.pop.uncertainty_icb.mean()
    assert platform.pop.uncertainty_icb.mean() == start
    quo.run()
    platform.run()
    quo_mean, platform_mean = quo.pop.uncertainty_icb.mean(), platform.pop.uncertainty_icb.mean()
    assert platform_mean < quo_mean <= start
    # more than a rounding difference: the platform removes several times more uncertainty
    assert start - platform_mean > 3 * (start - quo_mean), (start, quo_mean, platform_mean)


# --------------------------------------------------------------------------- lifecycle timing


def test_a_pilot_lasts_its_pilot_duration(shipped_strategies, make_model):
    model = make_model(shipped_strategies["status_quo"], months=120)
    under_way = model.pop.state == PILOTING  # started before the run: part-way through
    history = []
    for _ in range(120):
        model.step()
        history.append(model.pop.state.copy())
    history = np.stack(history)  # (months, trusts, innovations)
    duration = model.data.innovations.pilot_duration_months
    observed: dict[int, set[int]] = {}
    for i, j in zip(*np.nonzero((history == EMBEDDED).any(axis=0)
                                & (history == PILOTING).any(axis=0)), strict=True):
        if under_way[i, j]:
            continue
        cell = history[:, i, j]
        first_pilot = int(np.argmax(cell == PILOTING))
        first_embedded = int(np.argmax(cell == EMBEDDED))
        if first_embedded > first_pilot:
            observed.setdefault(int(duration[j]), set()).add(first_embedded - first_pilot)
    assert observed, "some pilots completed"
    for months, seen in observed.items():
        assert seen == {months}, f"pilot_duration_months {months}: months in PILOTING {seen}"


# --------------------------------------------------------------------------- combinations


def _batch(strategy: StrategyConfig, months: int) -> Batch:
    seeds = [replication_seed(SEED, r) for r in range(4)]
    return Batch(ScenarioConfig(), strategy, seeds).run(months)


def test_every_strategy_setting_has_its_mechanism_module():
    assert sorted(MECHANISM_NAMES) == sorted(m.name for m in MECHANISMS)
    batch = _batch(StrategyConfig(), 1)
    assert list(batch.mechanisms) == [m.name for m in MECHANISMS]


def test_a_mechanism_switched_off_leaves_every_term_as_it_is():
    batch = _batch(StrategyConfig(), 14)
    nation = batch.awareness()[2]
    utility, ending, load = batch.utility_terms(nation), batch.ending_terms(), \
        batch.capacity_terms()
    acts_when_off = ("consolidation",)  # its settings say how background mergers work too
    assert set(acts_when_off) < set(MECHANISM_NAMES)
    for name in (m for m in MECHANISM_NAMES if m not in acts_when_off):
        mechanism = batch.mechanisms[name]
        assert not mechanism.enabled
        assert mechanism.utility_terms(utility, nation) is utility
        assert mechanism.ending_terms(ending) is ending
        assert mechanism.capacity_terms(load) is load
        assert mechanism.peer_reach() == 0.0 and mechanism.national_cost_gbp_m() == 0.0
    np.testing.assert_array_equal(ending.drop_carried, 0.0)
    np.testing.assert_array_equal(utility.risk_weight, 1.0)
    np.testing.assert_array_equal(utility.bonus, 0.0)
    assert load.carried is None


def test_a_hybrid_of_scaler_and_open_platform_runs_both_mechanisms():
    """Any combination of mechanisms is a strategy: no code names the combination."""
    hybrid = StrategyConfig(name="scaler_open_platform", scaler=ScalerConfig(enabled=True),
                            open_platform=OpenPlatformConfig(enabled=True))
    batch = _batch(hybrid, 36)
    flows = batch.recorded()["flows"]  # (R, months, flows)
    scaler, platform = hybrid.scaler, hybrid.open_platform
    assert flows[:, :, FLOWS.index("scaler_deployments_started")].sum() > 0
    assert flows[:, :, FLOWS.index("scaler_revenue_gbp_m")].sum() > 0
    assert (flows[:, :, FLOWS.index("spend_national_gbp_m")]
            >= platform.platform_cost_gbp_m_per_year / 12 - 1e-12).all()
    load = batch.capacity_terms()
    per_pilot = ScenarioConfig().barriers.pilot_load * batch.data.innovations.complexity
    np.testing.assert_array_equal(load.per_pilot, per_pilot)
    np.testing.assert_array_equal(load.carried, per_pilot * (1 - scaler.load_share_carried))
    documented = batch.mechanisms["open_platform"].contribution * batch.reform_live[:, None]
    np.testing.assert_array_equal(load.extra_per_pilot, platform.publication_load * documented)
    utility = batch.utility_terms(batch.awareness()[2])
    assert (utility.risk_weight >= 1).all() and (utility.risk_weight > 1).any()
    assert (utility.bonus > 0).any()
    assert batch.mechanisms["scaler"].deployments_by_module.sum() > 0
    alone = _batch(StrategyConfig(name="scaler_led", scaler=ScalerConfig(enabled=True)), 36)
    assert batch.pop.uncertainty_icb.mean() < alone.pop.uncertainty_icb.mean()


def test_merged_trusts_save_on_back_offices_after_the_lag():
    """Every merger (background ones too) saves a share of its trusts' turnover, after a lag."""
    from abm.strategy_config import ConsolidationConfig

    def savings(share: float) -> np.ndarray:
        strategy = StrategyConfig(name="consolidation", consolidation=ConsolidationConfig(
            enabled=True, back_office_saving_share=share, back_office_saving_lag_months=12))
        batch = _batch(strategy, 0)
        mechanism, months = batch.mechanisms["consolidation"], []
        for _ in range(48):
            batch.step()
            months.append(np.sum(mechanism.saving_gbp_m(), axis=-1) * np.ones(batch.reps))
        return np.array(months)  # (months, R)

    none, some = savings(0.0), savings(0.02)
    assert (none == 0).all()
    assert (some[:12] == 0).all(), "no merger can have passed a 12-month lag yet"
    assert (some[12:] >= 0).all() and some[-1].sum() > 0
    assert (np.diff(some, axis=0) >= -1e-12).all(), "merged units only grow, so savings too"


def test_a_multi_trust_innovation_cannot_be_adopted_by_a_lone_trust():
    """Networks and hubs need a decision unit of two trusts or more; mergers make them."""
    multi = np.flatnonzero(england().innovations.min_unit_trusts > 1)
    assert len(multi) >= 3
    used = {}
    for strategy in (StrategyConfig(), parse_config(
            {"name": "consolidation", "consolidation": {"enabled": True}}, StrategyConfig)):
        batch = _batch(strategy, 120)
        pop = batch.pop
        in_use = np.isin(pop.state[:, :, multi], (PILOTING, EMBEDDED)) | (
            pop.state[:, :, multi] == ABANDONED)  # a pilot once started, whatever came of it
        lone = pop.group_size() == 1  # units only grow: a lone trust now was always alone
        assert not (in_use & lone[..., None]).any(), strategy.name
        used[strategy.name] = in_use.sum()
    assert used["consolidation"] > used["status_quo"]
