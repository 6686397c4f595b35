"""How trusts pay for change (``scenario.finance.financing``).

* Yearly (england_flat): no capital for change, the whole pilot must be affordable.
* Multi-year (the default): only the first ``financed_months`` must be met when a pilot starts;
  its capital part is paid from capital for change, what that cannot pay falls on
  the revenue budget; capital lapses each April; spend counts what capital paid.
* The start rule, over its whole input space: more money never stops a start;
  with no capital share and no capital it is the yearly rule.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abm.cli import compose_run_config
from abm.engine import Batch
from abm.inputs import england
from abm.kernels import can_start
from abm.mechanisms import FLOWS
from abm.population import PILOTING, UNAWARE
from abm.runner import replication_seed

CFG = compose_run_config()
STATUS_QUO = next(s for s in CFG.strategies if s.name == "status_quo")
MULTI_YEAR = CFG.scenario  # the default
YEARLY = CFG.scenario.model_copy(update={"finance": CFG.scenario.finance.model_copy(
    update={"financing": "yearly"})})
REPS = 4
F32 = np.float32


def batch(scenario) -> Batch:
    return Batch(scenario, STATUS_QUO, [replication_seed(2, r) for r in range(REPS)])


def column(name: str) -> int:
    return list(england().innovations.innovation_id).index(name)


def test_yearly_financing_has_no_capital_and_counts_the_whole_pilot() -> None:
    run = batch(YEARLY)
    assert not run.pop.capital_allocation_gbp_m_per_year.any()
    assert not run.economics.capital_share.any()
    np.testing.assert_array_equal(run.economics.financed_months, run.economics.duration)


def test_multi_year_financing_counts_the_financed_months_only() -> None:
    run = batch(MULTI_YEAR)
    months = MULTI_YEAR.finance.financed_months
    np.testing.assert_array_equal(run.economics.financed_months,
                                  np.minimum(run.economics.duration, months))
    epr = column("electronic_patient_record")
    assert run.economics.capital_share[epr] == pytest.approx(0.6)
    assert (run.pop.capital_allocation_gbp_m_per_year > 0).all()


def one_pilot(run: Batch, name: str) -> int:
    """Trust row 0 uses nothing but a pilot of ``name`` (returns its column)."""
    i = column(name)
    run.pop.state[:, 0, :] = UNAWARE
    run.pop.relevant[0, i] = True
    run.pop.state[:, 0, i] = PILOTING
    run._state_tally = None
    run.in_use_in_row[:], run.paying_in_row[:] = 0, 0
    run.state_tally()
    return i


@pytest.mark.parametrize("capital", [100.0, 0.01, 0.0])
def test_the_capital_part_is_paid_from_capital_then_from_revenue(capital) -> None:
    run = batch(MULTI_YEAR)
    run.status_quo.start_month(0)  # April: budgets and capital arrive
    one_pilot(run, "community_diagnostic_centre")
    run.pop.capital_gbp_m[:, 0] = capital
    run.pop.budget_gbp_m[:, 0] = 100.0
    owed = run.tally_money()
    capital_due, revenue_due = owed.capital_due[:, 0].copy(), owed.pilots_due[:, 0].copy()
    assert (capital_due > 0).all()
    np.testing.assert_allclose(capital_due / (capital_due + revenue_due), 0.8, rtol=1e-5)
    run._pay_costs(owed)
    from_capital = np.minimum(capital, capital_due)
    np.testing.assert_allclose(run.pop.capital_gbp_m[:, 0], capital - from_capital)
    np.testing.assert_allclose(run.pop.budget_gbp_m[:, 0],
                               100.0 - revenue_due - (capital_due - from_capital), rtol=1e-9)
    spent = run.flows[:, FLOWS.index("spend_trust_gbp_m")]
    assert (spent >= capital_due + revenue_due - 1e-9).all()


def test_capital_for_change_lapses_each_april() -> None:
    run = batch(MULTI_YEAR).run(11)
    run.pop.capital_gbp_m[:] = 0.0
    run.status_quo.start_month(11)  # March: nothing arrives
    assert not run.pop.capital_gbp_m.any()
    run.pop.capital_gbp_m[:] = 0.5 * run.pop.capital_allocation_gbp_m_per_year
    run.status_quo.start_month(12)  # April: last year's capital has lapsed, this year's arrives
    np.testing.assert_allclose(run.pop.capital_gbp_m, run.pop.capital_allocation_gbp_m_per_year)


money = st.floats(0.0, 1e4, allow_nan=False, width=32)


@settings(max_examples=300, deadline=None)
@given(budget=money, capital=money, cost=money, share=st.floats(0.0, 1.0, width=32),
       extra=st.floats(0.0, 1e3, width=32))
def test_more_money_never_stops_a_start(budget, capital, cost, share, extra) -> None:
    f = [F32(x) for x in (budget, capital, cost, share, extra)]
    if can_start(f[0], f[1], f[2], f[3], F32(1.0), F32(0.5)):
        assert can_start(F32(f[0] + f[4]), f[1], f[2], f[3], F32(1.0), F32(0.5))
        assert can_start(f[0], F32(f[1] + f[4]), f[2], f[3], F32(1.0), F32(0.5))


@settings(max_examples=300, deadline=None)
@given(budget=money, cost=money)
def test_without_capital_the_rule_is_the_yearly_rule(budget, cost) -> None:
    b, c = F32(budget), F32(cost)
    assert can_start(b, F32(0.0), c, F32(0.0), F32(1.0), F32(0.5)) == (b >= c)
    assert not can_start(b, F32(0.0), c, F32(0.0), F32(0.1), F32(0.5))
