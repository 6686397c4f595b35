"""The contract between mechanisms: no hook depends on a mechanism's place in the registry.

Every shipped strategy runs with the registry as it is and reversed; every
recorded number must be the same. The flows' columns are the registry's
(``FLOWS``), which the reversed run keeps, so the two records line up column by
column.
"""

from __future__ import annotations

import numpy as np
import pytest

import abm.mechanisms as registry
from abm.config import ScenarioConfig, shipped_strategies
from abm.engine import Batch
from abm.flows import COUNTED_FLOWS, MONEY_FLOWS
from abm.mechanisms import FLOWS, MECHANISMS, flow_schema
from abm.runner import replication_seed

MONTHS = 30  # past the first financial year, the first mergers and the first pilots' ends


def _record(strategy, reps: int = 3) -> dict[str, np.ndarray]:
    seeds = [replication_seed(11, r) for r in range(reps)]
    return Batch(ScenarioConfig(), strategy, seeds).run(MONTHS).recorded()


@pytest.mark.parametrize("name", list(shipped_strategies()))
def test_reversing_the_registry_changes_no_number(name, monkeypatch):
    strategy = shipped_strategies()[name]
    as_registered = _record(strategy)
    monkeypatch.setattr(registry, "MECHANISMS", tuple(reversed(MECHANISMS)))
    reversed_order = _record(strategy)
    assert as_registered.keys() == reversed_order.keys()
    for key, values in as_registered.items():
        assert np.array_equal(values, reversed_order[key]), f"{name}: {key}"


def test_the_flows_are_the_common_ones_with_each_mechanisms_own_between():
    own = [spec for mechanism in MECHANISMS for spec in mechanism.flows]
    assert FLOWS.specs == (*COUNTED_FLOWS, *own, *MONEY_FLOWS)
    assert FLOWS.names[len(COUNTED_FLOWS):len(COUNTED_FLOWS) + len(own)] == tuple(
        spec.name for spec in own)
    for spec in FLOWS:
        assert spec.unit and spec.description, spec.name


def test_a_mechanisms_flow_cannot_take_another_flows_name():
    class Twin(registry.Mechanism):
        name = "twin"
        flows = (MONEY_FLOWS[0],)

    with pytest.raises(ValueError, match=f"flows named twice: {MONEY_FLOWS[0].name}"):
        flow_schema((*MECHANISMS, Twin))


def test_an_unknown_flow_is_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="no flow named 'mergerz'.*mergers"):
        FLOWS.index("mergerz")


def test_a_mechanism_reads_its_context_but_cannot_write_it():
    batch = Batch(ScenarioConfig(), shipped_strategies()["status_quo"],
                  [replication_seed(11, 0)])
    context = batch.mechanisms[MECHANISMS[0].name].context
    assert context.financial_year_starts and context.month == 0
    batch.run(1)
    assert context.month == 1 and not context.financial_year_starts
    assert np.array_equal(context.trust_region, batch.data.icbs.region[batch.icb_of_trust])
    for values in (context.reform_live, context.icb_region, context.trust_icb):
        with pytest.raises(ValueError, match="read-only"):
            values[0] = values[0]
    assert context.boards_acting == batch.boards.acting(batch.month)


def test_a_published_pilot_counts_once_after_boards_merge():
    """Once merged boards act, a pilot reaches the ICBs outside its board once, and its
    own board's members not at all (they learn it as their own)."""
    strategy = shipped_strategies()["open_platform"]
    batch = Batch(ScenarioConfig(), strategy, [replication_seed(11, 0)])
    batch.month = batch.boards.merge_month
    assert batch.boards.acting(batch.month)
    platform = batch.mechanisms["open_platform"]
    board = next(members for members in batch.boards.boards if len(members) > 1)
    per_icb = np.zeros((1, len(batch.data.icbs), len(batch.data.innovations)))
    per_icb[0, board[0], 0] = 1.0
    own = batch.boards.pooled(per_icb)
    elsewhere = platform.observed_pilots(own, per_icb, per_icb.sum(axis=1))
    assert np.all(elsewhere[0, board, 0] == 0.0)
    outside = np.setdiff1d(np.arange(len(batch.data.icbs)), board)
    assert np.all((elsewhere[0, outside, 0] > 0.0) & (elsewhere[0, outside, 0] <= 1.0))
    assert np.all(elsewhere[0, :, 1:] == 0.0)


@pytest.mark.parametrize("stream", ["dynamics", "mesa", MECHANISMS[-1].streams[0]])
def test_a_mechanism_cannot_take_another_streams_name(stream):
    class Thief(registry.Mechanism):
        name = "thief"
        streams = (stream,)

    with pytest.raises(ImportError, match="stream is another's or the batch's"):
        registry.check_registry((*MECHANISMS, Thief))
