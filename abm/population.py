"""Trust-population state as NumPy arrays and the whole-array rules that update it.

Rows are trusts, columns are innovations. Each cell is in exactly one lifecycle
state. The Mesa ``Trust`` agents read and write their rows of these arrays; the
rules here decide for every trust at once, so a month costs a few dozen array
operations whatever the number of trusts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import ScenarioConfig, StrategyConfig
from .inputs import EnglandData

UNAWARE, AWARE, PILOTING, EMBEDDED, ABANDONED = range(5)
STATE_NAMES = ("unaware", "aware", "piloting", "embedded", "abandoned")
EPR_ID = "electronic_patient_record"
MONTHS_PER_YEAR = 12.0
DAYS_PER_MONTH = 30.4
GA_BEDS_PER_UNIT_SIZE = 760.0  # 101,900 G&A beds over 134 acute trusts (facts.csv)


@dataclass
class Population:
    """Mutable per-trust and per-(trust, innovation) state of one replication."""

    # static trust attributes
    risk_aversion: np.ndarray
    capacity_base: np.ndarray
    digital_maturity: np.ndarray
    pfi: np.ndarray
    occupancy_offset: np.ndarray
    allocation_gbp_m_per_year: np.ndarray
    beds: np.ndarray
    relevant: np.ndarray  # (T, I) bool
    # dynamic trust attributes
    champion: np.ndarray
    budget_gbp_m: np.ndarray
    occupancy: np.ndarray
    pressure: np.ndarray
    free_capacity: np.ndarray
    unfunded_running: np.ndarray  # running costs of embedded innovations went unpaid
    unfunded_pilots: np.ndarray  # pilot costs went unpaid
    disrupted_until: np.ndarray
    transition_debt_gbp_m: np.ndarray
    group: np.ndarray  # index of the trust leading this trust's decision unit
    # dynamic cell state
    state: np.ndarray  # (T, I) int8
    months_in_state: np.ndarray  # (T, I) int16
    supported: np.ndarray  # (T, I) bool: carried by the scaler
    core_funded: np.ndarray  # (T, I) bool: embedded before the start, paid from core budgets
    # dynamic innovation / ICB state
    uncertainty_icb: np.ndarray  # (K, I) coefficient of variation seen in each ICB
    adaptation_need: np.ndarray  # (I,)
    completed_pilots: np.ndarray  # (I,) cumulative
    failed_pilots: np.ndarray  # (I,) cumulative
    counters: dict = field(default_factory=dict)

    @property
    def n_trusts(self) -> int:
        """Number of trusts."""
        return self.state.shape[0]

    def group_size(self) -> np.ndarray:
        """Trusts in each trust's decision unit (1 for a stand-alone trust)."""
        return np.bincount(self.group, minlength=self.n_trusts)[self.group]


def _beta(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Draw from a Beta distribution with the given mean and sd (clipped to be valid)."""
    mean = float(np.clip(mean, 1e-3, 1 - 1e-3))
    var = min(sd**2, mean * (1 - mean) * 0.99)
    if var <= 0:
        return np.full(size, mean)
    common = mean * (1 - mean) / var - 1
    return rng.beta(mean * common, (1 - mean) * common, size)


def initial_population(
    data: EnglandData, scenario: ScenarioConfig, rng: np.random.Generator
) -> Population:
    """Draw the trust attributes of one replication around the cited data.

    Args:
        data: The England default (trusts, ICBs, innovations).
        scenario: Scenario parameters.
        rng: Generator for initialisation draws only (common across strategies).

    Returns:
        The population at month 0.
    """
    pop_cfg = scenario.population
    trusts, innov = data.trusts, data.innovations
    n, n_innov = len(trusts), len(innov)
    digital = np.where(trusts.has_epr, pop_cfg.digital_maturity_epr_mean,
                       pop_cfg.digital_maturity_no_epr_mean)
    digital = np.clip(digital + rng.normal(0, pop_cfg.digital_maturity_sd, n), 0.0, 1.0)
    # PFI schemes are overwhelmingly acute estates: assign to acute trusts first, at random.
    order = np.lexsort((rng.random(n), trusts.trust_type != 0))
    pfi = np.zeros(n, dtype=bool)
    pfi[order[: min(pop_cfg.pfi_trusts, n)]] = True
    capacity = _beta(rng, pop_cfg.absorptive_capacity_mean, pop_cfg.absorptive_capacity_sd, n)
    capacity = np.clip(capacity - pop_cfg.pfi_capacity_loss * pfi, 0.0, 1.0)
    turnover = 124_000.0 * trusts.size / trusts.size.sum()  # GBP m a year, facts.csv
    relevant = innov.relevant[trusts.trust_type]
    state = np.full((n, n_innov), UNAWARE, dtype=np.int8)
    epr = np.flatnonzero(innov.innovation_id == EPR_ID)
    if epr.size:
        state[:, epr[0]] = np.where(trusts.has_epr & relevant[:, epr[0]], EMBEDDED, UNAWARE)
    months = np.zeros((n, n_innov), dtype=np.int16)
    months[state == EMBEDDED] = 10_000  # embedded long before the start: benefit already flows
    return Population(
        risk_aversion=_beta(rng, pop_cfg.risk_aversion_mean, pop_cfg.risk_aversion_sd, n),
        capacity_base=capacity,
        digital_maturity=digital,
        pfi=pfi,
        occupancy_offset=rng.normal(0, scenario.pressure.trust_occupancy_sd, n),
        allocation_gbp_m_per_year=turnover * pop_cfg.transformation_budget_share,
        beds=GA_BEDS_PER_UNIT_SIZE * trusts.size,
        relevant=relevant,
        champion=rng.random(n) < pop_cfg.champion_share,
        budget_gbp_m=np.zeros(n),
        occupancy=np.zeros(n),
        pressure=np.zeros(n),
        free_capacity=capacity.copy(),
        unfunded_running=np.zeros(n, dtype=bool),
        unfunded_pilots=np.zeros(n, dtype=bool),
        disrupted_until=np.full(n, -1),
        transition_debt_gbp_m=np.zeros(n),
        group=np.arange(n),
        state=state,
        months_in_state=months,
        supported=np.zeros((n, n_innov), dtype=bool),
        core_funded=state == EMBEDDED,
        uncertainty_icb=np.tile(innov.evidence_uncertainty, (len(data.icbs), 1)),
        adaptation_need=innov.adaptation_need.astype(float).copy(),
        completed_pilots=np.zeros(n_innov),
        failed_pilots=np.zeros(n_innov),
    )


def update_pressure(
    pop: Population, profile_share: float, scenario: ScenarioConfig,
    noise: np.ndarray, bed_days_saved: np.ndarray,
) -> None:
    """Set occupancy and pressure for the month (seasonal profile, relief, disruption).

    Args:
        pop: Population to update in place.
        profile_share: England occupancy for this calendar month (share of beds).
        scenario: Scenario parameters.
        noise: Standard normal draws, one per trust.
        bed_days_saved: Bed days saved per trust last month.
    """
    cfg = scenario.pressure
    baseline = cfg.safe_occupancy_share + cfg.occupancy_scale * (
        profile_share - cfg.safe_occupancy_share)
    relief = cfg.relief_per_bed_day * bed_days_saved / (pop.beds * DAYS_PER_MONTH)
    pop.occupancy = baseline + pop.occupancy_offset + cfg.monthly_noise_sd * noise - relief
    pop.pressure = np.clip(
        (pop.occupancy - cfg.safe_occupancy_share) / (1.0 - cfg.safe_occupancy_share), 0.0, 1.0)


def update_capacity(
    pop: Population, scenario: ScenarioConfig, strategy: StrategyConfig,
    complexity: np.ndarray, month: int, pooled: bool,
) -> None:
    """Free absorptive capacity: base, champion, pressure, disruption, minus running pilots.

    Args:
        pop: Population to update in place.
        scenario: Scenario parameters.
        strategy: Strategy parameters.
        complexity: Complexity of each innovation.
        month: Model month.
        pooled: Whether any trusts share a decision unit (then they pool capacity).
    """
    bar = scenario.barriers
    capacity = pop.capacity_base * (1.0 - bar.pressure_capacity_loss * pop.pressure)
    capacity = capacity + scenario.population.champion_capacity_boost * pop.champion
    disrupted = pop.disrupted_until > month
    capacity = capacity * (1.0 - strategy.consolidation.disruption_capacity_loss * disrupted)
    piloting = pop.state == PILOTING
    per_pilot = bar.pilot_load * complexity
    if strategy.open_platform.enabled:
        per_pilot = per_pilot + strategy.open_platform.publication_load
    own_load = (piloting & ~pop.supported) @ per_pilot
    lent = strategy.scaler.capacity_lent if strategy.scaler.enabled else 0.0
    carried_load = (piloting & pop.supported) @ np.maximum(per_pilot - lent, 0.0)
    capacity = capacity - own_load - carried_load
    if pooled:
        capacity = _pool_by_group(capacity, pop.group)
    pop.free_capacity = np.maximum(capacity, 0.0)


def _pool_by_group(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Replace each trust's value by its decision unit's mean (a group shares capacity)."""
    n = len(values)
    sums = np.bincount(group, weights=values, minlength=n)
    counts = np.bincount(group, minlength=n)
    return sums[group] / counts[group]


def peer_use_share(
    users: np.ndarray, icb_membership: np.ndarray, region_membership: np.ndarray,
    relevant_icb: np.ndarray, relevant_region: np.ndarray, relevant_nation: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share of relevant trusts using each innovation, by ICB, region and nation.

    Args:
        users: (T, I) bool, trusts piloting or embedded.
        icb_membership: (K, T) float32 one-hot: which trusts are in each ICB.
        region_membership: (R, K) float32 one-hot: which ICBs are in each region.
        relevant_icb: (K, I) relevant trusts per ICB (at least 1 to avoid 0/0).
        relevant_region: (R, I) relevant trusts per region.
        relevant_nation: (I,) relevant trusts in England.

    Returns:
        (K, I) ICB shares, (R, I) region shares and (I,) national shares.
    """
    by_icb = icb_membership @ users.astype(np.float32)
    by_region = region_membership @ by_icb
    nation = by_region.sum(axis=0)
    return by_icb / relevant_icb, by_region / relevant_region, nation / relevant_nation


def cells_in(state: np.ndarray, *states: int) -> np.ndarray:
    """Boolean mask of cells in any of the given lifecycle states."""
    mask = state == states[0]
    for s in states[1:]:
        mask |= state == s
    return mask


def logistic(x: np.ndarray) -> np.ndarray:
    """Logistic function (overflow-safe: exp of a large argument gives inf, hence 0)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def certainty_equivalent_log(doubt: np.ndarray) -> np.ndarray:
    """Log of the share of expected benefit a risk-averse board counts on.

    A board values an uncertain benefit at its mean less ``risk aversion``
    standard deviations: B x (1 - risk_aversion x cv). ``doubt`` is
    risk_aversion x cv (times any blame weight); the share is floored at 1 %
    so that overwhelming doubt gives a large but finite penalty.
    """
    return np.log(np.maximum(1.0 - doubt, 0.01))
