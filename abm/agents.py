"""Mesa agents: trusts, ICBs, vendors and government (a mechanism brings its own).

Every agent is a view on its part of the simulation's arrays, so what a user (or
the workshop) inspects is exactly what the model decides on. The decisions are
taken for all agents at once: trusts' in ``abm.engine``, the institutions' in
``abm.institutions``; an agent's methods show its terms and its rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from . import institutions
from .inputs import DOMAINS, TRUST_TYPES
from .population import STATE_NAMES

if TYPE_CHECKING:
    from .model import NHSReformModel

class Trust(mesa.Agent):
    """A provider organisation; reads and writes row ``row`` of the population arrays."""

    def __init__(self, model: NHSReformModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def ods_code(self) -> str:
        """ODS code of the trust."""
        return str(self.model.data.trusts.ods_code[self.row])

    @property
    def name(self) -> str:
        """Official name of the trust."""
        return str(self.model.data.trusts.name[self.row])

    @property
    def trust_type(self) -> str:
        """Trust type (acute, mental_health, community, ambulance, mental_health_and_community)."""
        return TRUST_TYPES[self.model.data.trusts.trust_type[self.row]]

    @property
    def icb(self) -> ICB:
        """The ICB whose footprint holds the trust."""
        return self.model.icbs[self.model.data.trusts.icb[self.row]]

    @property
    def risk_aversion(self) -> float:
        """Weight on uncertainty in the adoption decision (0-1)."""
        return float(self.model.pop.risk_aversion[self.row])

    @property
    def digital_maturity(self) -> float:
        """Digital maturity (0-1)."""
        return float(self.model.pop.digital_maturity[self.row])

    @property
    def has_pfi(self) -> bool:
        """Whether the trust carries an operational PFI contract."""
        return bool(self.model.pop.pfi[self.row])

    @property
    def has_champion(self) -> bool:
        """Whether a local champion ('hero innovator') is in post."""
        return bool(self.model.pop.champion[self.row])

    @property
    def budget_gbp_m(self) -> float:
        """Unspent transformation budget this financial year, GBP m (never negative)."""
        return float(self.model.pop.budget_gbp_m[self.row])

    @property
    def bed_occupancy_share(self) -> float:
        """General and acute bed occupancy this month."""
        return float(self.model.pop.occupancy[self.row])

    @property
    def pressure(self) -> float:
        """Operational pressure (0 at the safe occupancy, 1 when full)."""
        return float(self.model.pop.pressure[self.row])

    @property
    def free_capacity(self) -> float:
        """Absorptive capacity left for new pilots this month."""
        return float(self.model.pop.free_capacity[self.row])

    @property
    def decision_unit(self) -> Trust:
        """The trust that decides for this trust's group (itself unless merged)."""
        return self.model.trusts[int(self.model.pop.group[self.row])]

    def portfolio(self) -> dict[str, str]:
        """Lifecycle state of every relevant innovation, by innovation id."""
        pop, ids = self.model.pop, self.model.data.innovations.innovation_id
        return {str(ids[j]): STATE_NAMES[pop.state[self.row, j]]
                for j in np.flatnonzero(pop.relevant[self.row])}

    def pilots(self) -> list[str]:
        """Innovations the trust is piloting now."""
        return [k for k, v in self.portfolio().items() if v == "piloting"]

    def explain(self, innovation_id: str) -> dict[str, float | str]:
        """The terms of this trust's current decision about one innovation.

        Args:
            innovation_id: An id from the innovation catalogue.

        Returns:
            State, utility terms and the monthly probability of starting a pilot.
        """
        return self.model.explain_decision(self.row, innovation_id)


class ICB(mesa.Agent):
    """An integrated care board: pooled budgets, a priority domain, a fund, mergers."""

    def __init__(self, model: NHSReformModel, row: int) -> None:
        super().__init__(model)
        self.row = row

    @property
    def pooled_budget_share(self) -> float:
        """Share of health and care budgets pooled across the ICB's organisations."""
        return float(self.model.batch.icb_pooled[0, self.row])

    @property
    def priority_domain(self) -> int:
        """Index of this year's priority domain (-1 before the first April)."""
        return int(self.model.batch.icb_priority[0, self.row])

    @property
    def fund_left_gbp_m(self) -> float:
        """Scale-up fund left this financial year, GBP m."""
        return float(self.model.batch.icb_fund_left_gbp_m[0, self.row])

    @property
    def name(self) -> str:
        """Official name of the ICB."""
        return str(self.model.data.icbs.name[self.row])

    @property
    def region(self) -> str:
        """NHS England region."""
        icbs = self.model.data.icbs
        return icbs.region_names[icbs.region[self.row]]

    @property
    def priority(self) -> str:
        """This year's priority domain."""
        return DOMAINS[self.priority_domain] if self.priority_domain >= 0 else "none"

    def propose_merger(self) -> tuple[int, int] | None:
        """The merger this ICB would propose now: the strongest unit absorbs the most pressured.

        The engine's rule (``Consolidation.proposal``) on this ICB's trusts in
        replication 0.

        Returns:
            (acquirer lead row, target lead row), or None if no pair is possible.
        """
        return self.model.batch.mechanisms["consolidation"].proposal(0, self.row)


class Vendor(mesa.Agent):
    """A commercial supplier: margin and a discounted pilot price on its products.

    The prices are the engine's (``Batch.vendor_pilot_factor`` and
    ``Batch.vendor_running_factor``), read for the vendor's products.

    Attributes:
        products: Innovation columns of the vendor's products.
        name: The supplier's name in the catalogue (``abm/data/innovations.csv``).
    """

    def __init__(self, model: NHSReformModel, products: np.ndarray, name: str) -> None:
        super().__init__(model)
        self.products, self.name = products, name

    @property
    def pilot_price_factors(self) -> dict[str, float]:
        """Multiplier on each product's pilot cost (margin less discount), by innovation id."""
        return self._by_product(self.model.batch.vendor_pilot_factor)

    @property
    def running_price_factors(self) -> dict[str, float]:
        """Multiplier on each product's running cost once embedded (margin), by innovation id."""
        return self._by_product(self.model.batch.vendor_running_factor)

    def _by_product(self, values: np.ndarray) -> dict[str, float]:
        ids = self.model.data.innovations.innovation_id
        return {str(ids[j]): float(values[j]) for j in self.products}


class Government(mesa.Agent):
    """National government: programmes, subsidies, targets and an election cycle."""

    @property
    def programme_live(self) -> np.ndarray:
        """(I,) whether each innovation has a funded national programme now."""
        return self.model.batch.programme_live[0]

    @property
    def elections_held(self) -> int:
        """General elections held so far in the run."""
        return self.model.batch.elections_held

    def months_to_election(self, month: int) -> int:
        """Months from a model month to the next general election (0 in an election month).

        Args:
            month: Model month (0 is April 2025; the step the model runs next is
                ``model.month``).
        """
        return institutions.months_to_election(self.model.scenario_config, month)

    def in_quick_win_window(self, month: int) -> bool:
        """Whether the government favours quick wins in a model month (before an election).

        Args:
            month: Model month (0 is April 2025; the step the model runs next is
                ``model.month``).
        """
        return institutions.in_quick_win_window(self.model.scenario_config, month)
