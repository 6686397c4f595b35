"""Compiled passes over the (replication, trust, innovation) cells of a batch.

A month's lifecycle touches every cell a few times; written as whole-array NumPy
it costs some forty temporary arrays. These Numba loops make one pass each and
do the work a cell needs for its state only (an embedded cell never computes a
utility). They hold no state and draw no random numbers: the engine draws from
each replication's own generators and passes the draws in, so a replication's
numbers do not depend on the batch it runs in.

Events (``EVENT_*``) say what happens to a cell this month; ``apply_events``
turns them into the new lifecycle state. Float32 arguments are float32 on
purpose: the per-cell matrices are float32 and the arithmetic stays in it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .population import ABANDONED, AWARE, EMBEDDED, PILOTING, UNAWARE

EVENT_NONE, EVENT_AWARE, EVENT_START, EVENT_SUPPORTED_START = 0, 1, 2, 3
EVENT_SUCCEED, EVENT_FAIL, EVENT_FADE, EVENT_DROP = 4, 5, 6, 7
_SHORTLISTED = 8  # within decide_cells only: the draw could start a pilot
# order of the counts returned by apply_events
COUNTED = ("pilots_started", "pilots_scaled", "pilots_failed", "pilots_faded",
           "embedded_discontinued", "scaler_deployments_started")
_F32 = np.float32


@njit(cache=True)
def cell_utility(utility_base, risk_aversion, uncertainty, risk_weight, bonus):
    """A trust's utility of piloting an innovation: net benefit less risk, plus any bonus.

    A board values an uncertain benefit at its mean less ``risk aversion`` standard
    deviations, B x (1 - risk_aversion x cv); ``risk_weight`` scales the doubt (blame
    for published failures) and the share counted on is floored at 1 %.
    """
    doubt = risk_aversion * uncertainty * risk_weight
    return utility_base + np.log(max(_F32(1.0) - doubt, _F32(0.01))) + bonus


@njit(cache=True)
def cell_decision(utility, sharpness, rate, free, able, weight):
    """Monthly chance an aware trust starts a pilot (0 when it cannot pay or staff it)."""
    if not able:
        return _F32(0.0)
    prob = _F32(1.0) / (_F32(1.0) + np.exp(-(sharpness * utility)))
    return prob * (rate * min(free, _F32(1.0))) * weight


@njit(cache=True)
def utility_at(rep, rows, cols, icb_of_trust, utility_base, uncertainty_icb, risk_aversion,
               risk_weight, bonus):
    """``cell_utility`` at listed cells (replication, trust row, innovation column)."""
    out = np.empty(len(rep), dtype=utility_base.dtype)
    for n in range(len(rep)):
        r, t, i = rep[n], rows[n], cols[n]
        out[n] = cell_utility(utility_base[r, t, i], risk_aversion[r, t],
                              uncertainty_icb[r, icb_of_trust[t], i], risk_weight[r, i],
                              bonus[r, i])
    return out


@njit(cache=True)
def decide_cells(state, months_in_state, draws, relevant, supported, icb_of_trust,
                 hazard_icb, utility_base, uncertainty_icb, risk_aversion, risk_weight,
                 bonus, budget, free, pilot_total, pilot_need, group_weight, sharpness, rate,
                 pilot_months, supported_months, failure, supported_failure_factor,
                 fade_no_champion, programme_off, fade_unfunded, discontinuation,
                 drop_unfunded, active, n_active, events):
    """Each cell's event this month, from its one uniform draw (written into ``events``).

    Unaware relevant cells hear of the innovation with the ICB's hazard; aware cells,
    and those that just heard, start a pilot with the decision probability (given
    draw < hazard, draw / hazard is again uniform, so one draw serves both). Pilots due
    finish and fail or succeed; others fade. Embedded cells may be dropped.

    Three passes: every cell for hearing, shortlisting the cells whose draw could
    start a pilot; the shortlisted cells for the decision; and the cells piloting or
    embedded (the first ``n_active`` rows of ``active``) for endings.
    """
    _hear(state, draws, relevant, icb_of_trust, hazard_icb, budget, free, pilot_total,
          pilot_need, group_weight, rate, events)
    _decide(state, draws, icb_of_trust, hazard_icb, utility_base, uncertainty_icb,
            risk_aversion, risk_weight, bonus, free, group_weight, sharpness, rate, events)
    _end(active, n_active, state, months_in_state, draws, supported, pilot_months,
         supported_months, failure, supported_failure_factor, fade_no_champion,
         programme_off, fade_unfunded, discontinuation, drop_unfunded, events)


@njit(cache=True)
def _hear(state, draws, relevant, icb_of_trust, hazard_icb, budget, free, pilot_total,
          pilot_need, group_weight, rate, events):
    """Unaware cells hearing of an innovation; the aware cells that could start a pilot.

    The logistic is at most 1, so a draw at or above the decision probability's
    ceiling cannot start a pilot: only cells below it are shortlisted (exact, and
    few). Branch-free, so the compiler can vectorise it.
    """
    reps, trusts, innovations = state.shape
    for r in range(reps):
        for t in range(trusts):
            k = icb_of_trust[t]
            cash, room = budget[r, t], free[r, t]
            capacity_rate = rate * min(room, _F32(1.0))
            for i in range(innovations):
                s, u = state[r, t, i], draws[r, t, i]
                unaware = s == UNAWARE
                hazard = hazard_icb[r, k, i]
                hears = unaware & relevant[t, i] & (u < hazard)
                threshold = hazard if unaware else _F32(1.0)
                able = (cash >= pilot_total[r, t, i]) & (room >= pilot_need[i])
                ceiling = threshold * (capacity_rate * group_weight[r, t, i])
                shortlisted = ((s == AWARE) | hears) & able & (u < ceiling)
                heard = EVENT_AWARE if hears else EVENT_NONE
                events[r, t, i] = _SHORTLISTED if shortlisted else heard


@njit(cache=True)
def _decide(state, draws, icb_of_trust, hazard_icb, utility_base, uncertainty_icb,
            risk_aversion, risk_weight, bonus, free, group_weight, sharpness, rate, events):
    """Shortlisted cells start a pilot with the decision probability, or stay (or become) aware."""
    reps, trusts, innovations = state.shape
    flat = events.ravel()
    for n in range(flat.size):
        if flat[n] != _SHORTLISTED:
            continue
        r, rest = divmod(n, trusts * innovations)
        t, i = divmod(rest, innovations)
        k = icb_of_trust[t]
        unaware = state[r, t, i] == UNAWARE
        threshold = hazard_icb[r, k, i] if unaware else _F32(1.0)
        utility = cell_utility(utility_base[r, t, i], risk_aversion[r, t],
                               uncertainty_icb[r, k, i], risk_weight[r, i], bonus[r, i])
        decide = cell_decision(utility, sharpness, rate, free[r, t], True,
                               group_weight[r, t, i])
        if draws[r, t, i] < threshold * decide:
            flat[n] = EVENT_START
        else:  # a shortlisted unaware cell has just heard
            flat[n] = EVENT_AWARE if unaware else EVENT_NONE


@njit(cache=True)
def _end(active, n_active, state, months_in_state, draws, supported, pilot_months,
         supported_months, failure, supported_failure_factor, fade_no_champion,
         programme_off, fade_unfunded, discontinuation, drop_unfunded, events):
    """Pilots due finish (fail or succeed), others may fade; embedded cells may be dropped."""
    for n in range(n_active):
        r, t, i = active[n, 0], active[n, 1], active[n, 2]
        u = draws[r, t, i]
        if state[r, t, i] == PILOTING:
            backed = supported[r, t, i]
            duration = supported_months[r, i] if backed else pilot_months[i]
            if months_in_state[r, t, i] + 1 >= duration:
                fail = failure[r, t, i]
                if backed:
                    fail = fail * supported_failure_factor[r, i]
                events[r, t, i] = EVENT_FAIL if u < fail else EVENT_SUCCEED
            else:
                fade = fade_no_champion[r, t] * programme_off[r, i]
                if backed:
                    fade = _F32(0.0)
                if u < fade + fade_unfunded[r, t]:
                    events[r, t, i] = EVENT_FADE
        elif u < discontinuation[r, t, i] + drop_unfunded[r, t]:
            events[r, t, i] = EVENT_DROP


@njit(cache=True)
def list_active(state, active):
    """Write the (replication, trust, innovation) of each cell piloting or embedded; count them."""
    reps, trusts, innovations = state.shape
    n_active = 0
    for r in range(reps):
        for t in range(trusts):
            for i in range(innovations):
                s = state[r, t, i]
                active[n_active, 0], active[n_active, 1], active[n_active, 2] = r, t, i
                n_active += (s == PILOTING) | (s == EMBEDDED)
    return n_active


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
def apply_events(state, months_in_state, supported, events, icb_of_trust,
                 relevant_per_innovation, counts, completed_icb, failed, supported_completed,
                 state_counts, embedded_icb, users_icb, active):
    """Move every cell to its new state and count what happened (in place).

    Writes per replication the counts in the order of ``COUNTED``, pilots completed
    (succeeded or failed) per ICB and innovation, failures per innovation and
    scaler-supported completions per innovation; the counts of the new states that
    ``count_states`` makes; and the (replication, trust, innovation) of each cell now
    piloting or embedded into the rows of ``active`` (N, 3). Returns that number of cells.
    """
    n_active = 0
    reps, trusts, innovations = state.shape
    counts[:] = 0
    completed_icb[:] = 0
    failed[:] = 0
    supported_completed[:] = 0
    _clear_state_counts(state_counts, embedded_icb, users_icb)
    for r in range(reps):
        for t in range(trusts):
            k = icb_of_trust[t]
            embedded = 0
            for i in range(innovations):
                event, s = events[r, t, i], state[r, t, i]
                if event == EVENT_NONE:
                    months_in_state[r, t, i] += 1
                else:
                    months_in_state[r, t, i] = 0
                    if event == EVENT_AWARE:
                        s = AWARE
                    elif event == EVENT_START or event == EVENT_SUPPORTED_START:
                        s = PILOTING
                        counts[r, 0] += 1
                        backed = event == EVENT_SUPPORTED_START
                        supported[r, t, i] = backed
                        if backed:
                            counts[r, 5] += 1
                    elif event == EVENT_SUCCEED or event == EVENT_FAIL:
                        completed_icb[r, k, i] += 1
                        if supported[r, t, i]:
                            supported_completed[r, i] += 1
                        if event == EVENT_SUCCEED:
                            s = EMBEDDED
                            counts[r, 1] += 1
                        else:
                            s = ABANDONED
                            supported[r, t, i] = False
                            counts[r, 2] += 1
                            failed[r, i] += 1
                    else:
                        s = ABANDONED
                        supported[r, t, i] = False
                        counts[r, 3 if event == EVENT_FADE else 4] += 1
                    state[r, t, i] = s
                embedded += _count_cell(state_counts, users_icb, r, k, i, s)
                active[n_active, 0], active[n_active, 1], active[n_active, 2] = r, t, i
                n_active += (s == PILOTING) | (s == EMBEDDED)
            embedded_icb[r, k] += embedded
        _unaware_from_relevant(state_counts, relevant_per_innovation, r)
    return n_active


@njit(cache=True)
def tally_money(active, n_active, state, months_in_state, supported, core_funded,
                benefit_delay, pilot_trust, running_trust, pilot_icb, running_icb, pilot_full,
                running_full, scaler_fee_per_month, effect_bed_days, effect_gbp_m, trust_due,
                icb_due, full_due, lock_ins, fees, bed_days, cash):
    """What each trust and ICB owes this month, and the benefit realised (in place).

    Visits only the cells piloting or embedded (the first ``n_active`` rows of
    ``active``, from ``apply_events``). Running costs count for innovations embedded
    during the run (those embedded before the start are paid from core budgets);
    benefit is realised once an embedded innovation has been in place for its time
    to benefit. Sums are in float64.
    """
    trust_due[:] = 0.0
    icb_due[:] = 0.0
    full_due[:] = 0.0
    lock_ins[:] = 0
    fees[:] = 0.0
    bed_days[:] = 0.0
    cash[:] = 0.0
    for n in range(n_active):
        r, t, i = active[n, 0], active[n, 1], active[n, 2]
        if state[r, t, i] == PILOTING:
            trust_due[r, t, 1] += pilot_trust[r, t, i]
            icb_due[r, t] += pilot_icb[r, t, i]
            full_due[r, i] += pilot_full[r, t, i]
            if supported[r, t, i]:
                fees[r, t] += scaler_fee_per_month[i]
        elif not core_funded[r, t, i]:
            trust_due[r, t, 0] += running_trust[r, t, i]
            icb_due[r, t] += running_icb[r, t, i]
            full_due[r, i] += running_full[r, t, i]
            lock_ins[r, t] += supported[r, t, i]
            if months_in_state[r, t, i] >= benefit_delay[i]:
                bed_days[r, t] += effect_bed_days[r, t, i]
                cash[r] += effect_gbp_m[r, t, i]


@njit(cache=True)
def count_states(state, relevant_per_innovation, icb_of_trust, state_counts, embedded_icb,
                 users_icb):
    """Counts of the cells by state (in place).

    Writes relevant trusts in each state per innovation (R, 5, I), embedded cells
    per ICB (R, K) and trusts piloting or with the innovation embedded per ICB and
    innovation (R, K, I; the peers a trust sees).
    """
    reps, trusts, innovations = state.shape
    _clear_state_counts(state_counts, embedded_icb, users_icb)
    for r in range(reps):
        for t in range(trusts):
            k = icb_of_trust[t]
            embedded = 0
            for i in range(innovations):
                embedded += _count_cell(state_counts, users_icb, r, k, i, state[r, t, i])
            embedded_icb[r, k] += embedded
        _unaware_from_relevant(state_counts, relevant_per_innovation, r)


@njit(cache=True, inline="always")
def _clear_state_counts(state_counts, embedded_icb, users_icb):
    state_counts[:] = 0
    embedded_icb[:] = 0
    users_icb[:] = 0


@njit(cache=True, inline="always")
def _count_cell(state_counts, users_icb, r, k, i, s):
    """Count one cell in state ``s``; returns 1 if it is embedded (without branches)."""
    state_counts[r, s, i] += 1
    users_icb[r, k, i] += (s == PILOTING) | (s == EMBEDDED)
    return s == EMBEDDED


@njit(cache=True, inline="always")
def _unaware_from_relevant(state_counts, relevant_per_innovation, r):
    """Only relevant cells ever leave the unaware state: unaware = relevant less the rest."""
    for i in range(state_counts.shape[2]):
        others = 0
        for s in range(1, 5):
            others += state_counts[r, s, i]
        state_counts[r, UNAWARE, i] = relevant_per_innovation[i] - others
