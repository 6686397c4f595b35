"""The scaler (seed 000): an organisation that carries modules across trusts.

Each month it offers deployments of module innovations to the trusts most able
to pay, up to its spare capacity (``choose_offers``); a trust's board accepts at
its decision rate, with the chance of piloting on its own, less the fee, plus the
relief of the scaler's track record, which overstates what its modules do
(``track_record_overstatement``), and only if its budget left covers the whole
fee. A refused offer may still put the module on an unaware board's agenda
(``approach_awareness_share``). The fee is paid on acceptance; a yearly lock-in
fee follows once the module is embedded. The scaler's team carries a share of a
deployment's capacity load; a supported pilot does not fade for want of a
champion, and runs shorter and fails less as the scaler learns with every
deployment of a module type, down to a floor (``learning_factor``); experience
does not fix a trust's infrastructure. When a new government stops the strategy
the contract ends: no more offers, running pilots lose their support, and what
the scaler carried is dropped at ``dependency_discontinuation_per_year``. See
``docs/ODD.md``, 7.10.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from .. import kernels
from ..agents import Vendor
from ..economics import CELL, MoneyOwed
from ..flows import FlowSpec
from ..generators import uniforms
from ..inputs import MODULE_TYPES
from ..kernels import EndingTerms, EventOutcomes, UtilityTerms
from ..population import (
    AWARE,
    MONTHS_PER_YEAR,
    PILOTING,
    UNAWARE,
    certainty_equivalent_log,
    logistic,
)
from .base import CapacityTerms, Charges, Mechanism

if TYPE_CHECKING:
    import mesa

    from ..engine import Batch


class Scaler(Mechanism):
    """The scaler's offers, support, learning and fees; inert when not enabled.

    Attributes:
        module_columns: Innovation columns of the modules it deploys.
        deployments_by_module: (R, module types) deployments completed so far.
        offers: Replication, trust row and innovation column of this month's offers.
    """

    name = "scaler"
    streams = ("scaler",)
    flows = (FlowSpec("scaler_revenue_gbp_m", "GBP m",
                      "the scaler's fees and lock-in fees this month"),)

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch)
        innov = batch.data.innovations
        self.module_columns = np.flatnonzero(innov.module_type >= 0)
        self.module_onehot = np.zeros((len(innov), len(MODULE_TYPES)))
        self.module_onehot[self.module_columns, innov.module_type[self.module_columns]] = 1.0
        self.deployments_by_module = np.zeros((batch.reps, len(MODULE_TYPES)))
        empty = np.empty(0, dtype=np.intp)
        self.offers, self.offered_modules = (empty, empty, empty), empty
        self.approach_draws = np.empty((batch.reps, batch.pop.n_trusts, len(self.module_columns)))
        self.accepted = np.zeros((batch.reps, batch.pop.n_trusts))  # offers accepted this month

    def active_deployments(self) -> np.ndarray:
        """(R,) deployments running now."""
        pop = self.batch.pop
        piloting = (pop.state == PILOTING) & pop.supported
        return piloting.reshape(len(piloting), -1).sum(axis=1, dtype=np.int64)

    def mesa_agents(self, model: mesa.Model) -> list[mesa.Agent]:
        """The scaler as a Mesa agent (``ScalerAgent``) when the strategy has it."""
        return [ScalerAgent(model, self.module_columns, "scaler")] if self.enabled else []

    def approach(self, month: int) -> None:
        """Rank the open cells and offer the best, up to the spare capacity."""
        if not self.enabled:
            return
        batch, modules = self.batch, self.module_columns
        pop = batch.pop
        draws = uniforms(self.rngs["scaler"], (2, pop.n_trusts, len(modules)))
        ranking, self.approach_draws = np.ascontiguousarray(draws[:, 0]), draws[:, 1]
        rep, rows, module = choose_offers(
            pop.state, pop.relevant, pop.supported, pop.budget_gbp_m, modules, ranking,
            self.config.deployment_capacity)
        live = self.context.reform_live[rep]  # no offers once a government has ended the contract
        self.offers = (rep[live], rows[live], modules[module[live]])
        self.offered_modules = module[live]

    def stop(self, reps: np.ndarray) -> None:
        """The contract ends: pilots it runs now lose its support; what it carried stays so."""
        if not self.enabled:
            return
        pop = self.batch.pop
        running = pop.state[reps] == PILOTING
        pop.supported[reps] &= ~running

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """A supported pilot uses the share of its load the scaler's team does not carry."""
        if not self.enabled:
            return terms
        carried = terms.per_pilot * (1.0 - self.config.load_share_carried)
        return terms._replace(carried=carried)

    def ending_terms(self, terms: EndingTerms) -> EndingTerms:
        """Learning shortens supported pilots and cuts their failure.

        Once a government has ended the contract, what the scaler carried is dropped
        at ``dependency_discontinuation_per_year``.
        """
        if not self.enabled:
            return terms
        batch, cfg = self.batch, self.config
        module = np.maximum(batch.data.innovations.module_type, 0)
        learning = learning_factor(self.deployments_by_module, cfg.learning_exponent,
                                   cfg.learning_floor)[:, module]
        months = np.ceil(batch.pilot_duration * (0.5 + 0.5 * learning)).astype(np.int16)
        dropped = cfg.dependency_discontinuation_per_year / MONTHS_PER_YEAR
        ended = ~self.context.reform_live * dropped
        return terms._replace(supported_months=months,
                              supported_failure_factor=learning.astype(CELL),
                              drop_carried=terms.drop_carried + ended.astype(CELL))

    def intervene(self, words: np.ndarray, utility: UtilityTerms) -> None:
        """Trusts accept or refuse the offers.

        A refused offer leaves an unaware board considering the module (aware) with
        probability ``approach_awareness_share``: the scaler's sales approach.
        """
        rep, rows, cols = self.offers
        if not self.enabled or not len(rep):
            return
        batch = self.batch
        own_utility, cost = kernels.utility_at(rep, rows, cols, self.context.trust_icb, utility)
        state, current = batch.pop.state[rep, rows, cols], batch.events[rep, rows, cols]
        draws = kernels.uniforms_from_words(words[rep, rows, cols])
        accept = (draws < self._offer_probability(own_utility, cost)) & (state <= AWARE)
        reached = self.approach_draws[rep, rows, self.offered_modules] < \
            self.config.approach_awareness_share
        heard = (state == UNAWARE) & (current == kernels.EVENT_NONE) & reached
        batch.events[rep, rows, cols] = np.where(
            accept, kernels.EVENT_SUPPORTED_START,
            np.where(heard, kernels.EVENT_AWARE, current))
        np.add.at(self.accepted, (rep[accept], rows[accept]), 1.0)

    def _offer_probability(self, utility: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Chance each offered cell accepts, given its utility of piloting on its own.

        ``cost`` is the trust's own cost over its horizon at each offered cell.
        """
        rep, rows, cols = self.offers
        cfg, batch = self.config, self.batch
        innov, pop = batch.data.innovations, batch.pop
        deployments = self.deployments_by_module[rep, innov.module_type[cols]]
        scaler_uncertainty = innov.evidence_uncertainty[cols] * (
            1.0 - cfg.evidence_per_deployment) ** deployments
        local_uncertainty = pop.uncertainty_icb[rep, self.context.trust_icb[rows], cols]
        risk_aversion = pop.risk_aversion[rep, rows]
        relief = certainty_equivalent_log(risk_aversion * scaler_uncertainty) - \
            certainty_equivalent_log(risk_aversion * np.maximum(local_uncertainty,
                                                                scaler_uncertainty))
        offer_utility = utility - np.log1p(cfg.price_gbp_m / np.maximum(cost, 1e-9))
        offer_utility += relief + np.log1p(cfg.track_record_overstatement)
        free = pop.free_capacity[rep, rows]
        trusts_load = batch.pilot_need[cols] * (1.0 - cfg.load_share_carried)
        ready = np.minimum(free, 1.0) * (free >= trusts_load)
        can_pay = pop.budget_gbp_m[rep, rows] >= cfg.price_gbp_m  # the whole fee, now
        diffusion = batch.scenario.diffusion
        board = diffusion.decision_rate_per_month * logistic(
            diffusion.decision_sharpness * offer_utility)
        return board * ready * can_pay

    def after_events(self, outcomes: EventOutcomes) -> None:
        """Each completed deployment moves the module type down the learning curve."""
        if self.enabled:
            self.deployments_by_module += outcomes.supported_completed @ self.module_onehot

    def charge(self, month: int, owed: MoneyOwed) -> Charges:
        """The fees of the deployments accepted this month, and lock-in fees.

        Lock-in fees are paid on embedded deployments while the contract lasts, with
        running costs; the fees with pilot costs. Both are the scaler's revenue, and
        the lock-in fees count among the running costs of what is embedded.
        """
        if not self.enabled:
            return Charges()
        cfg, live = self.config, self.context.reform_live[:, None]
        lock_in = owed.lock_ins * live * (cfg.price_gbp_m * cfg.lock_in_fee_share
                                          / MONTHS_PER_YEAR)
        fees = self.accepted * cfg.price_gbp_m
        self.flow("scaler_revenue_gbp_m")[:] = lock_in.sum(1) + fees.sum(1)
        self.flow("running_cost_gbp_m")[:] += lock_in.sum(1)
        self.accepted[:] = 0.0
        return Charges(running=lock_in, fees=fees)

    def programme_cost_gbp_m(self) -> np.ndarray | float:
        """The scaler's fees and lock-in fees this month (its revenue)."""
        if not self.enabled:
            return 0.0
        return self.flow("scaler_revenue_gbp_m")


class ScalerAgent(Vendor):
    """An organisation that carries modules across many trusts (seed 000).

    Its products are the modules. Each completed deployment of a module type teaches
    the scaler: the failure chance and the duration of the pilots it carries fall
    along a learning curve. It lends absorptive capacity, charges a fee and a yearly
    lock-in fee, and, having a profit motive, offers deployments first to trusts that
    can pay. The price factors it inherits are those of its modules' own costs (a
    vendor's margin where a module is a vendor product); its fee comes on top.
    """

    @property
    def fee_per_deployment_gbp_m(self) -> float:
        """Fee a trust pays when it accepts a deployment, GBP m (0 once the contract ended)."""
        live = bool(self.model.batch.reform_live[0])
        return self.model.strategy.scaler.price_gbp_m * live

    @property
    def contract_live(self) -> bool:
        """Whether the scaler's contract runs (a new government may have ended it)."""
        return bool(self.model.batch.reform_live[0])

    @property
    def deployments_by_module(self) -> np.ndarray:
        """(5,) completed deployments of each module type (a view on the batch's array)."""
        return self.model.batch.mechanisms["scaler"].deployments_by_module[0]

    @property
    def active_deployments(self) -> int:
        """Deployments running now."""
        return int(self.model.batch.mechanisms["scaler"].active_deployments()[0])

    @property
    def offers(self) -> list[tuple[int, int]]:
        """(trust row, innovation column) of this month's offers, best ranked first."""
        rep, rows, cols = self.model.batch.mechanisms["scaler"].offers
        return [(int(i), int(j)) for r, i, j in zip(rep, rows, cols, strict=True) if r == 0]

    def learning_factor(self) -> np.ndarray:
        """(5,) floor + (1 - floor) x (1 + n)^-b per module type, n its completed deployments.

        In the next step a pilot the scaler carries ends once it has run
        ``ceil(duration x (0.5 + 0.5 x factor))`` months, and fails with the factor
        times the failure an unsupported pilot would have from adaptation effort
        (the part from a poor infrastructure fit stays).
        """
        cfg = self.model.strategy.scaler
        return learning_factor(self.deployments_by_module, cfg.learning_exponent,
                               cfg.learning_floor)


def learning_factor(deployments_by_module: np.ndarray, exponent: float,
                    floor: float) -> np.ndarray:
    """How far failure and adaptation fell per module type: floor + (1 - floor)(1 + n)^-b."""
    return floor + (1.0 - floor) * (1.0 + deployments_by_module) ** (-exponent)


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
