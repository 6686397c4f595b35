"""Mesa agents: trusts, ICBs, vendors, the scaler and government.

Trust agents are views on their rows of the population arrays (the decisions of
all trusts are taken at once in ``abm.decisions``); the few institutional agents
(42 ICBs, a handful of vendors, one scaler, one government) carry their own
state and decision rules and are stepped as ordinary Mesa agents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .inputs import DOMAINS, TRUST_TYPES
from .population import AWARE, PILOTING, STATE_NAMES

if TYPE_CHECKING:
    from .model import NHSReformModel

# Trust types that can merge with each other: acute with acute, ambulance with
# ambulance, and mental health and community trusts among themselves.
MERGER_FAMILY = np.array([0, 1, 1, 2, 1])


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
        return [k for k, v in self.portfolio().items() if v == STATE_NAMES[PILOTING]]

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

    def __init__(self, model: NHSReformModel, row: int, pooled_budget_share: float) -> None:
        super().__init__(model)
        self.row = row
        self.pooled_budget_share = pooled_budget_share
        self.priority_domain = -1

    @property
    def fund_left_gbp_m(self) -> float:
        """Scale-up fund left this financial year, GBP m."""
        return float(self.model.icb_fund_left_gbp_m[self.row])

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

    def plan_year(self) -> None:
        """Each April: choose a priority domain and refill the scale-up fund."""
        rng = self.model.institution_rng
        self.priority_domain = int(rng.integers(len(DOMAINS)))
        self.model.icb_fund_left_gbp_m[self.row] = \
            self.model.scenario_config.icb.scale_up_fund_gbp_m_per_year

    def propose_merger(self) -> tuple[int, int] | None:
        """Pick a merger in the footprint: the strongest unit absorbs the most pressured one.

        Returns:
            (acquirer lead row, target lead row), or None if no pair is possible.
        """
        pop, model = self.model.pop, self.model
        trusts = model.data.trusts
        leads = np.flatnonzero((trusts.icb == self.row) & (pop.group == np.arange(pop.n_trusts)))
        if len(leads) < 2:
            return None
        size = pop.group_size()
        max_size = model.strategy.consolidation.max_group_size
        family = MERGER_FAMILY[trusts.trust_type[leads]]
        strength = pop.capacity_base[leads] - pop.pressure[leads]
        for acquirer in leads[np.argsort(-strength)]:
            fam = MERGER_FAMILY[trusts.trust_type[acquirer]]
            room = size[leads] + size[acquirer] <= max_size
            fits = (family == fam) & (leads != acquirer) & room
            if fits.any():
                candidates = leads[fits]
                target = candidates[np.argmax(pop.pressure[candidates])]
                return int(acquirer), int(target)
        return None


class Vendor(mesa.Agent):
    """A commercial supplier: margin, a discounted pilot price, marketing, revenue."""

    def __init__(self, model: NHSReformModel, products: np.ndarray) -> None:
        super().__init__(model)
        self.products = products
        self.revenue_gbp_m = 0.0

    def price_factors(self) -> tuple[float, float]:
        """Multipliers on a product's (pilot cost, running cost): margin, pilot discount."""
        cfg = self.model.scenario_config.vendors
        full = 1.0 + cfg.margin_share
        return full * (1.0 - cfg.pilot_discount), full


class Scaler(Vendor):
    """An organisation that carries modules across many trusts (seed 000).

    Each completed deployment of a module type teaches the scaler: failure and
    adaptation effort fall along a learning curve for every trust it serves next.
    It lends absorptive capacity, charges a fee and a yearly lock-in fee, and,
    having a profit motive, offers deployments first to trusts that can pay.
    """

    def __init__(self, model: NHSReformModel, products: np.ndarray, rng: np.random.Generator):
        super().__init__(model, products)
        self.offer_rng = rng
        self.deployments_by_module = np.zeros(5)

    @property
    def active_deployments(self) -> int:
        """Deployments running now."""
        pop = self.model.pop
        return int(((pop.state == PILOTING) & pop.supported).sum())

    def learning_factor(self) -> np.ndarray:
        """(1 + n)^-b per module type: how far failure and adaptation have fallen."""
        b = self.model.strategy.scaler.learning_exponent
        return (1.0 + self.deployments_by_module) ** (-b)

    def choose_offers(self) -> tuple[np.ndarray, np.ndarray]:
        """Offer deployments to the trusts most able to pay, up to spare capacity.

        Returns:
            Row and column indices of the offered (trust, innovation) cells.
        """
        pop = self.model.pop
        cfg = self.model.strategy.scaler
        draws = self.offer_rng.random(pop.state.shape)
        spare = cfg.deployment_capacity - self.active_deployments
        open_cells = (pop.state <= AWARE) & self.model.module_cells & pop.relevant
        open_cells &= pop.budget_gbp_m[:, None] > 0.0
        if spare <= 0 or not open_cells.any():
            return np.empty(0, dtype=int), np.empty(0, dtype=int)
        score = np.where(open_cells, pop.budget_gbp_m[:, None] * (0.5 + draws), -np.inf)
        flat = score.ravel()
        k = min(spare, int(open_cells.sum()))
        chosen = np.argpartition(-flat, k - 1)[:k]
        return np.unravel_index(chosen, score.shape)

    def record_completions(self, completed_supported: np.ndarray) -> None:
        """Count finished deployments per module type (both successes and failures teach)."""
        module = self.model.data.innovations.module_type
        counts = completed_supported.sum(axis=0)
        np.add.at(self.deployments_by_module, module[counts > 0], counts[counts > 0])


class Government(mesa.Agent):
    """National government: programmes, subsidies, targets and an election cycle."""

    def __init__(self, model: NHSReformModel) -> None:
        super().__init__(model)
        self.programme_live = model.data.innovations.national_programme.copy()
        self.elections_held = 0

    def months_to_election(self, month: int) -> int:
        """Months until the next general election."""
        cfg = self.model.scenario_config.government
        if month <= cfg.first_election_month:
            return cfg.first_election_month - month
        since = (month - cfg.first_election_month) % cfg.election_cycle_months
        return (cfg.election_cycle_months - since) % cfg.election_cycle_months

    def in_quick_win_window(self, month: int) -> bool:
        """Whether the government now favours quick wins (the run-up to an election)."""
        return 0 < self.months_to_election(month) <= self.model.scenario_config.government.\
            quick_win_window_months

    def step(self) -> bool:
        """At an election, drop programmes at random and launch quick-win ones instead.

        Returns:
            Whether the programme set changed this month.
        """
        month = self.model.month
        draws = self.model.institution_rng.random(len(self.programme_live))
        if self.months_to_election(month) != 0 or month == 0:
            return False
        self.elections_held += 1
        cfg = self.model.scenario_config.government
        innov = self.model.data.innovations
        dropped = self.programme_live & (draws < cfg.programme_reset_probability)
        quick = ~self.programme_live & (innov.time_to_benefit_months <= cfg.quick_win_months)
        new = np.flatnonzero(quick)[np.argsort(draws[quick])][: int(dropped.sum())]
        self.programme_live = self.programme_live & ~dropped
        self.programme_live[new] = True
        return bool(dropped.any() or new.size)
