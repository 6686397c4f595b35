"""National programmes delivered as the NHS ran them (``scenario.government.programmes``).

* The data table is checked: unknown innovations, dates, shares, grants and who
  chooses are refused by name.
* Flat (england_flat): nothing is delivered, no site is ever chosen.
* Recorded: each programme is live on its dates only; sites are relevant trusts
  not yet using the innovation, no more than the target and the capital allow;
  a site's trust pays only what its grant leaves; the centre pays the grant and
  meets running costs until the revenue ends, then the trust pays them all (the
  cliff edge).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from abm.cli import compose_run_config
from abm.engine import Batch
from abm.inputs import NO_DATE, DataError, _programmes, england, read_table
from abm.mechanisms import FLOWS
from abm.population import AWARE, EMBEDDED, PILOTING, UNAWARE
from abm.runner import replication_seed

CFG = compose_run_config()
STATUS_QUO = next(s for s in CFG.strategies if s.name == "status_quo")
RECORDED = CFG.scenario  # the default: programmes on their dates, the April 2025 start
FLAT = compose_run_config("scenario=england_flat").scenario
REPS = 6


def batch(scenario=RECORDED, data=None) -> Batch:
    return Batch(scenario, STATUS_QUO, [replication_seed(9, r) for r in range(REPS)], data)


def column(name: str) -> int:
    return list(england().innovations.innovation_id).index(name)


def with_programme(name: str, **changes) -> object:
    """The England data with one programme's dates and money changed."""
    data = england()
    programmes = data.programmes
    p = list(programmes.innovation).index(column(name))
    arrays = {}
    for field, value in changes.items():
        array = getattr(programmes, field).copy()
        array[p] = value
        arrays[field] = array
    return replace(data, programmes=replace(programmes, **arrays))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("innovation_id", "teleportation", "not in innovations.csv"),
    ("innovation_id", "epma", "no national_programme"),
    ("starts", "2022-13", "not a date"),
    ("deadline", "soon", "not a date"),
    ("target_share", "1.5", "must lie in"),
    ("grant_gbp_m_per_site", "-1", "negative"),
    ("chosen_by", "lottery", "allowed: national, icb"),
    ("capital_until", "2019-01", "must not come before"),
])
def test_a_broken_programme_row_is_refused_by_name(field, value, message) -> None:
    table = read_table("programmes.csv")
    table.loc[0, field] = value
    with pytest.raises(DataError, match=message):
        _programmes(table, england().innovations)


def test_flat_programmes_deliver_nothing() -> None:
    run = batch(FLAT)
    assert not run.status_quo.delivery.delivered.any()
    run.run(12)
    assert not run.pop.programme_site.any()


def test_recorded_programmes_are_live_on_their_dates_only() -> None:
    run = batch()
    live = run.programme_live[0]
    assert live[column("electronic_patient_record")]  # frontline digitisation to March 2026
    for ended in ("community_diagnostic_centre", "elective_surgical_hub", "virtual_wards"):
        assert not live[column(ended)]
    assert live[column("patient_initiated_follow_up")]  # no row: the flat programme
    run.run(13)
    assert not run.programme_live[:, column("electronic_patient_record")].any()


def test_sites_are_open_relevant_cells_within_target_and_capital() -> None:
    run = batch()
    epr, delivery = column("electronic_patient_record"), batch().status_quo.delivery
    before = run.pop.state[:, :, epr].copy()
    start_capital = run.status_quo.delivery.capital_left.copy()
    run.run(12)
    sites = run.pop.programme_site[:, :, epr]
    assert sites.any()
    assert not (sites & ~run.pop.relevant[None, :, epr]).any()
    assert not (sites & ((before == PILOTING) | (before == EMBEDDED))).any()
    assert (sites.sum(axis=1) <= delivery.target[0]).all()
    assert (run.status_quo.delivery.capital_left >= -1e-9).all()
    p = 0
    spent = start_capital[:, p] - run.status_quo.delivery.capital_left[:, p]
    np.testing.assert_allclose(spent, sites.sum(axis=1) * england().programmes.grant_gbp_m[p])
    assert not run.pop.programme_site[:, :, column("epma")].any()


def test_a_site_pays_only_what_its_grant_leaves_and_the_centre_pays_the_grant() -> None:
    run = batch()
    epr = column("electronic_patient_record")
    pop = run.pop
    pop.state[:, 0, :] = UNAWARE  # the trust in row 0 uses nothing but the programme's EPR
    pop.state[:, 0, epr] = PILOTING
    pop.programme_site[:, 0, epr] = True
    run._state_tally = None
    run.in_use_in_row[:], run.paying_in_row[:] = 0, 0
    run.state_tally()
    owed = run.tally_money()
    site_share = run.economics.site_pilot_share[:, epr]
    assert (site_share < 1).all()
    grant = england().programmes.grant_gbp_m[0] / 24
    assert owed.programme_due == pytest.approx(np.full(REPS, grant))
    pop.programme_site[:, 0, epr] = False
    unfunded = run.tally_money()
    np.testing.assert_allclose(owed.pilots_due[:, 0], unfunded.pilots_due[:, 0] * site_share,
                               rtol=1e-5)


@pytest.mark.parametrize("months_of_revenue_left", [6, 0])
def test_running_costs_fall_on_the_trust_when_the_revenue_ends(months_of_revenue_left) -> None:
    data = with_programme("virtual_wards", starts=0, capital_until=24, deadline=24,
                          revenue_until=months_of_revenue_left - 1 if months_of_revenue_left
                          else NO_DATE, revenue_cover=1.0)
    run = batch(data=data)
    vw = column("virtual_wards")
    pop = run.pop
    pop.state[:, 0, vw], pop.core_funded[:, 0, vw] = EMBEDDED, False
    pop.programme_site[:, 0, vw] = True
    run._state_tally = None
    run.in_use_in_row[:], run.paying_in_row[:] = 0, 0
    run.state_tally()
    owed = run.tally_money()
    if months_of_revenue_left:
        assert (owed.programme_due > 0).all()
        run.month = months_of_revenue_left
        run.status_quo.start_month(months_of_revenue_left)
        run.status_quo.refresh_payers(np.arange(REPS))
        after = run.tally_money()
        assert (after.programme_due == 0).all()
        assert (after.running_due[:, 0] > owed.running_due[:, 0]).all()
    else:
        assert (owed.programme_due == 0).all()


def test_recorded_programmes_cost_the_centre_what_they_grant() -> None:
    run = batch()
    epr = column("electronic_patient_record")
    grant_a_month = england().programmes.grant_gbp_m[0] / 24
    for _ in range(12):
        run.step()
        implementing = ((run.pop.state[:, :, epr] == PILOTING)
                        & run.pop.programme_site[:, :, epr]).sum(axis=1)
        national = run.flows[:, FLOWS.index("spend_national_gbp_m")]
        assert (national >= implementing * grant_a_month - 1e-9).all()
    assert run.pop.programme_site.any()


def test_chosen_sites_were_unaware_or_aware() -> None:
    run = batch()
    epr = column("electronic_patient_record")
    before = run.pop.state[:, :, epr].copy()
    run.run(12)
    sites = run.pop.programme_site[:, :, epr]
    assert np.isin(before[sites], (UNAWARE, AWARE)).all()


def test_a_hindcast_counts_the_programmes_dates_from_april_2021() -> None:
    hindcast = compose_run_config("scenario=england_hindcast").scenario
    run = batch(hindcast)
    shifted = run.status_quo.delivery.programmes
    cdc = list(shifted.innovation).index(column("community_diagnostic_centre"))
    assert shifted.starts[cdc] == 3  # July 2021
    assert run.boards.merge_month == 60  # April 2026
    assert not run.programme_live[:, column("community_diagnostic_centre")].any()
    run.run(12)
    assert run.programme_live[:, column("community_diagnostic_centre")].all()
    assert run.pop.programme_site[:, :, column("community_diagnostic_centre")].any()


def test_a_recorded_start_from_another_date_is_refused() -> None:
    with pytest.raises(ValueError, match="not the run's start date"):
        compose_run_config("scenario.start.recorded=2021-04")
