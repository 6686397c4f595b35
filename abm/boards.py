"""The boards that govern the ICBs: 42 until March 2026, 36 from 1 April 2026.

On 1 April 2026 twelve ICBs were merged into six new boards (``icbs.csv``,
``board_from_2026_04_01``). With ``scenario.icb.merged_boards`` on, the ICBs a
new board governs act as one from that month: one priority domain a year, one
scale-up fund, one peer group that trusts watch, and one body of evidence from
the pilots completed anywhere in it. Each ICB's footprint stays the place its
trusts are in (outputs by ICB keep the 42 places), so every per-ICB array keeps
its shape and a merged board's members hold the same values.
"""

from __future__ import annotations

import numpy as np

from .inputs import START_DATE, ICBs, months_after_start

MERGER_DATE = "2026-04"


class Boards:
    """Which ICBs act as one board, from which month.

    Args:
        icbs: The ICBs, with the board governing each from 1 April 2026.
        trusts_per_icb: (K,) trusts in each ICB (weights of a merged board's members).
        merged: Whether the mergers take effect (``scenario.icb.merged_boards``).
        start: The run's first month, "YYYY-MM" (``scenario.start.date``).

    Attributes:
        merge_month: The run's month in which the mergers take effect.
        same_board: (K, K) 1 where two ICBs are governed by one board from then.
        lead: (K,) the first ICB of each ICB's board (whose yearly draw the board uses).
    """

    def __init__(self, icbs: ICBs, trusts_per_icb: np.ndarray, merged: bool,
                 start: str = START_DATE) -> None:
        self.merge_month = months_after_start(MERGER_DATE, start)
        board = icbs.board if merged else np.arange(len(icbs))
        self.same_board = (board[:, None] == board[None, :]).astype(float)
        self.lead = np.array([np.flatnonzero(board == b)[0] for b in board])
        self.any_merged = bool((self.same_board.sum(axis=1) > 1).any())
        # the member ICBs of each board with more than one, in ICB order
        self.boards = [np.flatnonzero(board == b) for b in dict.fromkeys(board)
                       if (board == b).sum() > 1]
        weights = self.same_board * np.maximum(trusts_per_icb, 1)[None, :]
        self.member_weight = weights / weights.sum(axis=1, keepdims=True)

    def acting(self, month: int) -> bool:
        """Whether any merged board governs in ``month`` (the mergers have taken effect)."""
        return self.any_merged and month >= self.merge_month

    def pooled(self, per_icb: np.ndarray) -> np.ndarray:
        """Board totals, given to each member ICB: (R, K, ...) -> (R, K, ...).

        Summed member by member in a fixed order, so a replication's numbers do not
        depend on the batch it runs in.
        """
        out = per_icb.copy()
        for members in self.boards:
            out[:, members] = _in_order(per_icb, members)[:, None]
        return out

    def averaged(self, per_icb: np.ndarray) -> np.ndarray:
        """Board means weighted by members' trusts, given to each member: (R, K, ...)."""
        out = per_icb.copy()
        for members in self.boards:
            weights = self.member_weight[members[0], members]
            shape = (1, len(members)) + (1,) * (per_icb.ndim - 2)
            weighted = per_icb[:, members] * weights.reshape(shape)
            out[:, members] = _in_order(weighted, np.arange(len(members)))[:, None]
        return out.astype(per_icb.dtype)

    def lowest(self, per_icb: np.ndarray) -> np.ndarray:
        """Board minimum, given to each member ICB: (R, K, ...) -> (R, K, ...)."""
        out = per_icb.copy()
        for members in self.boards:
            out[:, members] = per_icb[:, members].min(axis=1)[:, None]
        return out

    def of_lead(self, per_icb: np.ndarray) -> np.ndarray:
        """Each member ICB given its board lead's value: (R, K, ...) -> (R, K, ...)."""
        return per_icb[:, self.lead]


def _in_order(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """values[:, members[0]] + values[:, members[1]] + ..., added in that order."""
    total = values[:, members[0]].copy()
    for k in members[1:]:
        total += values[:, k]
    return total
