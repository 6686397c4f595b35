"""Consolidation (seed 003): mergers and group models, and how every merger works.

ICBs propose mergers each month at the background rate
(``scenario.icb.background_mergers_per_year``), plus the strategic rate when the
strategy switches consolidation on; boards block some (``sovereignty_resistance``).
A merger makes one decision unit of two: the strongest lead absorbs the most
pressured one of the same merger family, the unit is disrupted and pays a
transition cost, and decides more slowly the more boards must agree. After a
lag, every trust of a merged unit saves a share of its turnover on corporate
overheads and clinical support (``back_office_saving_share``); its group
governance shares the ownership of pilots (less hero dependency) and it shields
part of its capacity from operational pressure (planned care on a protected
site). Innovations that need a multi-trust unit (``min_unit_trusts``) open to
merged units only. The settings of how a merger works apply to every merger,
so this mechanism acts in every strategy; ``enabled`` only adds the strategic
rate, which stops when a new government halts the programme (mergers done stay
done). See
``docs/ODD.md``, sections 7.9 and 7.10.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from ..economics import CELL
from ..flows import FlowSpec
from ..inputs import TRUST_TYPES
from ..kernels import EndingTerms
from ..population import MONTHS_PER_YEAR, led_by, turnover_gbp_m_per_year
from .base import CapacityTerms, Mechanism

if TYPE_CHECKING:
    from ..engine import Batch

# Trust types that can merge with each other: acute with acute, ambulance with
# ambulance, and mental health and community trusts among themselves.
MERGER_FAMILIES = (
    ("acute",),
    ("mental_health", "community", "mental_health_and_community"),
    ("ambulance",),
)
MERGER_FAMILY = np.array([
    next(f for f, types in enumerate(MERGER_FAMILIES) if trust_type in types)
    for trust_type in TRUST_TYPES])  # family of each trust type, indexed as TRUST_TYPES


class Consolidation(Mechanism):
    """The month's merger proposals and what a merger does to decision units.

    Attributes:
        merger_family: (T,) merger family of each trust.
        merger_exhausted: (R, K) ICBs with no possible pair left (units only grow).
        first_merged: (R, T) month of each trust's first merger (-1: never merged).
    """

    name = "consolidation"
    streams = ("mergers",)
    flows = (FlowSpec("mergers", "mergers", "mergers completed (background and the "
                      "programme's)"),
             FlowSpec("mergers_blocked", "mergers", "merger proposals blocked by boards"))

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch)
        self.merger_family = MERGER_FAMILY[batch.data.trusts.trust_type]
        self.layout = IcbLayout(batch.icb_rows, batch.icb_starts, self.merger_family)
        self.merger_exhausted = np.zeros((batch.reps, len(batch.data.icbs)), dtype=bool)
        self.first_merged = np.full((batch.reps, batch.pop.n_trusts), -1)
        self.saving_per_month = (self.config.back_office_saving_share / MONTHS_PER_YEAR
                                 * turnover_gbp_m_per_year(batch.data.trusts.size))
        self.background_per_year = batch.scenario.icb.background_mergers_per_year
        self.strategic_per_year = self.config.mergers_per_year * self.enabled
        self.programme_cost = np.zeros(batch.reps)

    def rates_per_year(self) -> np.ndarray:
        """(R,) mergers proposed a year in each replication: background, plus the programme's."""
        return self.background_per_year + self.strategic_per_year * self.context.reform_live

    def unit_weight_by_size(self, boards: np.ndarray) -> np.ndarray:
        """Units decide more slowly the more boards must agree: boards^-slowdown."""
        return boards ** -self.config.decision_slowdown

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """Disrupted trusts lose a share of their capacity; merged units shield theirs.

        A trust in a merged unit bears only part of pressure's capacity loss: the unit
        moves planned care to a site protected from emergency demand.
        """
        terms = terms._replace(disruption_loss=terms.disruption_loss
                               + self.config.disruption_capacity_loss)
        if not self.batch.has_groups.any():
            return terms
        shielded = self.config.winter_shielding_share * (self.batch.unit_trusts > 1)
        factor = 1.0 - shielded
        if terms.pressure_loss_factor is not None:
            factor = factor * terms.pressure_loss_factor
        return terms._replace(pressure_loss_factor=factor)

    def ending_terms(self, terms: EndingTerms) -> EndingTerms:
        """A merged unit's group governance shares the ownership of its pilots."""
        if not self.batch.has_groups.any():
            return terms
        shared = self.config.group_governance_share * (self.batch.unit_trusts > 1)
        return terms._replace(fade_no_champion=(terms.fade_no_champion * (1.0 - shared)
                                                ).astype(CELL))

    def reorganise(self, month: int) -> None:
        """Each replication's proposals of the month; merged units' economics recomputed."""
        batch, cfg = self.batch, self.config
        pop = batch.pop
        merged = np.zeros(pop.group.shape, dtype=bool)
        rates = self.rates_per_year()
        monthly = (rates / MONTHS_PER_YEAR).tolist()
        # the programme's part of the month's mergers: its share of the rate
        programme_share = (self.strategic_per_year * self.context.reform_live
                           / np.maximum(rates, 1e-12))
        self.programme_cost[:] = 0.0
        rules = MergerRules(cfg.sovereignty_resistance, cfg.max_group_size,
                            month + cfg.disruption_months, cfg.transition_cost_gbp_m)
        for r, rng in enumerate(self.rngs["mergers"]):
            proposals = rng.poisson(monthly[r])
            if not proposals:
                continue
            order, blocked_draws = rng.permutation(len(batch.data.icbs)), rng.random(proposals)
            units = Units(pop.group[r], pop.capacity_base[r], pop.pressure[r],
                          self.merger_exhausted[r], pop.disrupted_until[r],
                          pop.budget_gbp_m[r], pop.transition_debt_gbp_m[r], merged[r])
            mergers, blocked, paid = merge_round(order, blocked_draws, rules, self.layout, units)
            self.flow("mergers")[r] += mergers
            self.flow("mergers_blocked")[r] += blocked
            self.flow("spend_transition_gbp_m")[r] += paid
            self.programme_cost[r] = mergers * cfg.transition_cost_gbp_m * programme_share[r]
            batch.has_groups[r] |= mergers > 0
        merged_reps = np.flatnonzero(merged.any(axis=1))
        if len(merged_reps):  # decision units grew: volume gains and scale economies changed
            batch.refresh_units(merged_reps)
            in_unit = np.take_along_axis(led_by(pop.group), pop.group, axis=1) > 1
            self.first_merged[in_unit & (self.first_merged < 0)] = month
        self.month = month

    def proposal(self, r: int, icb: int) -> tuple[int, int] | None:
        """The merger ICB ``icb`` would propose now in replication ``r`` (``propose_merger``).

        Returns:
            (acquirer lead row, target lead row), or None if no pair is possible.
        """
        batch, pop = self.batch, self.batch.pop
        rows = batch.icb_rows[batch.icb_starts[icb]:batch.icb_starts[icb + 1]]
        acquirer, target = propose_merger(rows, self.merger_family, pop.group[r],
                                          pop.capacity_base[r], pop.pressure[r],
                                          self.config.max_group_size)
        return None if acquirer < 0 else (int(acquirer), int(target))

    def programme_cost_gbp_m(self) -> np.ndarray | float:
        """The transition cost of the programme's part of this month's mergers."""
        return self.programme_cost

    def saving_gbp_m(self) -> np.ndarray | float:
        """(R, T) back-office savings of the trusts merged at least the lag ago (every merger)."""
        if not (self.first_merged >= 0).any():
            return 0.0
        due = (self.first_merged >= 0) & (
            self.month - self.first_merged >= self.config.back_office_saving_lag_months)
        return due * self.saving_per_month


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


class MergerRules(NamedTuple):
    """How the month's mergers go, the same for every replication."""

    sovereignty_resistance: float  # chance a proposal is blocked
    max_group_size: int  # largest allowed decision unit
    disrupted_to: int  # month to which merged trusts are disrupted
    transition_cost: float  # cost of one merger, GBP m


class IcbLayout(NamedTuple):
    """Which trusts each ICB has, and which can merge."""

    icb_rows: np.ndarray  # trust rows sorted by ICB
    icb_starts: np.ndarray  # (K + 1,) where each ICB's rows start in icb_rows
    family: np.ndarray  # (T,) merger family of each trust


class Units(NamedTuple):
    """One replication's decision units and what a merger changes (arrays updated in place)."""

    group: np.ndarray  # (T,) lead of each trust's decision unit
    capacity_base: np.ndarray  # (T,) absorptive capacity
    pressure: np.ndarray  # (T,) operational pressure this month
    exhausted: np.ndarray  # (K,) ICBs with no possible pair (units only grow: never again)
    disrupted_until: np.ndarray  # (T,) month to which each trust is disrupted
    budget: np.ndarray  # (T,) unspent budget
    debt: np.ndarray  # (T,) transition cost carried to next year
    merged: np.ndarray  # (T,) set for the trusts of units that merged


@njit(cache=True)
def merge_round(order, blocked_draws, rules, layout, units):
    """One replication's merger proposals of a month, in place.

    Proposal p goes to the first ICB, in the month's random ``order`` from position p
    on, that still has a possible pair (``propose_merger``); boards block it with
    probability ``rules.sovereignty_resistance``. A merger makes the acquirer lead the
    target's members, disrupts the unit until ``rules.disrupted_to`` and splits the
    transition cost evenly over its trusts, paid from budget now or carried as debt.

    Args:
        order: (K,) ICBs in a random order.
        blocked_draws: One uniform draw per proposal.
        rules: ``MergerRules``.
        layout: ``IcbLayout``.
        units: ``Units`` of the replication (updated).

    Returns:
        (mergers, proposals blocked, transition cost paid now).
    """
    icb_rows, icb_starts, family = layout.icb_rows, layout.icb_starts, layout.family
    group, exhausted, merged = units.group, units.exhausted, units.merged
    disrupted_until, budget, debt = units.disrupted_until, units.budget, units.debt
    mergers, blocked, paid_now = 0, 0, 0.0
    for p in range(len(blocked_draws)):
        acquirer, target = -1, -1
        for k in order[p:]:
            if exhausted[k]:
                continue
            acquirer, target = propose_merger(icb_rows[icb_starts[k]:icb_starts[k + 1]],
                                              family, group, units.capacity_base,
                                              units.pressure, rules.max_group_size)
            if acquirer >= 0:
                break
            exhausted[k] = True
        if acquirer < 0:
            break
        if blocked_draws[p] < rules.sovereignty_resistance:
            blocked += 1
            continue
        members = np.flatnonzero((group == acquirer) | (group == target))
        share = rules.transition_cost / len(members)
        for t in members:
            group[t] = acquirer
            disrupted_until[t] = rules.disrupted_to
            paid = min(budget[t], share)
            budget[t] -= paid
            debt[t] += share - paid
            paid_now += paid
            merged[t] = True
        mergers += 1
    return mergers, blocked, paid_now
