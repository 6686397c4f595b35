"""The open platform (seed 002): published pilots, shared adaptations, transparency.

Completed pilots are published, so each ICB learns from pilots elsewhere
(``publication_evidence_weight``). Publishing and reading take digital maturity:
a trust documents its pilots and uses others' in proportion to its maturity, up to
``publishing_maturity``, and under operational pressure it drops documentation
while still reading (free-riding). Published adaptations lower every trust's
adaptation need (cost and failure) down to a floor (``adaptation_floor``); cheap
communication moves peer weight from local to national peers; national use pushes
laggards (transparency); the platform's community shares the ownership of pilots
(less hero dependency). Published failures raise the weight on doubt, documenting
takes capacity, each trust pays to take part and the platform costs the nation a
yearly sum. When a new government defunds it, publication, shared adaptations,
transparency, the community and the costs stop; what was learned stays, and so
does cheaper communication. See ``docs/ODD.md``, section 7.10.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..economics import CELL, MoneyOwed
from ..kernels import EndingTerms, UtilityTerms
from ..population import MONTHS_PER_YEAR
from .base import CapacityTerms, Charges, Mechanism

if TYPE_CHECKING:
    from ..engine import Batch


class OpenPlatform(Mechanism):
    """The open platform's terms; neutral when ``strategy.open_platform.enabled`` is off.

    Attributes:
        reading: (R, T) how fully each trust can use published evidence (0-1).
        contribution: (R, T) how fully each trust documents its pilots this month.
        removable_left: (R, I) share of each innovation's removable adaptation need left.
    """

    name = "open_platform"

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch)
        pop = batch.pop
        maturity_needed = max(self.config.publishing_maturity, 1e-9)
        self.reading = np.minimum(pop.digital_maturity / maturity_needed, 1.0)
        self.contribution = self.reading
        self.trusts_per_icb = np.maximum(self.context.icb_onehot.sum(axis=0), 1.0)
        self.reading_icb = self._per_icb(self.reading)
        self.need_at_start = np.array(pop.adaptation_need, dtype=float)
        self.removable_left = np.ones_like(self.need_at_start)

    def peer_reach(self) -> float:
        """Share of local peer weight moved to national peers."""
        return self.config.communication_reach * self.enabled

    def _live(self) -> np.ndarray:
        """(R,) 1.0 where the platform is funded, 0.0 where a government defunded it."""
        return self.context.reform_live.astype(float)

    def _per_icb(self, per_trust: np.ndarray) -> np.ndarray:
        """(R, K) mean over each ICB's trusts of an (R, T) array."""
        return per_trust @ self.context.icb_onehot / self.trusts_per_icb

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """Documenting a running pilot uses capacity, as far as the trust documents it."""
        if not self.enabled:
            return terms
        cfg, pop = self.config, self.batch.pop
        self.contribution = self.reading * (
            1.0 - cfg.documentation_dropped_under_pressure * pop.pressure)
        publishing = cfg.publication_load * self.contribution * self._live()[:, None]
        extra = publishing if terms.extra_per_pilot is None else terms.extra_per_pilot + publishing
        return terms._replace(extra_per_pilot=extra)

    def utility_terms(self, terms: UtilityTerms, nation: np.ndarray) -> UtilityTerms:
        """Blame for published failures weighs on doubt; national use adds a bonus."""
        if not self.enabled:
            return terms
        pop, cfg, live = self.batch.pop, self.config, self._live()[:, None]
        failed_share = pop.failed_pilots / np.maximum(pop.completed_pilots, 1.0)
        blame = (1.0 + cfg.failure_blame * failed_share * live).astype(CELL)
        scrutiny = (cfg.transparency_pressure * nation * live).astype(CELL)
        return terms._replace(risk_weight=terms.risk_weight * blame,
                              bonus=terms.bonus + scrutiny)

    def ending_terms(self, terms: EndingTerms) -> EndingTerms:
        """The platform's community shares the ownership of pilots: less hero dependency."""
        if not self.enabled:
            return terms
        shared = self.config.community_ownership_share * self.reading * self._live()[:, None]
        return terms._replace(fade_no_champion=(terms.fade_no_champion * (1.0 - shared)
                                                ).astype(CELL))

    def observed_pilots(self, own: np.ndarray, per_icb: np.ndarray,
                        per_innovation: np.ndarray) -> np.ndarray | float:
        """Pilots published elsewhere count as evidence; published adaptations cut the need.

        Each ICB's completed pilots are published as far as its trusts document them,
        and each ICB reads what others published (outside its board, once boards
        merge) as far as its trusts can use it. Each pilot is published once: the
        count is of the pilots completed in each ICB's own trusts.
        """
        if not self.enabled:
            return 0.0
        cfg, batch, live = self.config, self.batch, self._live()
        published = per_icb * self._per_icb(self.contribution)[:, :, None]
        published_total = published.sum(axis=1)
        by_own_board = self.context.boards.pooled(published) if self.context.boards_acting \
            else published
        weight = (cfg.publication_evidence_weight * live)[:, None] * self.reading_icb
        elsewhere = published_total[:, None, :] - by_own_board
        elsewhere *= weight[:, :, None]
        self.removable_left *= (1.0 - cfg.contributed_adaptation_rate) ** (
            published_total * live[:, None])
        floor = cfg.adaptation_floor
        batch.pop.adaptation_need = self.need_at_start * (
            floor + (1.0 - floor) * self.removable_left)
        batch.refresh_adaptation()
        return elsewhere

    def charge(self, month: int, owed: MoneyOwed) -> Charges:
        """Every trust pays its part in the platform while it is funded, with running costs."""
        if not self.enabled:
            return Charges()
        part = self.config.trust_cost_gbp_m_per_year / MONTHS_PER_YEAR * self._live()[:, None]
        return Charges(running=np.broadcast_to(part, owed.running_due.shape))

    def national_cost_gbp_m(self) -> np.ndarray | float:
        """The platform's running cost this month, where it is funded."""
        if not self.enabled:
            return 0.0
        return self.config.platform_cost_gbp_m_per_year / MONTHS_PER_YEAR * self._live()

    def programme_cost_gbp_m(self) -> np.ndarray | float:
        """The platform's national cost and every trust's charge for taking part."""
        if not self.enabled:
            return 0.0
        trusts = self.batch.pop.n_trusts * self.config.trust_cost_gbp_m_per_year
        return self.national_cost_gbp_m() + trusts / MONTHS_PER_YEAR * self._live()
