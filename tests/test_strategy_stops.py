"""An election can stop any strategy, and each stops as its mechanism says.

With ``scenario.government.reform_stop_probability`` 1 the first new government
(month 51 at the defaults) stops the strategy in every replication; with 0 none
does. Both draw the verdict, so the months before the election are identical and
the status quo, which has nothing to stop, is identical throughout.

* The scaler's contract ends: no offers after it, and the innovations it carried
  are dropped far more often (dependency) than under a contract that runs on.
* The open platform is defunded: its national cost stops.
* The merger programme halts: strategic mergers stop, background ones go on.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from abm.config import MECHANISMS, RunConfig, ScenarioConfig, parse_config
from abm.engine import Batch
from abm.mechanisms import FLOWS
from abm.population import EMBEDDED, PILOTING
from abm.runner import replication_seed, run_experiment
from abm.strategy_config import StrategyConfig

ELECTION = 51  # the first election at the defaults (July 2029)
SEEDS = [replication_seed(8, r) for r in range(8)]


def _scenario(stop: float) -> ScenarioConfig:
    return parse_config({"government": {"reform_stop_probability": stop}}, ScenarioConfig)


def _strategy(mechanism: str) -> StrategyConfig:
    return parse_config({"name": mechanism, mechanism: {"enabled": True}}, StrategyConfig)


@cache
def _batch(mechanism: str, stop: float, months: int) -> Batch:
    return Batch(_scenario(stop), _strategy(mechanism), SEEDS).run(months)


def _flows(batch: Batch) -> np.ndarray:
    return batch.recorded()["flows"]  # (R, months, flows)


def test_the_status_quo_is_the_same_whatever_a_government_would_stop():
    def tables(stop: float):
        return run_experiment(RunConfig(seed=3, replications=4, months=80,
                                        scenario=_scenario(stop))).steps
    assert tables(0.0).equals(tables(1.0))


def test_every_strategy_runs_alike_until_the_election():
    for mechanism in MECHANISMS:
        kept, stopped = _flows(_batch(mechanism, 0.0, 60)), _flows(_batch(mechanism, 1.0, 60))
        np.testing.assert_array_equal(kept[:, :ELECTION], stopped[:, :ELECTION])
        assert _batch(mechanism, 1.0, 60).reform_live.sum() == 0
        assert _batch(mechanism, 0.0, 60).reform_live.all()


def test_a_cancelled_contract_ends_offers_and_raises_discontinuation_of_carried_innovations():
    def dropped_share(stop: float) -> float:
        batch = Batch(_scenario(stop), _strategy("scaler"), SEEDS).run(ELECTION + 1)
        carried = (batch.pop.state == EMBEDDED) & batch.pop.supported & ~batch.pop.core_funded
        assert carried.sum() > 20, "too few carried innovations to compare"
        assert not (batch.pop.supported & (batch.pop.state == PILOTING)).any() or stop == 0.0
        batch.run(36)
        return float((batch.pop.state[carried] != EMBEDDED).mean())

    kept, ended = dropped_share(0.0), dropped_share(1.0)
    assert ended > kept + 0.2, (kept, ended)
    started = FLOWS.index("scaler_deployments_started")
    after = _flows(_batch("scaler", 1.0, 90))[:, ELECTION + 1:, started]
    assert after.sum() == 0
    fees = FLOWS.index("scaler_revenue_gbp_m")
    revenue = _flows(_batch("scaler", 1.0, 90))[:, ELECTION + 1:, fees]
    assert revenue.sum() == 0  # no fees, no lock-in fees once the contract has ended


def test_a_defunded_platform_costs_the_nation_and_the_trusts_nothing_more():
    monthly = StrategyConfig().open_platform.platform_cost_gbp_m_per_year / 12
    for stop, cost in ((0.0, monthly), (1.0, 0.0)):
        batch = _batch("open_platform", stop, 70)
        platform = batch.mechanisms["open_platform"]
        np.testing.assert_allclose(platform.national_cost_gbp_m(), cost)
        publishing = batch.capacity_terms().extra_per_pilot
        np.testing.assert_allclose(publishing, StrategyConfig().open_platform.publication_load
                                   * platform.contribution * (stop == 0.0))
        charges = platform.charge(batch.month, batch.tally_money())
        trusts_part = StrategyConfig().open_platform.trust_cost_gbp_m_per_year / 12
        np.testing.assert_allclose(charges.running, trusts_part * (stop == 0.0))
        np.testing.assert_allclose(charges.fees, 0.0)
        blame = batch.utility_terms(batch.awareness()[2]).risk_weight
        assert (blame > 1).any() == (stop == 0.0)  # published failures weigh only if published


def test_a_halted_merger_programme_leaves_only_background_mergers():
    months = 120
    after = slice(ELECTION + 1, months)
    kept = _flows(_batch("consolidation", 0.0, months))[:, after, FLOWS.index("mergers")].sum()
    stopped = _flows(_batch("consolidation", 1.0, months))[:, after, FLOWS.index("mergers")].sum()
    background = Batch(_scenario(1.0), StrategyConfig(), SEEDS).run(months)
    alone = _flows(background)[:, after, FLOWS.index("mergers")].sum()
    assert stopped < 0.5 * kept, (stopped, kept)
    assert stopped <= 2 * alone + 8, (stopped, alone)
