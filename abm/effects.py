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
from numba import njit

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


@njit(cache=True)
def learn_from_pilots(uncertainty_icb, belief_icb, log_belief_icb, observed, evidence,
                      completed_icb, signal_icb, own_completed, own_signal):
    """Each ICB's doubt falls and its belief moves towards what its observed pilots showed.

    Every pilot an ICB observes removes the share ``evidence`` of its remaining doubt
    (uncertainty x (1 - evidence)^observed), and its belief moves the same share of
    the way towards what they showed. What an observed pilot shows on average is
    the mean effect of the pilots completed in other ICBs this month, where there
    were any, else of its own; its own pilots count as what they revealed. The
    belief's log (as the decision reads it) is updated with it. All in place.

    Args:
        uncertainty_icb: (R, K, I) coefficient of variation each ICB's trusts see.
        belief_icb: (R, K, I) effect each ICB's trusts expect.
        log_belief_icb: (R, K, I) float32 log of that belief (``log_belief``).
        observed: (R, K, I) pilots each ICB learns from this month (its own, and
            others' as far as a mechanism lets it see them).
        evidence: Share of the remaining doubt one observed pilot removes.
        completed_icb: (R, K, I) pilots completed in each ICB this month.
        signal_icb: (R, K, I) sum of the effects those pilots revealed.
        own_completed: (R, K, I) the pilots each ICB counts as its own: its own, or
            its whole board's once boards have merged (``completed_icb`` otherwise).
        own_signal: (R, K, I) the sum of the effects those revealed.
    """
    reps, icbs, innovations = belief_icb.shape
    kept = 1.0 - evidence
    for r in range(reps):
        for i in range(innovations):
            national_n, national_sum = 0.0, 0.0
            for k in range(icbs):
                national_n += completed_icb[r, k, i]
                national_sum += signal_icb[r, k, i]
            for k in range(icbs):
                seen = np.float64(observed[r, k, i])
                if seen == 0.0:
                    continue
                doubt_left = kept ** seen
                uncertainty_icb[r, k, i] *= doubt_left
                if national_n == 0.0:
                    continue
                own_n, own_sum = np.float64(own_completed[r, k, i]), own_signal[r, k, i]
                others_n = national_n - own_n
                base = (national_sum - own_sum) / others_n if others_n > 0 else own_sum / own_n
                shown = base + (own_sum - own_n * base) / seen
                belief = belief_icb[r, k, i]
                belief += (1.0 - doubt_left) * (shown - belief)
                belief_icb[r, k, i] = belief
                log_belief_icb[r, k, i] = np.log(max(belief, BELIEF_FLOOR))


def log_belief(belief_icb: np.ndarray) -> np.ndarray:
    """(R, K, I) float32 log of the expected effect, as the decision adds it to utility."""
    return np.log(np.maximum(belief_icb, BELIEF_FLOOR)).astype(np.float32)
