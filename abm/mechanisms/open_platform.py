"""The open platform (seed 002): published pilots, shared adaptations, transparency.

Every completed pilot is published, so each ICB learns from pilots elsewhere
(``publication_evidence_weight``); contributed adaptations lower every trust's
adaptation need (cost and failure); cheap communication moves peer weight from
local to national peers; national use pushes laggards (transparency). Published
failures raise the weight on doubt, publishing takes capacity, and the platform
costs the nation a yearly sum. See ``docs/ODD.md``, section 7.10.
"""

from __future__ import annotations

import numpy as np

from ..economics import CELL
from ..kernels import UtilityTerms
from ..population import MONTHS_PER_YEAR
from .base import CapacityTerms, Mechanism


class OpenPlatform(Mechanism):
    """The open platform's terms; neutral when ``strategy.open_platform.enabled`` is off."""

    name = "open_platform"

    def peer_reach(self) -> float:
        """Share of local peer weight moved to national peers."""
        return self.config.communication_reach * self.enabled

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """Each running pilot also uses capacity to document and publish its results."""
        if not self.enabled:
            return terms
        return terms._replace(per_pilot=terms.per_pilot + self.config.publication_load)

    def utility_terms(self, terms: UtilityTerms, nation: np.ndarray) -> UtilityTerms:
        """Blame for published failures weighs on doubt; national use adds a bonus."""
        if not self.enabled:
            return terms
        pop, cfg = self.batch.pop, self.config
        failed_share = pop.failed_pilots / np.maximum(pop.completed_pilots, 1.0)
        blame = (1.0 + cfg.failure_blame * failed_share).astype(CELL)
        scrutiny = (cfg.transparency_pressure * nation).astype(CELL)
        return terms._replace(risk_weight=terms.risk_weight * blame,
                              bonus=terms.bonus + scrutiny)

    def observed_pilots(self, local: np.ndarray, per_innovation: np.ndarray) -> np.ndarray:
        """Pilots elsewhere count as published evidence; shared adaptations cut the need."""
        if not self.enabled:
            return local
        cfg, batch = self.config, self.batch
        observed = local + cfg.publication_evidence_weight * (per_innovation[:, None, :] - local)
        batch.pop.adaptation_need *= (1.0 - cfg.contributed_adaptation_rate) ** per_innovation
        batch.refresh_adaptation()
        return observed

    def national_cost_gbp_m(self) -> float:
        """The platform's running cost this month."""
        return self.config.platform_cost_gbp_m_per_year / MONTHS_PER_YEAR * self.enabled
