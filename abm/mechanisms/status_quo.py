"""The institutions of every strategy: the government, the ICBs and the vendors.

They act whatever the strategy: the government runs national programmes, holds
elections that may end them and favours quick wins before one (ODD step 1); each
ICB sets a priority domain and a scale-up fund every financial year (step 2); the
vendors sell their products at a margin with a discounted pilot. Their rules are
``abm.institutions``; this module holds them to the month's schedule and keeps
who pays for what (``economics.payer_factors``) in step with them. Their state
lives on the batch (``programme_live``, ``icb_priority``, ``icb_pooled``,
``icb_fund_left_gbp_m``, the vendors' price factors), where the agents and the
reporters read it.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from .. import economics as econ
from .. import institutions
from ..economics import Institutions
from ..effects import log_belief
from ..generators import uniforms
from ..population import MONTHS_PER_YEAR
from ..programmes import Delivery

if TYPE_CHECKING:
    from ..engine import Batch


class StatusQuo:
    """The government, the ICBs and the vendors of one batch, with their monthly steps.

    Args:
        batch: The batch they act in.
        init_rngs: The replications' initialisation generators (the ICBs' pooled shares).
    """

    def __init__(self, batch: Batch, init_rngs: list[np.random.Generator]) -> None:
        # a proxy, so that a finished batch is freed at once (no reference cycle)
        self.batch = weakref.proxy(batch)
        innov, n_icb, reps = batch.data.innovations, len(batch.data.icbs), batch.reps
        mean = batch.scenario.icb.pooled_budget_share_mean
        batch.icb_pooled = np.stack([np.clip(rng.normal(mean, 0.1, n_icb), 0.0, 1.0)
                                     for rng in init_rngs])
        batch.icb_priority = np.full((reps, n_icb), -1)
        batch.icb_fund_left_gbp_m = np.zeros((reps, n_icb))
        batch.vendor_pilot_factor, batch.vendor_running_factor = self._vendor_prices()
        self.delivery = Delivery(batch)
        batch.programme_live = self.delivery.live_at(
            0, np.broadcast_to(innov.national_programme, (reps, len(innov))).copy())
        batch.elections_held = 0
        batch.reform_live = np.ones(reps, dtype=bool)  # no government has stopped the strategy

    def _vendor_prices(self) -> tuple[np.ndarray, np.ndarray]:
        """(I,) multipliers on pilot and running costs: a margin, less a pilot discount."""
        innov, vendors = self.batch.data.innovations, self.batch.scenario.vendors
        full = 1.0 + vendors.margin_share
        pilot, running = np.ones(len(innov)), np.ones(len(innov))
        pilot[innov.vendor_product] = full * (1.0 - vendors.pilot_discount)
        running[innov.vendor_product] = full
        return pilot, running

    def start_month(self, month: int) -> tuple[np.ndarray, np.ndarray]:
        """ODD steps 1 and 2: elections and windows, then in April the ICBs' new year.

        Returns which replications' payers changed (``refresh_payers`` them once any
        reorganisation of the month is done) and in which a new government stopped
        the reform strategy this month (``Mechanism.stop``).
        """
        batch = self.batch
        changed, stopped = self._government(month)
        changed |= self._programme_dates(month)
        if month % MONTHS_PER_YEAR == 0:  # April: a new financial year (the run starts in April)
            batch.icb_priority = institutions.plan_years(batch.institution_rngs,
                                                         len(batch.data.icbs))
            if month == batch.boards.merge_month and batch.boards.acting(month):
                self._merge_boards()
            if batch.boards.acting(month):  # a merged board sets one priority for its members
                batch.icb_priority = batch.boards.of_lead(batch.icb_priority)
            batch.icb_fund_left_gbp_m[:] = batch.scenario.icb.scale_up_fund_gbp_m_per_year
            self._new_financial_year()
            changed[:] = True
        return changed, stopped

    def _government(self, month: int) -> tuple[np.ndarray, np.ndarray]:
        """Elections reset programmes and may stop the reform strategy.

        Returns which replications' economics changed and in which the strategy was
        stopped. The verdict on the strategy is drawn at every election in every
        strategy, the status quo included, so that the draws after it stay common.
        """
        batch, scenario = self.batch, self.batch.scenario
        draws = uniforms(batch.institution_rngs, (len(batch.data.innovations),))
        changed = np.zeros(batch.reps, dtype=bool)
        stopped = np.zeros(batch.reps, dtype=bool)
        if month > 0 and institutions.months_to_election(scenario, month) == 0:
            batch.elections_held += 1
            changed |= institutions.hold_elections(
                batch.programme_live, draws, scenario,
                batch.data.innovations.time_to_benefit_months)
            verdict = uniforms(batch.institution_rngs, (1,))[:, 0]
            stopped = batch.reform_live & (verdict < scenario.government.reform_stop_probability)
            batch.reform_live &= ~stopped
        window_now = institutions.in_quick_win_window(scenario, month)
        if window_now != institutions.in_quick_win_window(scenario, month - 1):
            changed[:] = True
        return changed, stopped

    def _programme_dates(self, month: int) -> np.ndarray:
        """Programmes start and end on their dates; revenue support ends on its date.

        Returns (R,) whether who pays changed in each replication.
        """
        batch, delivery = self.batch, self.delivery
        if not delivery.on:
            return np.zeros(batch.reps, dtype=bool)
        live = delivery.live_at(month, batch.programme_live)
        changed = (live != batch.programme_live).any(axis=1)
        batch.programme_live[:] = live
        if (delivery.programmes.revenue_until == month - 1).any():
            changed[:] = True
        return changed

    def _merge_boards(self) -> None:
        """1 April 2026: the members of each new board pool what their ICBs held.

        The pooled budget share and what the trusts expect of each innovation become
        the members' means weighted by their trusts; the doubt becomes the least of
        the members', since the board now hears all its members' evidence.
        """
        batch, pop = self.batch, self.batch.pop
        batch.icb_pooled = batch.boards.averaged(batch.icb_pooled)
        pop.belief_icb = batch.boards.averaged(pop.belief_icb)
        pop.uncertainty_icb = batch.boards.lowest(pop.uncertainty_icb)
        batch.log_belief = log_belief(pop.belief_icb)

    def _new_financial_year(self) -> None:
        """Unspent budget lapses; the year's allocation arrives, less any merger debt."""
        pop = self.batch.pop
        repay = np.minimum(pop.transition_debt_gbp_m, pop.allocation_gbp_m_per_year)
        pop.transition_debt_gbp_m -= repay
        pop.budget_gbp_m = pop.allocation_gbp_m_per_year - repay
        pop.capital_gbp_m = pop.capital_allocation_gbp_m_per_year.copy()
        self.batch.flow("spend_transition_gbp_m")[:] += repay.sum(axis=1)

    def payers(self) -> Institutions:
        """What the institutions decide about who pays, as the cost rules read it."""
        batch = self.batch
        return Institutions(
            programme_live=batch.programme_live,
            quick_win_window=institutions.in_quick_win_window(batch.scenario, batch.month),
            icb_priority=batch.icb_priority,
            icb_fund_open=batch.icb_fund_left_gbp_m > 0,
            icb_pooled_share=batch.icb_pooled,
            vendor_pilot_factor=batch.vendor_pilot_factor,
            vendor_running_factor=batch.vendor_running_factor,
            delivered=self.delivery.delivered,
            site_running_share=self.delivery.site_running_share(batch.month,
                                                                batch.programme_live),
        )

    def refresh_payers(self, reps: np.ndarray) -> None:
        """Who pays, and bonuses, in the replications where an institution acted.

        An institution acts when a programme starts or ends, a fund runs dry or a new
        year's priorities are set.
        """
        batch = self.batch
        inst = self.payers().of_replications(reps)
        for name, values in econ.payer_factors(batch.data, batch.scenario, inst).items():
            getattr(batch.economics, name)[reps] = values
