"""The ICB mergers of 1 April 2026 (``scenario.icb.merged_boards``).

* The data: 42 ICBs governed by 36 boards from that date; each abolished ICB goes
  to the successor the record names, a split one to the successor named for it.
* Before the mergers take effect a run is the same as without them, draw for draw.
* After, a merged board's members share one priority, one fund, one body of
  evidence and one peer group; the funds never pay more than they hold.
* Off (england_flat), nothing changes.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from abm.boards import Boards
from abm.cli import compose_run_config
from abm.engine import Batch
from abm.inputs import england, months_after_start, read_table
from abm.runner import replication_seed

CFG = compose_run_config()
STRATEGIES = {s.name: s for s in CFG.strategies}
MERGED = CFG.scenario  # the default: the mergers take effect
APART = CFG.scenario.model_copy(update={"icb": CFG.scenario.icb.model_copy(
    update={"merged_boards": False})})
REPS = 6


def batch(scenario, strategy="status_quo") -> Batch:
    return Batch(scenario, STRATEGIES[strategy], [replication_seed(5, r) for r in range(REPS)])


def members() -> list[np.ndarray]:
    board = england().icbs.board
    return [np.flatnonzero(board == b) for b in np.unique(board) if (board == b).sum() > 1]


def test_the_record_gives_36_boards_from_april_2026() -> None:
    table, icbs = read_table("icbs.csv"), england().icbs
    assert len(icbs) == 42 and len(np.unique(icbs.board)) == 36
    abolished = table["status_from_2026_04_01"].str.startswith("abolished")
    assert abolished.sum() == 12
    successors = table.loc[abolished, "board_from_2026_04_01"]
    assert sorted(successors.unique()) == ["D7T5G", "S0E4D", "S1Y5D", "S9B9J", "T6Y0W", "Z9B2Z"]
    for status, board in zip(table["status_from_2026_04_01"], table["board_from_2026_04_01"],
                             strict=True):
        assert board in status or status.startswith("continues")
    assert months_after_start("2026-04") == Boards(icbs, np.ones(42), True).merge_month == 12


def test_boards_act_only_from_their_date_and_only_when_asked() -> None:
    icbs = england().icbs
    on, off = Boards(icbs, np.ones(42), True), Boards(icbs, np.ones(42), False)
    assert not on.acting(11) and on.acting(12) and on.acting(119)
    assert not off.acting(12) and not off.acting(119)


def test_a_run_is_unchanged_until_the_mergers_take_effect() -> None:
    before, after = batch(APART).run(12), batch(MERGED).run(12)
    np.testing.assert_array_equal(before.pop.state, after.pop.state)
    np.testing.assert_array_equal(before.flows, after.flows)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_a_merged_board_acts_as_one(strategy) -> None:
    run = batch(MERGED, strategy).run(30)
    pop = run.pop
    for icbs in members():
        for values in (run.icb_priority, run.icb_pooled, pop.belief_icb, pop.uncertainty_icb):
            np.testing.assert_allclose(values[:, icbs], values[:, icbs[:1]].repeat(len(icbs), 1),
                                       rtol=1e-6)
        funds = run.icb_fund_left_gbp_m[:, icbs]
        assert ((funds == 0).all(axis=1) | (funds > 0).all(axis=1)).all()


def test_merged_boards_change_the_run_after_their_date() -> None:
    apart, merged = batch(APART).run(48), batch(MERGED).run(48)
    assert not np.array_equal(apart.pop.state, merged.pop.state)
    assert (merged.icb_fund_left_gbp_m >= 0).all()


def test_a_merged_fund_pays_no_more_than_its_members_hold() -> None:
    run = batch(MERGED).run(12)
    run.month = 12
    held = run.icb_fund_left_gbp_m.copy()
    due = np.full_like(held, 100.0)
    paid = run._pay_from_funds(due)
    for icbs in members():
        np.testing.assert_allclose(paid[:, icbs].sum(axis=1), held[:, icbs].sum(axis=1))
    run._draw_down_funds(paid)
    assert (run.icb_fund_left_gbp_m >= 0).all()


def test_a_flag_that_is_not_a_flag_is_refused() -> None:
    with pytest.raises(ValidationError, match="merged_boards"):
        CFG.scenario.icb.model_validate({**CFG.scenario.icb.model_dump(), "merged_boards": "maybe"})
