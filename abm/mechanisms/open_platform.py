"""The open platform (seed 002): published pilots, shared adaptations, transparency.

Every completed pilot is published, so each ICB learns from pilots elsewhere
(``publication_evidence_weight``); contributed adaptations lower every trust's
adaptation need (cost and failure); cheap communication moves peer weight from
local to national peers; national use pushes laggards (transparency). Published
failures raise the weight on doubt, publishing takes capacity, and the platform
costs the nation a yearly sum. When a new government defunds it, publication,
shared adaptations, transparency and its cost stop; what was learned stays, and so
does cheaper communication. See ``docs/ODD.md``, section 7.10.
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

    def _live(self) -> np.ndarray:
        """(R,) 1.0 where the platform is funded, 0.0 where a government defunded it."""
        return self.batch.reform_live.astype(float)

    def capacity_terms(self, terms: CapacityTerms) -> CapacityTerms:
        """Each running pilot also uses capacity to document and publish its results."""
        if not self.enabled:
            return terms
        publishing = self.config.publication_load * self._live()
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

    def observed_pilots(self, local: np.ndarray, per_innovation: np.ndarray) -> np.ndarray:
        """Pilots elsewhere count as published evidence; shared adaptations cut the need."""
        if not self.enabled:
            return local
        cfg, batch, live = self.config, self.batch, self._live()
        weight = cfg.publication_evidence_weight * live[:, None, None]
        observed = local + weight * (per_innovation[:, None, :] - local)
        shared = per_innovation * live[:, None]
        batch.pop.adaptation_need *= (1.0 - cfg.contributed_adaptation_rate) ** shared
        batch.refresh_adaptation()
        return observed

    def national_cost_gbp_m(self) -> np.ndarray | float:
        """The platform's running cost this month, where it is funded."""
        if not self.enabled:
            return 0.0
        return self.config.platform_cost_gbp_m_per_year / MONTHS_PER_YEAR * self._live()
