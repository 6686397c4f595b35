"""True effects of innovations, and what each ICB's trusts believe about them.

The catalogue gives each innovation's mean effect and the uncertainty of that
evidence. What an innovation really does is drawn once per replication: its true
effect is the catalogue mean times ``1 + spread x uncertainty x z`` (z a standard
normal), so it can disappoint or do harm; a trust's own effect moves further from
it by its context, in proportion to the innovation's adaptation need. Effects are
multipliers on the catalogue mean (1: as the catalogue says).

Trusts do not know the effects. Each ICB's trusts expect the catalogue mean at
first (belief 1). A completed pilot reveals the effect in the trust that ran it;
each month an ICB's belief moves towards what the pilots it observed showed, by
the same share of the way as its uncertainty falls (``evidence_per_observed_pilot``
per pilot). Boards weigh the benefit they expect, so belief enters the decision;
what is realised is the true effect, so boards that ignore doubt pay for it.
"""

from __future__ import annotations

import numpy as np

from .config import ScenarioConfig
from .inputs import EnglandData
from .population import Population

BELIEF_FLOOR = 0.01  # an effect believed nil or harmful counts as 1 % of the mean


def draw_true_effects(pop: Population, data: EnglandData, scenario: ScenarioConfig,
                      rngs: list[np.random.Generator]) -> None:
    """Each replication's true effects and each trust's own (``pop.realised_effect``).

    Drawn from the replications' initialisation streams after every other initial
    draw, so the rest of the initial state does not depend on them.
    """
    innov, cfg = data.innovations, scenario.effects
    spread = cfg.true_effect_spread * innov.evidence_uncertainty
    context = cfg.context_effect_spread * innov.adaptation_need
    for r, rng in enumerate(rngs):
        true = 1.0 + spread * rng.standard_normal(len(innov))
        own = true + context * rng.standard_normal((pop.n_trusts, len(innov)))
        pop.realised_effect[r] = own


def learn_beliefs(belief_icb: np.ndarray, observed: np.ndarray, evidence: float,
                  completed_icb: np.ndarray, signal_icb: np.ndarray) -> None:
    """Move each ICB's belief towards what the pilots it observed showed (in place).

    Args:
        belief_icb: (R, K, I) effect each ICB's trusts expect.
        observed: (R, K, I) pilots each ICB learns from this month (its own, and
            others' as far as a mechanism lets it see them).
        evidence: Share of the remaining doubt one observed pilot removes.
        completed_icb: (R, K, I) pilots completed in each ICB this month.
        signal_icb: (R, K, I) sum of the effects those pilots revealed.
    """
    national_n = completed_icb.sum(axis=1, keepdims=True)
    national_sum = signal_icb.sum(axis=1, keepdims=True)
    others_n = national_n - completed_icb
    with np.errstate(invalid="ignore", divide="ignore"):
        others_mean = (national_sum - signal_icb) / others_n
        local_mean = signal_icb / completed_icb
        # what an observed pilot shows on average: others' where any were seen, else local
        base = np.where(others_n > 0, others_mean, local_mean)
        shown = base + (signal_icb - completed_icb * base) / observed
    seen = observed > 0
    weight = 1.0 - (1.0 - evidence) ** observed[seen]
    belief_icb[seen] += weight * (shown[seen] - belief_icb[seen])


def log_belief(belief_icb: np.ndarray) -> np.ndarray:
    """(R, K, I) float32 log of the expected effect, as the decision adds it to utility."""
    return np.log(np.maximum(belief_icb, BELIEF_FLOOR)).astype(np.float32)
