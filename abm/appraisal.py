"""Appraisal of a run's money in the units of a UK business case (HM Treasury's Green Book).

The model records costs and benefits month by month, in real prices of
``scenario.appraisal.price_base_year``. Here they become present values:

- every sum is discounted by year of the appraisal, at the social time
  preference rate (a lower rate after year 30), year 0 being the run's first
  12 months;
- costs are split by who pays: trusts (their budgets, capital, and merger
  transition costs), ICBs' scale-up funds, and the centre (national subsidies,
  programme grants, the strategies' national costs);
- what is embedded at the end keeps yielding after the horizon: its last
  month's benefit and savings, less its running costs, for
  ``persistence_years``, falling at the model's own rate of discontinuation
  (a residual value, on the benefit side);
- net present social value (NPSV) is benefits less costs, and the
  benefit-cost ratio (BCR) their quotient; optimism bias raises costs as a
  sensitivity, and bed days may be discounted at the lower rate for health.

The columns are per run; a strategy's appraisal against the status quo is the
difference of its present values from the status quo's (``abm/summary.py``).
"""

from __future__ import annotations

import numpy as np

from .population import MONTHS_PER_YEAR
from .scenario_config import ScenarioConfig

YEARS_AT_FIRST_RATE = 30  # the Green Book's rate changes after year 30
TRUST_PAYS = ("spend_trust_gbp_m", "spend_transition_gbp_m")
ICB_PAYS = ("spend_icb_gbp_m",)
CENTRE_PAYS = ("spend_national_gbp_m",)
COLUMNS = ("pv_benefit_gbp_m", "pv_residual_value_gbp_m", "pv_cost_trust_gbp_m",
           "pv_cost_icb_gbp_m", "pv_cost_national_gbp_m", "pv_cost_gbp_m", "npsv_gbp_m",
           "bcr", "npsv_optimism_bias_gbp_m", "bcr_optimism_bias",
           "npsv_bed_days_at_health_rate_gbp_m", "npsv_no_persistence_gbp_m")


def yearly_discount(years: int, rate: float, rate_after_30: float) -> np.ndarray:
    """(years,) discount factor of each appraisal year, year 0 undiscounted.

    The factor compounds year by year: (1 + rate) up to year 30 and
    (1 + rate_after_30) for each year after it.
    """
    growth = np.where(np.arange(years) < YEARS_AT_FIRST_RATE + 1, 1.0 + rate, 1.0 + rate_after_30)
    growth[0] = 1.0
    return 1.0 / np.cumprod(growth)


def monthly_discount(months: int, rate: float, rate_after_30: float,
                     first_month: int = 0) -> np.ndarray:
    """(months,) factor of months ``first_month``, ... (0-based), each at its year's factor."""
    month = np.arange(first_month, first_month + months)
    years = yearly_discount(int(month[-1] // MONTHS_PER_YEAR) + 1 if months else 1, rate,
                            rate_after_30)
    return years[(month // int(MONTHS_PER_YEAR)).astype(int)]


def residual_factor(months_run: int, persistence_years: float, decay_per_year: float,
                    rate: float, rate_after_30: float) -> float:
    """Present value of one GBP m a month kept up after the horizon, falling as it is dropped.

    Month j after the run (j = 1 .. 12 x persistence) yields exp(-decay x j / 12) of
    the last month's net yield, discounted at its appraisal year.
    """
    months = int(round(persistence_years * MONTHS_PER_YEAR))
    if months == 0:
        return 0.0
    after = np.arange(1, months + 1)
    kept = np.exp(-decay_per_year * after / MONTHS_PER_YEAR)
    return float((kept * monthly_discount(months, rate, rate_after_30, months_run)).sum())


def appraise(flows: dict[str, np.ndarray], scenario: ScenarioConfig) -> dict[str, np.ndarray]:
    """The appraisal columns of each run.

    Args:
        flows: Flow name -> (R, months) monthly values (``mechanisms.FLOW_NAMES``).
        scenario: Its ``appraisal`` block, its bed-day value and its rate of
            discontinuation of embedded innovations.

    Returns:
        Column name (``COLUMNS``) -> (R,) values, GBP m in real prices of the base
        year (``bcr`` columns: ratios, NaN where there is no cost).
    """
    a = scenario.appraisal
    months = flows["benefit_gbp_m"].shape[1]
    rate, later = a.discount_rate, a.discount_rate_after_30_years
    factor = monthly_discount(months, rate, later)

    def present(*names: str) -> np.ndarray:
        return sum(flows[n] for n in names) @ factor

    last_net = (flows["benefit_gbp_m"][:, -1] + flows["saving_gbp_m"][:, -1]
                - flows["running_cost_gbp_m"][:, -1])
    residual = last_net * residual_factor(
        months, a.persistence_years, scenario.diffusion.embedded_discontinuation_per_year,
        rate, later)
    in_run = present("benefit_gbp_m", "saving_gbp_m")
    benefit = in_run + residual
    trust, icb, centre = present(*TRUST_PAYS), present(*ICB_PAYS), present(*CENTRE_PAYS)
    cost = trust + icb + centre
    bed_days = flows["benefit_bed_days"] * (scenario.finance.cost_per_bed_day_gbp / 1e6)
    health_factor = monthly_discount(months, a.health_discount_rate, a.health_discount_rate)
    bed_days_gain = bed_days @ health_factor - bed_days @ factor
    biased = cost * (1.0 + a.optimism_bias)
    with np.errstate(invalid="ignore", divide="ignore"):
        bcr = np.where(cost > 1e-9, benefit / cost, np.nan)
        bcr_biased = np.where(cost > 1e-9, benefit / biased, np.nan)
    return {
        "pv_benefit_gbp_m": benefit,
        "pv_residual_value_gbp_m": residual,
        "pv_cost_trust_gbp_m": trust,
        "pv_cost_icb_gbp_m": icb,
        "pv_cost_national_gbp_m": centre,
        "pv_cost_gbp_m": cost,
        "npsv_gbp_m": benefit - cost,
        "bcr": bcr,
        "npsv_optimism_bias_gbp_m": benefit - biased,
        "bcr_optimism_bias": bcr_biased,
        "npsv_bed_days_at_health_rate_gbp_m": benefit - cost + bed_days_gain,
        "npsv_no_persistence_gbp_m": in_run - cost,
    }
