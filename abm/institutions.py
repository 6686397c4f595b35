"""Decision rules of the institutions: government, ICBs, mergers and the scaler.

Each rule acts on a batch of replications at once where it can (every ICB of every
replication plans its year in one draw per replication); the rare events (an
election, a merger) are handled replication by replication. The Mesa agents in
``abm.agents`` expose these rules and their state for inspection.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .config import ScenarioConfig
from .inputs import DOMAINS
from .population import AWARE, PILOTING

# Trust types that can merge with each other: acute with acute, ambulance with
# ambulance, and mental health and community trusts among themselves.
MERGER_FAMILY = np.array([0, 1, 1, 2, 1])


# ---------------------------------------------------------------- government


def months_to_election(scenario: ScenarioConfig, month: int) -> int:
    """Months until the next general election (0 in an election month)."""
    cfg = scenario.government
    if month <= cfg.first_election_month:
        return cfg.first_election_month - month
    since = (month - cfg.first_election_month) % cfg.election_cycle_months
    return (cfg.election_cycle_months - since) % cfg.election_cycle_months


def in_quick_win_window(scenario: ScenarioConfig, month: int) -> bool:
    """Whether the government favours quick wins (the run-up to an election)."""
    window = scenario.government.quick_win_window_months
    return 0 < months_to_election(scenario, month) <= window


def hold_elections(
    programme_live: np.ndarray, draws: np.ndarray, scenario: ScenarioConfig,
    time_to_benefit: np.ndarray,
) -> np.ndarray:
    """An election: each programme is dropped at random and replaced by a quick win.

    Args:
        programme_live: (R, I) national programmes now funded; updated in place.
        draws: (R, I) uniform draws of this month.
        scenario: Scenario parameters.
        time_to_benefit: (I,) months from embedding to benefit.

    Returns:
        (R,) whether each replication's programme set changed.
    """
    cfg = scenario.government
    changed = np.zeros(len(programme_live), dtype=bool)
    quick_kind = time_to_benefit <= cfg.quick_win_months
    for r, (live, u) in enumerate(zip(programme_live, draws, strict=True)):
        dropped = live & (u < cfg.programme_reset_probability)
        quick = ~live & quick_kind
        new = np.flatnonzero(quick)[np.argsort(u[quick])][: int(dropped.sum())]
        live &= ~dropped
        live[new] = True
        changed[r] = bool(dropped.any() or new.size)
    return changed


# ---------------------------------------------------------------- ICBs


def plan_years(rngs: list[np.random.Generator], n_icbs: int) -> np.ndarray:
    """Each April every ICB picks a priority domain at random: (R, K) domain indices."""
    return np.stack([rng.integers(len(DOMAINS), size=n_icbs) for rng in rngs])


@njit(cache=True)
def propose_merger(
    icb_rows: np.ndarray, family: np.ndarray, group: np.ndarray, capacity_base: np.ndarray,
    pressure: np.ndarray, max_group_size: int,
) -> tuple[int, int]:
    """One ICB's merger in one replication: the strongest unit absorbs the most pressured.

    The strongest lead (capacity less pressure) takes the most pressured lead of the
    same family (acute; mental health and community; ambulance) whose unit still fits
    within the largest allowed size; if it has none, the next strongest tries.

    Args:
        icb_rows: Rows of the ICB's trusts.
        family: (T,) merger family of each trust (``MERGER_FAMILY`` of its type).
        group: (T,) lead of each trust's decision unit.
        capacity_base: (T,) absorptive capacity.
        pressure: (T,) operational pressure this month.
        max_group_size: Largest allowed decision unit.

    Returns:
        (acquirer lead row, target lead row), or (-1, -1) if no pair is possible.
    """
    leads = icb_rows[group[icb_rows] == icb_rows]
    if len(leads) < 2:
        return -1, -1
    size = np.bincount(group, minlength=len(group))
    strength = capacity_base[leads] - pressure[leads]
    for acquirer in leads[np.argsort(-strength, kind="mergesort")]:
        target = -1
        for candidate in leads:
            if (candidate != acquirer and family[candidate] == family[acquirer]
                    and size[candidate] + size[acquirer] <= max_group_size
                    and (target < 0 or pressure[candidate] > pressure[target])):
                target = candidate
        if target >= 0:
            return acquirer, target
    return -1, -1


@njit(cache=True)
def merge_round(order, blocked_draws, sovereignty_resistance, icb_rows, icb_starts, family,
                group, capacity_base, pressure, max_group_size, exhausted, disrupted_until,
                budget, debt, disrupted_to, transition_cost, merged):
    """One replication's merger proposals of a month, in place.

    Proposal p goes to the first ICB, in the month's random ``order`` from position p
    on, that still has a possible pair (``propose_merger``); boards block it with
    probability ``sovereignty_resistance``. A merger makes the acquirer lead the
    target's members, disrupts the unit until ``disrupted_to`` and splits the
    transition cost evenly over its trusts, paid from budget now or carried as debt.

    Args:
        order: (K,) ICBs in a random order.
        blocked_draws: One uniform draw per proposal.
        sovereignty_resistance: Chance a proposal is blocked.
        icb_rows: Trust rows sorted by ICB.
        icb_starts: (K + 1,) where each ICB's rows start in ``icb_rows``.
        family: (T,) merger family of each trust.
        group: (T,) lead of each trust's decision unit (updated).
        capacity_base: (T,) absorptive capacity.
        pressure: (T,) operational pressure this month.
        max_group_size: Largest allowed decision unit.
        exhausted: (K,) ICBs with no possible pair (units only grow: never again).
        disrupted_until: (T,) month to which each trust is disrupted (updated).
        budget: (T,) unspent budget (updated).
        debt: (T,) transition cost carried to next year (updated).
        disrupted_to: Month to which merged trusts are disrupted.
        transition_cost: Cost of one merger (GBP m).
        merged: (T,) set for the trusts of units that merged.

    Returns:
        (mergers, proposals blocked, transition cost paid now).
    """
    mergers, blocked, paid_now = 0, 0, 0.0
    for p in range(len(blocked_draws)):
        acquirer, target = -1, -1
        for k in order[p:]:
            if exhausted[k]:
                continue
            acquirer, target = propose_merger(icb_rows[icb_starts[k]:icb_starts[k + 1]],
                                              family, group, capacity_base, pressure,
                                              max_group_size)
            if acquirer >= 0:
                break
            exhausted[k] = True
        if acquirer < 0:
            break
        if blocked_draws[p] < sovereignty_resistance:
            blocked += 1
            continue
        members = np.flatnonzero((group == acquirer) | (group == target))
        share = transition_cost / len(members)
        for t in members:
            group[t] = acquirer
            disrupted_until[t] = disrupted_to
            paid = min(budget[t], share)
            budget[t] -= paid
            debt[t] += share - paid
            paid_now += paid
            merged[t] = True
        mergers += 1
    return mergers, blocked, paid_now


# ---------------------------------------------------------------- the scaler


def learning_factor(deployments_by_module: np.ndarray, exponent: float) -> np.ndarray:
    """(1 + n)^-b per module type: how far failure and adaptation have fallen."""
    return (1.0 + deployments_by_module) ** (-exponent)


@njit(cache=True)
def choose_offers(state, relevant, supported, budget, modules, draws, capacity):
    """The scaler offers deployments to the trusts most able to pay, up to spare capacity.

    A cell is open to an offer when its trust is unaware or aware of a module (not
    piloting it, nor past that), the module is relevant to the trust and the trust
    has budget left. Open cells are ranked by budget x (0.5 + draw); the scaler offers
    the best ranked, as many as its capacity less the deployments it runs now
    (cells piloting with its support).

    Args:
        state: (R, T, I) lifecycle states.
        relevant: (T, I) whether each innovation is relevant to each trust.
        supported: (R, T, I) whether each cell is carried by the scaler.
        budget: (R, T) unspent budget of each trust.
        modules: (M,) innovation columns the scaler deploys.
        draws: (R, T, M) uniform draws that make the ranking noisy.
        capacity: Deployments the scaler can run at once.

    Returns:
        Replication, trust row and module index (into ``modules``) of each offered
        cell, best ranked first within each replication.
    """
    reps, trusts, innovations = state.shape
    n_modules = len(modules)
    offers = np.empty((reps * max(capacity, 0), 3), dtype=np.intp)
    best_score = np.empty(max(capacity, 0))
    best_cell = np.empty(max(capacity, 0), dtype=np.intp)
    n_offers = 0
    for r in range(reps):
        running = 0
        for t in range(trusts):
            for i in range(innovations):
                running += (state[r, t, i] == PILOTING) & supported[r, t, i]
        k = capacity - running
        n_best = 0
        for t in range(trusts):
            if k <= 0 or not budget[r, t] > 0:
                continue
            for j in range(n_modules):
                column = modules[j]
                if state[r, t, column] > AWARE or not relevant[t, column]:
                    continue
                score = budget[r, t] * (0.5 + draws[r, t, j])
                if n_best == k and score <= best_score[k - 1]:
                    continue
                # insert, keeping the list in descending order (first seen first on ties)
                place = min(n_best, k - 1)
                while place > 0 and best_score[place - 1] < score:
                    best_score[place] = best_score[place - 1]
                    best_cell[place] = best_cell[place - 1]
                    place -= 1
                best_score[place] = score
                best_cell[place] = t * n_modules + j
                n_best = min(n_best + 1, k)
        for n in range(n_best):
            offers[n_offers, 0] = r
            offers[n_offers, 1] = best_cell[n] // n_modules
            offers[n_offers, 2] = best_cell[n] % n_modules
            n_offers += 1
    return offers[:n_offers, 0].copy(), offers[:n_offers, 1].copy(), offers[:n_offers, 2].copy()
