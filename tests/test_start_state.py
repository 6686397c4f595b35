"""England as the record shows it at the start (``scenario.start.recorded``).

* With no recorded start (england_flat), only the EPRs of the named trusts are in use.
* With the April 2025 record, each innovation starts embedded and piloting at the
  recorded shares of its relevant trusts, over many replications; named EPRs stay.
* The start is common to every strategy and leaves every other draw as it was.
* Pilots under way at the start have months left; embedded-at-start cells are the
  observed baseline (core funded).
* The data table is checked: unknown innovations, shares out of range, multi-trust
  innovations are refused by name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.cli import compose_run_config
from abm.engine import Batch
from abm.inputs import DataError, _start_shares, england, read_table
from abm.population import EMBEDDED, PILOTING, UNAWARE, count_states
from abm.runner import replication_seed

CFG = compose_run_config()
STRATEGIES = {s.name: s for s in CFG.strategies}
RECORDED = CFG.scenario  # the default starts from the April 2025 record
NO_RECORD = CFG.scenario.model_copy(update={"start": CFG.scenario.start.model_copy(
    update={"recorded": "none"})})
REPS = 48


def batch(scenario, strategy="status_quo", reps=REPS) -> Batch:
    return Batch(scenario, STRATEGIES[strategy], [replication_seed(17, r) for r in range(reps)])


@pytest.fixture(scope="module")
def recorded() -> Batch:
    return batch(RECORDED)


def test_without_a_recorded_start_only_the_named_eprs_are_in_use() -> None:
    pop = batch(NO_RECORD, reps=4).pop
    data = england()
    epr = list(data.innovations.innovation_id).index("electronic_patient_record")
    in_use = pop.state != UNAWARE
    assert not in_use[:, :, np.arange(in_use.shape[2]) != epr].any()
    np.testing.assert_array_equal(pop.state[:, :, epr] == EMBEDDED,
                                  np.broadcast_to(data.trusts.has_epr & pop.relevant[:, epr],
                                                  pop.state.shape[:2]))


def test_recorded_shares_are_reproduced_over_replications(recorded) -> None:
    pop, data = recorded.pop, england()
    shares = data.start_shares["2025-04"]
    relevant = pop.relevant.sum(axis=0)
    embedded = (pop.state == EMBEDDED).sum(axis=(0, 1)) / (REPS * relevant)
    piloting = (pop.state == PILOTING).sum(axis=(0, 1)) / (REPS * relevant)
    named = (data.trusts.has_epr[:, None] & pop.relevant).any(axis=0)
    for i, name in enumerate(data.innovations.innovation_id):
        tolerance = 4 * np.sqrt(0.25 / (REPS * relevant[i])) + 1e-9
        assert abs(piloting[i] - shares.piloting[i]) <= tolerance, name
        if not named[i]:
            assert abs(embedded[i] - shares.embedded[i]) <= tolerance, name
    assert (shares.embedded > 0.5).sum() >= 5  # the record is not empty


def test_named_trusts_keep_their_epr_and_only_relevant_trusts_start_anything(recorded) -> None:
    pop, data = recorded.pop, england()
    epr = list(data.innovations.innovation_id).index("electronic_patient_record")
    named = data.trusts.has_epr & pop.relevant[:, epr]
    assert (pop.state[:, named, epr] == EMBEDDED).all()
    assert (pop.state[:, ~pop.relevant] == UNAWARE).all()
    multi = data.innovations.min_unit_trusts > 1
    assert (pop.state[:, :, multi] == UNAWARE).all()


def test_the_start_is_common_to_every_strategy_and_leaves_other_draws_alone(recorded) -> None:
    scaler = batch(RECORDED, "scaler_led")
    np.testing.assert_array_equal(scaler.pop.state, recorded.pop.state)
    plain = batch(NO_RECORD)
    for name in ("risk_aversion", "capacity_base", "champion", "realised_effect"):
        np.testing.assert_array_equal(getattr(plain.pop, name), getattr(recorded.pop, name),
                                      err_msg=name)


def test_pilots_under_way_have_months_left_and_embedded_cells_are_the_baseline(
        recorded) -> None:
    pop = recorded.pop
    piloting = pop.state == PILOTING
    months_run = -1 - pop.entered_month
    duration = england().innovations.pilot_duration_months[None, None, :]
    assert piloting.any()
    assert ((months_run >= 0) & (months_run < duration))[piloting].all()
    embedded = pop.state == EMBEDDED
    assert pop.core_funded[embedded].all() and not pop.core_funded[piloting].any()


def test_counts_kept_from_a_recorded_start_equal_a_fresh_count() -> None:
    run = batch(RECORDED, "consolidation", reps=4)
    for _ in range(18):
        run.step()
        kept = [a.copy() for a in (*run.state_tally(), run.in_use_in_row, run.paying_in_row)]
        fresh = [*run._empty_state_tally(), np.empty_like(run.in_use_in_row),
                 np.empty_like(run.paying_in_row)]
        count_states(run.pop.state, run.pop.core_funded, run.relevant_per_innovation,
                     run.icb_of_trust, *fresh)
        for kept_array, fresh_array in zip(kept, fresh, strict=True):
            np.testing.assert_array_equal(kept_array, fresh_array)


def _table(**row) -> pd.DataFrame:
    base = {"innovation_id": "virtual_wards", "as_of": "2025-04", "share_embedded": "0.5",
            "share_piloting": "0.1", "share_low": "0.2", "share_high": "0.8",
            "facts_keys": "", "basis": "test", "confidence": "low"}
    return pd.DataFrame([{**base, **row}])


@pytest.mark.parametrize("row, message", [
    ({"innovation_id": "teleportation"}, "'teleportation' is not in innovations.csv"),
    ({"share_embedded": "1.2"}, "must lie in \\[0, 1\\]"),
    ({"share_embedded": "0.8", "share_piloting": "0.3"}, "sum to at most 1"),
    ({"innovation_id": "maternity_network"}, "needs a unit of 2 trusts"),
])
def test_bad_start_rows_are_refused_by_name(row, message) -> None:
    with pytest.raises(DataError, match=message):
        _start_shares(_table(**row), england().innovations)
    with pytest.raises(DataError, match="appears twice"):
        _start_shares(pd.concat([_table(), _table()]), england().innovations)


def test_every_shipped_start_row_cites_its_facts_or_says_assumption() -> None:
    table = read_table("start_state.csv")
    facts = set(read_table("facts.csv")["key"])
    for row in table.itertuples():
        keys = [k for k in row.facts_keys.split(";") if k]
        assert keys or row.basis.startswith("assumption"), row.innovation_id
        assert set(keys) <= facts, (row.innovation_id, set(keys) - facts)
        assert float(row.share_low) <= float(row.share_embedded) <= float(row.share_high)
