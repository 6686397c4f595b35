"""National programmes delivered as the NHS ran them (``scenario.government.programmes``).

With ``programmes: recorded`` each programme of ``abm/data/programmes.csv`` runs
on its own dates. While its capital lasts the centre chooses sites among the
relevant trusts not yet using the innovation, enough each month to reach the
target share by the deadline (after it, what the target still lacks, at once):
nationally in order of digital maturity, least mature first, or by systems'
bids, the ICBs with the smallest share of their trusts already using it first.
A chosen site starts its implementation at once (a pilot in the model's terms),
and the centre pays its grant over the pilot's months; the trust pays only what
the grant does not cover, and nothing of the ICB's fund. Until ``revenue_until``
the centre meets ``revenue_cover`` of an open site's running cost; after it the
trust pays all of it (the cliff edge), and drops what it cannot pay. The
programme's mandate (utility, awareness) lasts while it runs. Trusts decide for
themselves on every innovation and every trust the programme has not chosen;
an innovation with a programme row gets no flat national subsidy.

With ``programmes: flat`` (the default) every national programme of the catalogue
is live from the start and pays ``national_subsidy_share`` of every trust's
pilot and running costs until an election drops it, as before.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from .generators import uniforms
from .inputs import NO_DATE, DataError
from .kernels import EVENT_NONE, EVENT_START
from .population import AWARE, EMBEDDED, PILOTING, UNAWARE

if TYPE_CHECKING:
    from .engine import Batch

RECORDED = "recorded"


class Delivery:
    """The programmes of one batch: their dates, capital left and chosen sites.

    Args:
        batch: The batch they act in.

    Attributes:
        on: Whether programmes run on their recorded dates (else the flat support).
        delivered: (I,) innovations delivered by a programme (none when off).
        capital_left: (R, P) GBP m each programme can still grant.
    """

    def __init__(self, batch: Batch) -> None:
        # a proxy, so that a finished batch is freed at once (no reference cycle)
        self.batch = weakref.proxy(batch)
        data, reps = batch.data, batch.reps
        programmes = self.programmes = data.programmes.shifted(batch.scenario.start.date)
        if (programmes.innovation >= len(data.innovations)).any():
            raise DataError("programmes: an innovation column is not in the catalogue; data "
                            "with another catalogue needs its own programmes")
        self.on = batch.scenario.government.programmes == RECORDED
        self.delivered = np.zeros(len(data.innovations), dtype=bool)
        self.delivered[programmes.innovation] = self.on
        relevant = batch.pop.relevant[:, programmes.innovation].sum(axis=0)
        self.target = np.ceil(programmes.target_share * relevant - 1e-9).astype(int)
        window = programmes.capital_until - programmes.starts + 1
        months_left = np.clip(programmes.capital_until - np.maximum(programmes.starts, 0) + 1,
                              0, window)
        pot = programmes.grant_gbp_m * self.target * months_left / window
        self.capital_left = np.broadcast_to(pot, (reps, len(programmes))).copy()

    def running(self, month: int) -> np.ndarray:
        """(P,) whether each programme runs in ``month`` (between its start and its end)."""
        programmes = self.programmes
        return self.on & (programmes.starts <= month) & (month <= programmes.last_month())

    def live_at(self, month: int, live: np.ndarray) -> np.ndarray:
        """National programmes live in ``month``: (R, I), given those live before it.

        A delivered innovation's programme is live only on its dates (an election
        may have dropped it earlier: it stays dropped); others are as they were.
        """
        if not self.on:
            return live
        programmes = self.programmes
        columns = programmes.innovation
        out = live.copy()
        starting = programmes.starts == month
        out[:, columns[starting]] = True
        out[:, columns[~self.running(month)]] = False
        return out

    def site_running_share(self, month: int, live: np.ndarray) -> np.ndarray:
        """(R, I) share of an open site's running cost its trust pays this month."""
        share = np.ones(live.shape)
        if not self.on:
            return share
        programmes = self.programmes
        covered = (month <= programmes.revenue_until) & (programmes.revenue_until != NO_DATE)
        columns = programmes.innovation
        share[:, columns] = np.where(covered & live[:, columns],
                                     1.0 - programmes.revenue_cover, 1.0)
        return share

    def choose_sites(self, month: int, events: np.ndarray) -> None:
        """Fund this month's sites: start their implementation (in ``events``) and mark them."""
        if not self.on:
            return
        batch, programmes = self.batch, self.programmes
        funding = (programmes.capital_until >= month) & self.running(month)
        if not funding.any():
            return
        draws = uniforms(batch.rngs["programmes"], (batch.pop.n_trusts,))
        for p in np.flatnonzero(funding):
            self._choose(p, month, events, draws)

    def _choose(self, p: int, month: int, events: np.ndarray, draws: np.ndarray) -> None:
        batch, pop, programmes = self.batch, self.batch.pop, self.programmes
        i, grant = programmes.innovation[p], programmes.grant_gbp_m[p]
        by_state = batch.state_tally()[0]
        users = by_state[:, PILOTING, i] + by_state[:, EMBEDDED, i]
        months_left = max(int(programmes.deadline[p]) - month + 1, 1)
        quota = np.ceil(np.maximum(self.target[p] - users, 0) / months_left).astype(int)
        if grant > 0:
            quota = np.minimum(quota, np.floor(self.capital_left[:, p] / grant + 1e-9).astype(int))
        quota[~batch.programme_live[:, i]] = 0
        if not quota.any():
            return
        state = pop.state[:, :, i]
        open_cells = pop.relevant[None, :, i] & ((state == UNAWARE) | (state == AWARE)) & \
            (events[:, :, i] == EVENT_NONE)
        key = self._priority(p, i) + 1e-3 * draws
        key[~open_cells] = np.inf
        order = np.argsort(key, axis=1, kind="stable")
        ranked_open = np.take_along_axis(open_cells, order, axis=1)
        chosen_rank = ranked_open & (np.cumsum(ranked_open, axis=1) <= quota[:, None])
        reps, rows = np.nonzero(chosen_rank)
        trusts = order[reps, rows]
        events[reps, trusts, i] = EVENT_START
        pop.programme_site[reps, trusts, i] = True
        self.capital_left[:, p] -= grant * np.bincount(reps, minlength=batch.reps)

    def _priority(self, p: int, i: int) -> np.ndarray:
        """(R, T) order in which trusts get sites, lowest first."""
        batch, programmes = self.batch, self.programmes
        if not programmes.chosen_by_icb[p]:
            return batch.pop.digital_maturity.copy()
        users_icb = batch.state_tally()[2][:, :, i]
        share = users_icb / batch.relevant_icb[:, i]
        return share[:, batch.icb_of_trust]
