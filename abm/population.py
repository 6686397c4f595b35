"""Trust-population state as NumPy arrays and the whole-array rules that update it.

Rows are trusts, columns are innovations. Each cell is in exactly one lifecycle
state. The Mesa ``Trust`` agents read and write their rows of these arrays; the
rules here decide for every trust at once, so a month costs a few dozen array
operations whatever the number of trusts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from .config import PopulationConfig, ScenarioConfig
from .inputs import EnglandData

if TYPE_CHECKING:
    from .mechanisms import CapacityTerms

UNAWARE, AWARE, PILOTING, EMBEDDED, ABANDONED = range(5)
# Months in state of a cell embedded long before the start: its benefit already flows.
LONG_BEFORE_START = 10_000
STATE_NAMES = ("unaware", "aware", "piloting", "embedded", "abandoned")


EPR_ID = "electronic_patient_record"
MONTHS_PER_YEAR = 12.0
DAYS_PER_MONTH = 30.4
GA_BEDS_PER_UNIT_SIZE = 760.0  # 101,900 G&A beds over 134 acute trusts (facts.csv)
TRUST_SECTOR_TURNOVER_GBP_M = 124_000.0  # a year (facts.csv: trust_sector_turnover_2024)


MULTI_YEAR = "multi_year"


def capital_for_change_share(scenario: ScenarioConfig) -> float:
    """Share of turnover a trust gets each year as capital for change (0 with yearly financing)."""
    finance = scenario.finance
    return finance.capital_for_change_share if finance.financing == MULTI_YEAR else 0.0


def turnover_gbp_m_per_year(size: np.ndarray) -> np.ndarray:
    """Each trust's turnover: the trust sector's, shared by size."""
    return TRUST_SECTOR_TURNOVER_GBP_M * size / size.sum()


@dataclass
class Population:
    """Mutable per-trust and per-(trust, innovation) state of a batch of replications.

    Every array has a leading replication axis (R); ``relevant`` depends on the trust
    type only and is shared by all replications.
    """

    # static trust attributes (R, T)
    risk_aversion: np.ndarray
    capacity_base: np.ndarray
    digital_maturity: np.ndarray
    pfi: np.ndarray
    occupancy_offset: np.ndarray
    allocation_gbp_m_per_year: np.ndarray
    capital_allocation_gbp_m_per_year: np.ndarray  # capital for change (multi-year financing)
    capital_gbp_m: np.ndarray  # capital for change left this year
    beds: np.ndarray  # (T,) shared
    relevant: np.ndarray  # (T, I) bool, shared
    # dynamic trust attributes (R, T)
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
    # dynamic cell state (R, T, I)
    state: np.ndarray  # int8
    entered_month: np.ndarray  # int16: the step in which the cell entered its state
    supported: np.ndarray  # bool: carried by the scaler
    core_funded: np.ndarray  # bool: embedded before the start, paid from core budgets
    programme_site: np.ndarray  # bool: chosen and funded by a national programme
    # dynamic innovation / ICB state
    uncertainty_icb: np.ndarray  # (R, K, I) coefficient of variation seen in each ICB
    belief_icb: np.ndarray  # (R, K, I) effect each ICB's trusts expect, x the catalogue mean
    realised_effect: np.ndarray  # (R, T, I) float32 effect a trust would get, x catalogue mean
    adaptation_need: np.ndarray  # (R, I)
    completed_pilots: np.ndarray  # (R, I) cumulative
    failed_pilots: np.ndarray  # (R, I) cumulative

    SHARED = ("beds", "relevant")

    def months_in_state(self, steps_done: int) -> np.ndarray:
        """Months each cell has been in its state after ``steps_done`` steps (R, T, I)."""
        return steps_done - 1 - self.entered_month.astype(np.int64)

    @property
    def n_trusts(self) -> int:
        """Number of trusts."""
        return self.state.shape[-2]

    def group_size(self) -> np.ndarray:
        """Trusts in each trust's decision unit (1 for a stand-alone trust)."""
        return np.take_along_axis(led_by(self.group), self.group, axis=-1)

    def replication(self, r: int) -> Population:
        """A view of replication ``r`` (arrays without the leading axis; writes go through)."""
        return Population(**{
            name: value if name in self.SHARED else value[r]
            for name, value in self.__dict__.items()})

    def take(self, reps: np.ndarray | slice) -> Population:
        """Replications ``reps`` (copies for an index array, views for a slice)."""
        return Population(**{
            name: value if name in self.SHARED else value[reps]
            for name, value in self.__dict__.items()})


class Cells(NamedTuple):
    """The cells' lifecycle state, and where each trust sits."""

    state: np.ndarray  # (R, T, I) int8 lifecycle state (``population.UNAWARE`` ...)
    entered_month: np.ndarray  # (R, T, I) int16 step in which the cell entered its state
    relevant: np.ndarray  # (T, I) bool: the innovation is relevant to the trust
    supported: np.ndarray  # (R, T, I) bool: the pilot is carried by a deployer
    core_funded: np.ndarray  # (R, T, I) bool: embedded before the start (core budgets pay)
    icb_of_trust: np.ndarray  # (T,) intp ICB of each trust
    realised_effect: np.ndarray  # (R, T, I) float32 effect the trust gets, x catalogue mean
    programme_site: np.ndarray  # (R, T, I) bool: chosen and funded by a national programme


class StateTally(NamedTuple):
    """Counts of the cells by state, kept up to date event by event (``count_states``)."""

    by_state: np.ndarray  # (R, states, I) int64 relevant trusts in each state
    embedded_icb: np.ndarray  # (R, K) float64 embedded cells per ICB
    users_icb: np.ndarray  # (R, K, I) float32 trusts piloting or with it embedded

    @classmethod
    def empty(cls, reps: int, icbs: int, innovations: int) -> StateTally:
        """Uncounted arrays of these shapes (``count_states`` fills them)."""
        return cls(by_state=np.empty((reps, len(STATE_NAMES), innovations), dtype=np.int64),
                   embedded_icb=np.empty((reps, icbs)),
                   users_icb=np.empty((reps, icbs, innovations), dtype=np.float32))


def led_by(group: np.ndarray) -> np.ndarray:
    """Trusts in the decision unit each trust leads (0 for a member of another's unit).

    ``group`` holds each trust's lead, (T,) or (R, T); each replication's units are
    kept apart.
    """
    n = group.shape[-1]
    offset = (np.arange(group.size // n) * n).reshape(group.shape[:-1] + (1,))
    return np.bincount((group + offset).ravel(), minlength=group.size).reshape(group.shape)


def _per_group(group: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of ``values`` over each trust's decision unit, and the unit's size, per trust.

    Works on (T,) or (R, T) arrays: each replication's groups are kept apart.
    """
    n = group.shape[-1]
    offset = (np.arange(group.size // n) * n).reshape(group.shape[:-1] + (1,))
    keys = (group + offset).ravel()
    sums = np.bincount(keys, weights=values.ravel(), minlength=group.size)
    counts = np.bincount(keys, minlength=group.size)
    return sums[keys].reshape(group.shape), counts[keys].reshape(group.shape)


def _beta(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    """Draw from a Beta distribution with the given mean and sd (clipped to be valid)."""
    mean = float(np.clip(mean, 1e-3, 1 - 1e-3))
    var = min(sd**2, mean * (1 - mean) * 0.99)
    if var <= 0:
        return np.full(size, mean)
    common = mean * (1 - mean) / var - 1
    return rng.beta(mean * common, (1 - mean) * common, size)


def _trust_draws(data: EnglandData, scenario: ScenarioConfig,
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The random trust attributes of one replication, drawn in a fixed order."""
    pop_cfg = scenario.population
    trusts = data.trusts
    n = len(trusts)
    digital = np.where(trusts.has_epr, pop_cfg.digital_maturity_epr_mean,
                       pop_cfg.digital_maturity_no_epr_mean)
    digital = np.clip(digital + rng.normal(0, pop_cfg.digital_maturity_sd, n), 0.0, 1.0)
    # PFI schemes are overwhelmingly acute estates: assign to acute trusts first, at random.
    order = np.lexsort((rng.random(n), trusts.trust_type != 0))
    pfi = np.zeros(n, dtype=bool)
    pfi[order[: min(pop_cfg.pfi_trusts, n)]] = True
    capacity = _beta(rng, pop_cfg.absorptive_capacity_mean, pop_cfg.absorptive_capacity_sd, n)
    capacity = np.clip(capacity - pop_cfg.pfi_capacity_loss * pfi, 0.0, 1.0)
    return {
        "digital_maturity": digital,
        "pfi": pfi,
        "capacity_base": capacity,
        "risk_aversion": _beta(rng, pop_cfg.risk_aversion_mean, pop_cfg.risk_aversion_sd, n),
        "occupancy_offset": rng.normal(0, scenario.pressure.trust_occupancy_sd, n),
        "champion": rng.random(n) < pop_cfg.champion_share,
    }


def initial_population(
    data: EnglandData, scenario: ScenarioConfig, rngs: list[np.random.Generator]
) -> Population:
    """Draw the trust attributes of each replication around the cited data.

    Args:
        data: The England default (trusts, ICBs, innovations).
        scenario: Scenario parameters.
        rngs: One generator per replication, for initialisation draws only (common
            across strategies).

    Returns:
        The population at month 0, one slice per replication.
    """
    trusts, innov = data.trusts, data.innovations
    n, n_innov, reps = len(trusts), len(innov), len(rngs)
    draws = [_trust_draws(data, scenario, rng) for rng in rngs]
    drawn = {name: np.stack([d[name] for d in draws]) for name in draws[0]}
    turnover = turnover_gbp_m_per_year(trusts.size)
    relevant = innov.relevant[trusts.trust_type]
    state = np.full((n, n_innov), UNAWARE, dtype=np.int8)
    epr = np.flatnonzero(innov.innovation_id == EPR_ID)
    if epr.size:
        state[:, epr[0]] = np.where(trusts.has_epr & relevant[:, epr[0]], EMBEDDED, UNAWARE)
    months = np.zeros((n, n_innov), dtype=np.int16)
    months[state == EMBEDDED] = LONG_BEFORE_START
    entered = -1 - months  # so that the months in state before the first step are ``months``
    per_trust = (reps, n)
    per_cell = (reps, n, n_innov)
    return Population(
        **drawn,
        allocation_gbp_m_per_year=np.broadcast_to(
            turnover * scenario.population.transformation_budget_share, per_trust).copy(),
        capital_allocation_gbp_m_per_year=np.broadcast_to(
            turnover * capital_for_change_share(scenario), per_trust).copy(),
        capital_gbp_m=np.zeros(per_trust),
        beds=GA_BEDS_PER_UNIT_SIZE * trusts.size,
        relevant=relevant,
        budget_gbp_m=np.zeros(per_trust),
        occupancy=np.zeros(per_trust),
        pressure=np.zeros(per_trust),
        free_capacity=drawn["capacity_base"].copy(),
        unfunded_running=np.zeros(per_trust, dtype=bool),
        unfunded_pilots=np.zeros(per_trust, dtype=bool),
        disrupted_until=np.full(per_trust, -1),
        transition_debt_gbp_m=np.zeros(per_trust),
        group=np.broadcast_to(np.arange(n), per_trust).copy(),
        state=np.broadcast_to(state, per_cell).copy(),
        entered_month=np.broadcast_to(entered, per_cell).copy(),
        supported=np.zeros(per_cell, dtype=bool),
        core_funded=np.broadcast_to(state == EMBEDDED, per_cell).copy(),
        programme_site=np.zeros(per_cell, dtype=bool),
        uncertainty_icb=np.broadcast_to(innov.evidence_uncertainty,
                                        (reps, len(data.icbs), n_innov)).copy(),
        belief_icb=np.ones((reps, len(data.icbs), n_innov)),
        realised_effect=np.ones(per_cell, dtype=np.float32),  # drawn by effects.draw_true_effects
        adaptation_need=np.broadcast_to(innov.adaptation_need.astype(float),
                                        (reps, n_innov)).copy(),
        completed_pilots=np.zeros((reps, n_innov)),
        failed_pilots=np.zeros((reps, n_innov)),
    )


def turn_over_champions(pop: Population, cfg: PopulationConfig, draws: np.ndarray) -> None:
    """Champions leave and arrive (ODD step 6); ``draws`` (R, T) uniforms, one per trust.

    Args:
        pop: The population; ``champion`` is replaced.
        cfg: The scenario's population settings (departure and arrival rates).
        draws: One uniform per trust and replication.
    """
    leave = pop.champion & (draws < cfg.champion_departures_per_year / MONTHS_PER_YEAR)
    arrive = ~pop.champion & (draws < cfg.champion_arrivals_per_year / MONTHS_PER_YEAR)
    pop.champion = (pop.champion & ~leave) | arrive


def update_pressure(
    pop: Population, profile_share: float, scenario: ScenarioConfig,
    noise: np.ndarray, bed_days_saved: np.ndarray,
) -> None:
    """Set occupancy and pressure for the month (seasonal profile, relief, disruption).

    Args:
        pop: Population to update in place.
        profile_share: England occupancy for this calendar month (share of beds).
        scenario: Scenario parameters.
        noise: Standard normal draws, one per trust (R, T).
        bed_days_saved: Bed days saved per trust last month (R, T).
    """
    cfg = scenario.pressure
    baseline = cfg.safe_occupancy_share + cfg.occupancy_scale * (
        profile_share - cfg.safe_occupancy_share)
    relief = cfg.relief_per_bed_day * bed_days_saved / (pop.beds * DAYS_PER_MONTH)
    pop.occupancy = baseline + pop.occupancy_offset + cfg.monthly_noise_sd * noise - relief
    pop.pressure = np.clip(
        (pop.occupancy - cfg.safe_occupancy_share) / (1.0 - cfg.safe_occupancy_share), 0.0, 1.0)


def update_capacity(pop: Population, scenario: ScenarioConfig, load: CapacityTerms, month: int,
                    pooled: bool) -> None:
    """Free absorptive capacity: base, champion, pressure, disruption, minus running pilots.

    Args:
        pop: Population to update in place.
        scenario: Scenario parameters.
        load: What running pilots and disruption take, with every mechanism's part
            (``abm.mechanisms.CapacityTerms``).
        month: Model month.
        pooled: Whether any trusts share a decision unit (then they pool capacity).
    """
    bar = scenario.barriers
    pressure_loss = bar.pressure_capacity_loss * pop.pressure
    if load.pressure_loss_factor is not None:
        pressure_loss = pressure_loss * load.pressure_loss_factor
    capacity = pop.capacity_base * (1.0 - pressure_loss)
    capacity = capacity + scenario.population.champion_capacity_boost * pop.champion
    disrupted = pop.disrupted_until > month
    capacity = capacity * (1.0 - load.disruption_loss * disrupted)
    capacity = capacity - _pilot_load(pop, load.per_pilot, load.carried, load.extra_per_pilot)
    if pooled:  # a decision unit shares its capacity: each trust gets the unit's mean
        sums, counts = _per_group(pop.group, capacity)
        capacity = sums / counts
    pop.free_capacity = np.maximum(capacity, 0.0)


def _pilot_load(pop: Population, per_pilot: np.ndarray, carried: np.ndarray | None,
                extra_per_pilot: np.ndarray | None) -> np.ndarray:
    """(R, T) capacity the running pilots use (see ``update_capacity``).

    With an extra load per pilot, a column of ones beside each kind's load counts
    the pilots in the same matrix product.
    """
    piloting = pop.state == PILOTING
    kinds = [(piloting, per_pilot)] if carried is None else \
        [(piloting & ~pop.supported, per_pilot), (piloting & pop.supported, carried)]
    if extra_per_pilot is None:
        return sum(cells.astype(np.float32) @ each.astype(np.float32) for cells, each in kinds)
    load = 0.0
    extra = extra_per_pilot.astype(np.float32)
    for cells, each in kinds:
        columns = np.stack([each, np.ones_like(each)], axis=1).astype(np.float32)
        both = cells.astype(np.float32) @ columns
        load = load + both[..., 0] + both[..., 1] * extra
    return load


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


# ---------------------------------------------------------------- counts, compiled


@njit(cache=True)
def count_states(state, core_funded, relevant_per_innovation, icb_of_trust, state_counts,
                 embedded_icb, users_icb, in_use_in_row, paying_in_row):
    """Counts of the cells by state, and of the cells in use and paying (in place).

    Writes relevant trusts in each state per innovation (R, 5, I), embedded cells
    per ICB (R, K), trusts piloting or with the innovation embedded per ICB and
    innovation (R, K, I; the peers a trust sees), and per trust's row the cells in
    use (piloting or embedded) and those that cost money (all but innovations
    embedded before the start), (R, T).
    """
    reps, trusts, innovations = state.shape
    state_counts[:] = 0
    embedded_icb[:] = 0
    users_icb[:] = 0
    for r in range(reps):
        for t in range(trusts):
            k = icb_of_trust[t]
            used = paying = 0
            for i in range(innovations):
                s = state[r, t, i]
                state_counts[r, s, i] += 1
                users_icb[r, k, i] += is_used(s)
                embedded_icb[r, k] += s == EMBEDDED
                used += is_used(s)
                paying += is_paying(s, core_funded[r, t, i])
            in_use_in_row[r, t], paying_in_row[r, t] = used, paying
        _unaware_from_relevant(state_counts, relevant_per_innovation, r)


@njit(cache=True, inline="always")
def _unaware_from_relevant(state_counts, relevant_per_innovation, r):
    """Only relevant cells ever leave the unaware state: unaware = relevant less the rest."""
    for i in range(state_counts.shape[2]):
        others = 0
        for s in range(UNAWARE + 1, state_counts.shape[1]):
            others += state_counts[r, s, i]
        state_counts[r, UNAWARE, i] = relevant_per_innovation[i] - others


@njit(cache=True, inline="always")
def is_used(state):
    """Whether a cell in this state is in use (piloting or embedded)."""
    return (state == PILOTING) | (state == EMBEDDED)


@njit(cache=True, inline="always")
def is_paying(state, core_funded):
    """Whether a cell costs money: pilots, and innovations embedded during the run."""
    return (state == PILOTING) | ((state == EMBEDDED) & ~core_funded)
