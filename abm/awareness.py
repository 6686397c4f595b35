"""The compiled awareness pass: peer use seen from each ICB and the chance of hearing.

Every trust of an ICB sees the same peer use, so the pass works per ICB and
innovation, not per cell; ``Batch.awareness`` calls it each month.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

_F32 = np.float32


# Shapes: R replications, K ICBs, G regions, I innovations.


class PeerUse(NamedTuple):
    """Who uses each innovation where, and how many trusts it is relevant to.

    Float32 counts, but for ``region_of_icb``.
    """

    users_icb: np.ndarray  # (R, K, I) trusts of each ICB piloting or with it embedded
    local_users: np.ndarray  # (R, K, I) users an ICB's trusts count as local
    local_relevant: np.ndarray  # (K, I) relevant trusts they count as local
    region_of_icb: np.ndarray  # (K,) int64 region of each ICB
    relevant_region: np.ndarray  # (G, I) relevant trusts in each region
    relevant_nation: np.ndarray  # (I,) relevant trusts in the nation


class HearingRates(NamedTuple):
    """What the yearly rate of hearing combines (float32)."""

    weights: np.ndarray  # (3,) weights of use seen in the ICB, the region and the nation
    external: np.ndarray  # (R, I) yearly rate from outside sources
    imitation: np.float32  # yearly rate per unit of peer use seen


class Hearing(NamedTuple):
    """What ``peer_awareness`` writes (float32, (R, K, I) unless marked)."""

    peer: np.ndarray  # peer use seen from each ICB
    rate: np.ndarray  # yearly rate of hearing, kept from call to call
    hazard: np.ndarray  # monthly chance of hearing, kept with ``rate``
    nation: np.ndarray  # (R, I) share of relevant trusts using each innovation


@njit(cache=True)
def peer_awareness(use, rates, out):
    """Peer use seen from each ICB, the monthly chance of hearing, and national use (in place).

    ``use`` is a ``PeerUse``, ``rates`` a ``HearingRates``; writes the ``Hearing`` ``out``.
    A trust sees the share of relevant trusts using an innovation in its ICB, its
    region and the nation, weighted by ``weights`` (ICB, region, nation); every trust
    of an ICB sees the same, so ``peer`` and ``hazard`` are (R, K, I). The hazard
    turns the yearly rate, ``external`` (R, I) plus ``imitation`` x peer use, into a
    monthly probability. The local term is ``local_users`` over ``local_relevant``:
    the ICB's own users, or its whole board's once boards have merged; the region's
    and the nation's are summed from ``users_icb``.

    ``rate`` and ``hazard`` carry over from the last call: the hazard is worked out
    again only where the rate changed (most months, use changes for a few
    innovations only).
    """
    users_icb, local_users, local_relevant = use.users_icb, use.local_users, use.local_relevant
    region_of_icb, relevant_region = use.region_of_icb, use.relevant_region
    relevant_nation, weights = use.relevant_nation, rates.weights
    external, imitation = rates.external, rates.imitation
    peer, rate, hazard, nation = out.peer, out.rate, out.hazard, out.nation
    reps, n_icbs, innovations = users_icb.shape
    n_regions = relevant_region.shape[0]
    by_region = np.empty((n_regions, innovations), dtype=np.float32)
    region_term = np.empty((n_regions, innovations), dtype=np.float32)
    nation_term = np.empty(innovations, dtype=np.float32)
    users_nation = np.empty(innovations, dtype=np.float32)
    yearly = np.empty(innovations, dtype=np.float32)
    w_icb, w_region, w_nation = weights[0], weights[1], weights[2]
    per_month = _F32(-1.0 / 12.0)
    for r in range(reps):
        # sums of small whole numbers: exact in float32, in any order
        by_region[:] = 0
        for k in range(n_icbs):
            g = region_of_icb[k]
            for i in range(innovations):
                by_region[g, i] += users_icb[r, k, i]
        users_nation[:] = 0
        for g in range(n_regions):
            for i in range(innovations):
                users_nation[i] += by_region[g, i]
        # the region's and the nation's terms are the same for every ICB: worked out once
        for g in range(n_regions):
            for i in range(innovations):
                region_term[g, i] = w_region * (by_region[g, i] / relevant_region[g, i])
        for i in range(innovations):
            nation[r, i] = users_nation[i] / relevant_nation[i]
            nation_term[i] = w_nation * nation[r, i]
        for k in range(n_icbs):
            g = region_of_icb[k]
            for i in range(innovations):  # branch-free, so that it vectorises
                seen = w_icb * (local_users[r, k, i] / local_relevant[k, i]) + region_term[g, i]
                seen += nation_term[i]
                peer[r, k, i] = seen
                yearly[i] = external[r, i] + imitation * seen
            for i in range(innovations):
                if yearly[i] != rate[r, k, i]:
                    rate[r, k, i] = yearly[i]
                    hazard[r, k, i] = -np.expm1(yearly[i] * per_month)
