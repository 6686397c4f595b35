"""Decision rules of the status-quo institutions: government and ICBs.

Each rule acts on a batch of replications at once where it can (every ICB of every
replication plans its year in one draw per replication); the rare events (an
election) are handled replication by replication. The Mesa agents in
``abm.agents`` expose these rules and their state for inspection. Mergers and
the scaler are mechanisms (``abm.mechanisms``).
"""

from __future__ import annotations

import numpy as np

from .config import ScenarioConfig
from .inputs import DOMAINS

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
