"""Compiled passes over the (replication, trust, innovation) cells of a batch.

A month's lifecycle touches every cell a few times; written as whole-array NumPy
it costs some forty temporary arrays. These Numba loops make one pass each and
do the work a cell needs for its state only (an embedded cell never computes a
utility). They hold no state and draw no random numbers: the engine draws from
each replication's own generators and passes the draws in (one random 32-bit word
per cell, read as a uniform by ``uniform_from_word``), so a replication's
numbers do not depend on the batch it runs in.

Events (``EVENT_*``) say what happens to a cell this month; ``apply_events``
turns them into the new lifecycle state. Float32 arguments are float32 on
purpose: the per-cell matrices are float32 and the arithmetic stays in it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from . import economics as econ
from .flows import Counted
from .population import (
    ABANDONED,
    AWARE,
    EMBEDDED,
    PILOTING,
    UNAWARE,
    is_paying,
    is_used,
)

EVENT_NONE, EVENT_AWARE, EVENT_START, EVENT_SUPPORTED_START = 0, 1, 2, 3
EVENT_SUCCEED, EVENT_FAIL, EVENT_FADE, EVENT_DROP = 4, 5, 6, 7
_SHORTLISTED = 8  # within decide_cells only: the draw could start a pilot
_F32 = np.float32


# ---------------------------------------------------------------- typed bundles
# Shapes: R replications, T trusts, K ICBs, I innovations.


class UtilityTerms(NamedTuple):
    """What a trust's utility of piloting combines (``cell_utility``), float32."""

    economics: econ.CellEconomics  # the factors of benefit and cost
    uncertainty_icb: np.ndarray  # (R, K, I) coefficient of variation seen in each ICB
    log_belief: np.ndarray  # (R, K, I) log of the effect expected in each ICB (0: the mean)
    risk_aversion: np.ndarray  # (R, T) standard deviations a board discounts
    risk_weight: np.ndarray  # (R, I) weight on doubt (1: none added)
    bonus: np.ndarray  # (R, I) utility added to every trust's (0: none)


class DecisionTerms(NamedTuple):
    """Whether and how fast an aware trust starts a pilot (``cell_decision``), float32."""

    budget: np.ndarray  # (R, T) GBP m unspent this year
    capital: np.ndarray  # (R, T) GBP m of capital for change unspent this year
    free: np.ndarray  # (R, T) free absorptive capacity
    pilot_need: np.ndarray  # (I,) capacity a pilot needs to start
    group: np.ndarray  # (R, T) lead of each trust's decision unit
    lead_weight: np.ndarray  # (R, T) weight of a lead's decision (``unit_weight``)
    unit_trusts: np.ndarray  # (R, T) int64 trusts in each trust's decision unit
    min_unit_trusts: np.ndarray  # (I,) int64 trusts a unit needs to adopt each innovation
    sharpness: np.float32  # slope of the logistic in utility
    rate: np.float32  # chance a month of starting at certain benefit and full capacity


class EndingTerms(NamedTuple):
    """How pilots end and embedded innovations are dropped (``_end``)."""

    pilot_months: np.ndarray  # (I,) int16 duration of a trust's own pilot
    supported_months: np.ndarray  # (R, I) int16 duration of a supported pilot
    supported_failure_factor: np.ndarray  # (R, I) float32 factor on a supported pilot's
    # failure from adaptation effort (``economics.failure_with_experience``)
    fade_no_champion: np.ndarray  # (R, T) float32 monthly fade without a champion
    programme_off: np.ndarray  # (R, I) float32 1 where no national programme backs it
    fade_unfunded: np.ndarray  # (R, T) float32 monthly fade of an unpaid pilot
    discontinuation: np.ndarray  # (I,) float32 monthly drop of an innovation embedded in the run
    drop_unfunded: np.ndarray  # (R, T) float32 monthly drop of an unpaid running cost
    drop_carried: np.ndarray  # (R,) float32 monthly drop of a supported cell embedded in the run


class EventOutcomes(NamedTuple):
    """What the month's events did (written by ``apply_events``)."""

    counts: np.ndarray  # (R, len(Counted)) int64, columns named by ``flows.Counted``
    completed_icb: np.ndarray  # (R, K, I) float32 pilots completed (succeeded or failed)
    signal_icb: np.ndarray  # (R, K, I) float64 sum of the effects those pilots revealed
    completed: np.ndarray  # (R, I) float32 pilots completed
    failed: np.ndarray  # (R, I) float32 pilots failed
    supported_completed: np.ndarray  # (R, I) float64 supported pilots completed

    @classmethod
    def empty(cls, reps: int, icbs: int, innovations: int) -> EventOutcomes:
        """Unwritten arrays of these shapes (``apply_events`` fills them)."""
        failed = np.empty((reps, innovations), dtype=np.float32)
        return cls(counts=np.empty((reps, len(Counted)), dtype=np.int64),
                   completed_icb=np.empty((reps, icbs, innovations), dtype=np.float32),
                   signal_icb=np.empty((reps, icbs, innovations)),
                   completed=np.empty_like(failed), failed=failed,
                   supported_completed=np.empty(failed.shape))


@njit(cache=True)
def cell_utility(utility_base, log_belief, risk_aversion, uncertainty, risk_weight, bonus):
    """A trust's utility of piloting an innovation: net benefit less risk, plus any bonus.

    ``utility_base`` counts the catalogue's mean benefit; the board expects that
    times its ICB's belief (``log_belief`` is the log of the multiplier). It values
    the uncertain benefit at what it expects less ``risk aversion`` standard
    deviations, B x (1 - risk_aversion x cv); ``risk_weight`` scales the doubt (blame
    for published failures) and the share counted on is floored at 1 %.
    """
    doubt = risk_aversion * uncertainty * risk_weight
    return (utility_base + log_belief) + np.log(max(_F32(1.0) - doubt, _F32(0.01))) + bonus


@njit(cache=True)
def cell_decision(utility, sharpness, rate, free, able, weight):
    """Monthly chance an aware trust starts a pilot (0 when it cannot pay or staff it)."""
    if not able:
        return _F32(0.0)
    prob = _F32(1.0) / (_F32(1.0) + np.exp(-(sharpness * utility)))
    return prob * (rate * min(free, _F32(1.0))) * weight


@njit(cache=True)
def can_start(budget, capital, pilot_cost, capital_share, free_capacity, pilot_need):
    """Whether a trust can meet its share of a pilot from this year's money and staff it.

    The revenue part must come from the budget; the capital part from capital for
    change, or from the budget where capital falls short.
    """
    revenue_part = pilot_cost * (_F32(1.0) - capital_share)
    return (budget >= revenue_part) & (budget + capital >= pilot_cost) & \
        (free_capacity >= pilot_need)


@njit(cache=True)
def unit_weight(lead, trust, lead_weight, relevant_to_lead):
    """Weight of a trust's own decision in its decision unit.

    The lead decides for its unit with ``lead_weight`` (slower the more boards must
    agree); a member decides alone only on innovations irrelevant to its lead.
    """
    if lead == trust:
        return lead_weight
    return _F32(0.0) if relevant_to_lead else _F32(1.0)


@njit(cache=True)
def utility_at(rep, rows, cols, icb_of_trust, terms):
    """``cell_utility`` and the trust's own cost over its horizon at listed cells.

    Cells are given as (replication, trust row, innovation column); ``terms`` is a
    ``UtilityTerms``.
    """
    utility = np.empty(len(rep), dtype=np.float32)
    cost = np.empty(len(rep), dtype=np.float32)
    economics = terms.economics
    for n in range(len(rep)):
        r, t, i = rep[n], rows[n], cols[n]
        k = icb_of_trust[t]
        utility[n] = cell_utility(econ.utility_base(economics, r, t, k, i),
                                  terms.log_belief[r, k, i],
                                  terms.risk_aversion[r, t], terms.uncertainty_icb[r, k, i],
                                  terms.risk_weight[r, i], terms.bonus[r, i])
        cost[n] = econ.cost_horizon(economics, r, t, k, i)
    return utility, cost


@njit(cache=True)
def decide_cells(cells, month, words, hazard_icb, utility, decision, ending, in_use_in_row,
                 events):
    """Each cell's event this month, from its one uniform draw (written into ``events``).

    Args:
        cells: ``population.Cells``: states and where each trust sits.
        month: The step under way (0 the first).
        words: (R, T, I) uint32 each cell's random word for the month (``uniform_from_word``).
        hazard_icb: (R, K, I) float32 monthly chance a trust of each ICB hears of each innovation.
        utility: ``UtilityTerms``.
        decision: ``DecisionTerms``.
        ending: ``EndingTerms``.
        in_use_in_row: (R, T) int32 cells piloting or embedded in each trust's row.
        events: (R, T, I) int8, written: each cell's ``EVENT_*``.

    Unaware relevant cells hear of the innovation with the ICB's hazard; aware cells,
    and those that just heard, start a pilot with the decision probability (given
    draw < hazard, draw / hazard is again uniform, so one draw serves both). Pilots due
    finish and fail or succeed; others fade. Embedded cells may be dropped.

    Three passes: every cell for hearing, shortlisting the cells whose draw could
    start a pilot; the shortlisted cells for the decision; and the cells piloting or
    embedded for endings. The last two visit only the trusts' rows that have such
    cells (``in_use_in_row`` counts the cells in use of each row).
    """
    shortlisted_in_row = np.empty(cells.state.shape[:2], dtype=np.int32)
    _hear(cells, words, hazard_icb, utility.economics, decision, events, shortlisted_in_row)
    _decide(cells, words, hazard_icb, utility, decision, events, shortlisted_in_row)
    _end(cells, month, words, utility.economics, ending, in_use_in_row, events)


@njit(cache=True)
def _hear(cells, words, hazard_icb, economics, decision, events, shortlisted_in_row):
    """Unaware cells hearing of an innovation; the aware cells that could start a pilot.

    Writes each cell's event (or the shortlist mark) and counts each trust's row's
    shortlisted cells in ``shortlisted_in_row``. A trust can start only what its
    decision unit is large enough for (``min_unit_trusts``: networks and hubs).

    The logistic is at most 1, so a draw at or above the decision probability's
    ceiling cannot start a pilot: only cells below it are shortlisted (exact, and
    few). Branch-free, so the compiler can vectorise it.
    """
    state, relevant, icb_of_trust = cells.state, cells.relevant, cells.icb_of_trust
    budget, capital, free, rate = decision.budget, decision.capital, decision.free, decision.rate
    group, lead_weight, unit_trusts = decision.group, decision.lead_weight, decision.unit_trusts
    pilot_need, min_unit_trusts = decision.pilot_need, decision.min_unit_trusts
    reps, trusts, innovations = state.shape
    for r in range(reps):
        for t in range(trusts):
            k = icb_of_trust[t]
            cash, room, capital_left = budget[r, t], free[r, t], capital[r, t]
            capacity_rate = rate * min(room, _F32(1.0))
            lead, own_weight, unit = group[r, t], lead_weight[r, t], unit_trusts[r, t]
            n_shortlisted = 0
            for i in range(innovations):
                s, u = state[r, t, i], uniform_from_word(words[r, t, i])
                unaware = s == UNAWARE
                hazard = hazard_icb[r, k, i]
                hears = unaware & relevant[t, i] & (u < hazard)
                threshold = hazard if unaware else _F32(1.0)
                able = can_start(cash, capital_left, econ.pilot_total(economics, r, t, k, i),
                                 economics.capital_share[i], room, pilot_need[i]) & \
                    (unit >= min_unit_trusts[i])
                weight = unit_weight(lead, t, own_weight, relevant[lead, i])
                ceiling = threshold * (capacity_rate * weight)
                shortlisted = ((s == AWARE) | hears) & able & (u < ceiling)
                heard = EVENT_AWARE if hears else EVENT_NONE
                events[r, t, i] = _SHORTLISTED if shortlisted else heard
                n_shortlisted += np.int32(shortlisted)
            shortlisted_in_row[r, t] = n_shortlisted


@njit(cache=True)
def _decide(cells, words, hazard_icb, utility, decision, events, shortlisted_in_row):
    """Shortlisted cells start a pilot with the decision probability, or stay (or become) aware."""
    state, relevant, icb_of_trust = cells.state, cells.relevant, cells.icb_of_trust
    economics, log_belief = utility.economics, utility.log_belief
    uncertainty_icb, risk_aversion = utility.uncertainty_icb, utility.risk_aversion
    risk_weight, bonus = utility.risk_weight, utility.bonus
    free, group, lead_weight = decision.free, decision.group, decision.lead_weight
    sharpness, rate = decision.sharpness, decision.rate
    reps, trusts, innovations = state.shape
    for r in range(reps):
        for t in range(trusts):
            if shortlisted_in_row[r, t] == 0:
                continue
            k, lead = icb_of_trust[t], group[r, t]
            for i in range(innovations):
                if events[r, t, i] != _SHORTLISTED:
                    continue
                unaware = state[r, t, i] == UNAWARE
                threshold = hazard_icb[r, k, i] if unaware else _F32(1.0)
                utility = cell_utility(econ.utility_base(economics, r, t, k, i),
                                       log_belief[r, k, i],
                                       risk_aversion[r, t], uncertainty_icb[r, k, i],
                                       risk_weight[r, i], bonus[r, i])
                weight = unit_weight(lead, t, lead_weight[r, t], relevant[lead, i])
                decide = cell_decision(utility, sharpness, rate, free[r, t], True, weight)
                if uniform_from_word(words[r, t, i]) < threshold * decide:
                    events[r, t, i] = EVENT_START
                else:  # a shortlisted unaware cell has just heard
                    events[r, t, i] = EVENT_AWARE if unaware else EVENT_NONE


@njit(cache=True)
def _end(cells, month, words, economics, ending, in_use_in_row, events):
    """Pilots due finish (fail or succeed), others may fade; embedded cells may be dropped.

    ``month`` is the step under way (0 the first): a pilot that started in step m
    has run ``month - m`` months at the end of this one. ``discontinuation`` (per
    innovation) applies to innovations embedded in the run: those embedded before
    the start (``core_funded``) are business as usual, which only a budget
    shortfall removes. A supported cell embedded in the run is also dropped at
    ``drop_carried`` (its deployer has withdrawn).
    """
    state, entered_month = cells.state, cells.entered_month
    supported, core_funded = cells.supported, cells.core_funded
    pilot_months, supported_months = ending.pilot_months, ending.supported_months
    supported_failure_factor, programme_off = ending.supported_failure_factor, ending.programme_off
    fade_no_champion, fade_unfunded = ending.fade_no_champion, ending.fade_unfunded
    discontinuation, drop_unfunded = ending.discontinuation, ending.drop_unfunded
    drop_carried = ending.drop_carried
    reps, trusts, innovations = state.shape
    for r in range(reps):
        for t in range(trusts):
            if in_use_in_row[r, t] == 0:
                continue
            for i in range(innovations):
                s = state[r, t, i]
                if s != PILOTING and s != EMBEDDED:
                    continue
                u = uniform_from_word(words[r, t, i])
                if s == PILOTING:
                    backed = supported[r, t, i]
                    duration = supported_months[r, i] if backed else pilot_months[i]
                    if month - entered_month[r, t, i] >= duration:
                        experience = supported_failure_factor[r, i] if backed else _F32(1.0)
                        fail = econ.failure_with_experience(economics, r, t, i, experience)
                        events[r, t, i] = EVENT_FAIL if u < fail else EVENT_SUCCEED
                    else:
                        fade = fade_no_champion[r, t] * programme_off[r, i]
                        if backed:
                            fade = _F32(0.0)
                        if u < fade + fade_unfunded[r, t]:
                            events[r, t, i] = EVENT_FADE
                else:
                    drop = drop_unfunded[r, t]
                    if not core_funded[r, t, i]:
                        drop += discontinuation[i]
                        if supported[r, t, i]:
                            drop += drop_carried[r]
                    if u < drop:
                        events[r, t, i] = EVENT_DROP


@njit(cache=True, inline="always")
def uniform_from_word(word):
    """A uniform float in [0, 1) from a random 32-bit word, as NumPy makes its float32 draws.

    The top 24 bits of the word, times 2**-24 (exact in float32).
    """
    return _F32(word >> 8) * _F32(1.0 / 16777216.0)


@njit(cache=True)
def uniforms_from_words(words):
    """``uniform_from_word`` of every word of an array."""
    out = np.empty(words.shape, dtype=np.float32)
    flat_in, flat_out = words.ravel(), out.ravel()
    for n in range(flat_in.size):
        flat_out[n] = uniform_from_word(flat_in[n])
    return out


@njit(cache=True)
def follow_leads(state, relevant, group, has_groups, events):
    """A member of a decision unit pilots what its lead starts, pilots or has embedded."""
    reps, trusts, innovations = state.shape
    for r in range(reps):
        if not has_groups[r]:
            continue
        for t in range(trusts):
            lead = group[r, t]
            if lead == t:
                continue
            for i in range(innovations):
                if not relevant[t, i] or state[r, t, i] > AWARE:
                    continue
                if events[r, t, i] == EVENT_START or events[r, t, i] == EVENT_SUPPORTED_START:
                    continue
                lead_event, lead_state = events[r, lead, i], state[r, lead, i]
                if (lead_event == EVENT_START or lead_event == EVENT_SUPPORTED_START
                        or lead_state == PILOTING or lead_state == EMBEDDED):
                    events[r, t, i] = EVENT_START


@njit(cache=True)
def apply_events(cells, month, events, event_words, outcomes, tally, in_use_in_row,
                 paying_in_row):
    """Move the cells with an event to their new state and count what happened (in place).

    ``cells`` is a ``population.Cells``, ``outcomes`` an ``EventOutcomes``, ``tally`` a
    ``population.StateTally``.

    A cell with an event enters its new state in step ``month``. Writes the
    ``EventOutcomes``: per replication the counts of the events (columns named by
    ``flows.Counted``), pilots completed (succeeded or failed) per ICB and
    innovation with the sum of the effects they revealed (each pilot shows its
    trust's ``realised_effect``) and per innovation, failures per innovation and supported
    completions per innovation.

    The ``StateTally`` and the cells in use and paying in each trust's row
    (``count_states``) are kept up to date one event at a time. ``event_words`` is
    ``events`` seen as 64-bit words, so that the few cells with an event are found
    eight at a time.
    """
    state, entered_month = cells.state, cells.entered_month
    core_funded, icb_of_trust = cells.core_funded, cells.icb_of_trust
    state_counts, embedded_icb, users_icb = tally.by_state, tally.embedded_icb, tally.users_icb
    reps, trusts, innovations = state.shape
    outcomes.counts[:] = 0
    outcomes.completed_icb[:] = 0
    outcomes.signal_icb[:] = 0.0
    outcomes.completed[:] = 0
    outcomes.failed[:] = 0
    outcomes.supported_completed[:] = 0
    flat_events, flat_state = events.ravel(), state.ravel()
    for w in range(event_words.size + 1):
        if w < event_words.size:
            if event_words[w] == 0:  # most words, most months
                continue
            first, last = 8 * w, 8 * w + 8
        else:  # the cells after the last whole word
            first, last = 8 * event_words.size, flat_events.size
        for n in range(first, last):
            event = flat_events[n]
            if event == EVENT_NONE:
                continue
            r, rest = divmod(n, trusts * innovations)
            t, i = divmod(rest, innovations)
            k = icb_of_trust[t]
            old = flat_state[n]
            new = _record_event(event, r, t, i, k, cells, outcomes)
            flat_state[n] = new
            entered_month[r, t, i] = month
            state_counts[r, old, i] -= 1
            state_counts[r, new, i] += 1
            used_change = np.int32(is_used(new)) - np.int32(is_used(old))
            users_icb[r, k, i] += np.float32(used_change)
            in_use_in_row[r, t] += used_change
            paying_in_row[r, t] += np.int32(is_paying(new, core_funded[r, t, i])) - \
                np.int32(is_paying(old, core_funded[r, t, i]))
            embedded_icb[r, k] += np.float64(new == EMBEDDED) - np.float64(old == EMBEDDED)


# inlined: a call per event that passes two bundles costs more than the event's work
@njit(cache=True, inline="always")
def _record_event(event, r, t, i, k, cells, outcomes):
    """Count one cell's event and update whether the scaler carries it; returns its new state.

    The cell is (``r``, ``t``, ``i``) of ``cells``, in ICB ``k``; the counts go into
    ``outcomes``, an ``EventOutcomes``.
    """
    supported, counts = cells.supported, outcomes.counts
    if event == EVENT_AWARE:
        return AWARE
    if event == EVENT_START or event == EVENT_SUPPORTED_START:
        counts[r, Counted.PILOTS_STARTED] += 1
        backed = event == EVENT_SUPPORTED_START
        supported[r, t, i] = backed
        counts[r, Counted.SCALER_DEPLOYMENTS_STARTED] += backed
        return PILOTING
    if event == EVENT_SUCCEED or event == EVENT_FAIL:
        outcomes.completed_icb[r, k, i] += 1
        outcomes.signal_icb[r, k, i] += cells.realised_effect[r, t, i]
        outcomes.completed[r, i] += 1
        outcomes.supported_completed[r, i] += supported[r, t, i]
        if event == EVENT_SUCCEED:
            counts[r, Counted.PILOTS_SCALED] += 1
            return EMBEDDED
        counts[r, Counted.PILOTS_FAILED] += 1
        outcomes.failed[r, i] += 1
    else:
        ended = Counted.PILOTS_FADED if event == EVENT_FADE else Counted.EMBEDDED_DISCONTINUED
        counts[r, ended] += 1
    supported[r, t, i] = False
    return ABANDONED
