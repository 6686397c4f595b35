"""Typed settings of each experiment (``configs/experiment/*.yaml``), validated like the model.

The ``name`` field selects the experiment; unknown keys, unknown parameters and
values out of range stop the run before anything is written.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from ..config import BASELINE_STRATEGY, Strict

Interval = Literal["t", "bootstrap"]
OUTCOMES = ("embedded_share_y5", "embedded_share_y10", "pilots_scaled", "pilots_abandoned",
            "benefit_gbp_m", "saving_gbp_m", "spend_gbp_m", "net_benefit_gbp_m",
            "benefit_per_spend", "value_per_spend", "benefit_per_head_gbp",
            "icb_benefit_per_head_lowest_fifth_gbp", "pv_benefit_gbp_m", "pv_cost_gbp_m",
            "npsv_gbp_m", "strategy_spend_gbp_m")
DEFAULT_OUTCOME = "benefit_gbp_m"  # the innovations' benefit realised, GBP m over the run
DISCOVERY_OUTCOMES = ("benefit_gbp_m", "net_benefit_gbp_m", "embedded_share_y10")


class CompareStrategies(Strict):
    """The strategies side by side, with paired differences from the status quo."""

    name: Literal["compare_strategies"] = "compare_strategies"
    outcomes: tuple[str, ...] = Field(OUTCOMES, description="Per-run outcomes compared")
    baseline: str = Field(BASELINE_STRATEGY, description="Strategy the others are compared with")
    interval: Interval = Field("t", description="Interval method")


class WinMap(Strict):
    """A grid over two conditions: which strategy wins each cell, by how much."""

    name: Literal["win_map"] = "win_map"
    x: str = Field(description="Parameter path of the x axis")
    x_values: tuple[float, ...] = Field(min_length=2, description="Values of x")
    y: str = Field(description="Parameter path of the y axis")
    y_values: tuple[float, ...] = Field(min_length=2, description="Values of y")
    outcome: str = Field(DEFAULT_OUTCOME, description="Outcome to maximise")
    interval: Interval = "t"


class Sensitivity(Strict):
    """Morris screening over all uncertainties, then Sobol on the most influential."""

    name: Literal["sensitivity"] = "sensitivity"
    outcome: str = DEFAULT_OUTCOME
    parameters: tuple[str, ...] | None = Field(
        None, description="Parameter paths to screen (default: every uncertainty)")
    morris_trajectories: int = Field(10, ge=2, le=1000)
    morris_levels: int = Field(4, ge=2, le=20)
    sobol_parameters: int = Field(5, ge=0, le=20, description="Top Morris parameters for Sobol")
    sobol_base_samples: int = Field(64, ge=4, le=65536, description="Saltelli base sample N")
    sampling_seed: int = Field(1, ge=0)


class BassFit(Strict):
    """Bass p and q fitted to each strategy's adoption curves."""

    name: Literal["bass_fit"] = "bass_fit"
    interval: Interval = "t"


class ScenarioDiscovery(Strict):
    """Where each strategy fails against the status quo (CART boxes)."""

    name: Literal["scenario_discovery"] = "scenario_discovery"
    outcomes: tuple[str, ...] = Field(
        DISCOVERY_OUTCOMES, min_length=1,
        description="Outcomes on which failure is judged, each from the same runs")
    points: int = Field(200, ge=10, le=100_000, description="Latin hypercube points")
    parameters: tuple[str, ...] | None = Field(
        None, description="Parameter paths sampled (default: every uncertainty, and every "
        "lever when levers is true)")
    levers: bool = Field(True, description="Sample the levers over their plausible ranges "
                         "too, so that a failure can be traced to a setting as well as to "
                         "the world")
    margin: float = Field(0.0, description="Advantage over the status quo at or below which "
                          "a strategy fails")
    depth: int = Field(3, ge=1, le=6)
    sampling_seed: int = Field(1, ge=0)


CALIBRATED_PARAMETERS = (
    "scenario.diffusion.planning_horizon_months",
    "scenario.diffusion.decision_rate_per_month",
    "scenario.diffusion.embedded_discontinuation_per_year",
    "scenario.population.risk_aversion_mean",
    "scenario.population.transformation_budget_share",
    "scenario.finance.capital_for_change_share",
    "scenario.barriers.base_pilot_failure",
    "scenario.barriers.unfunded_fade_per_month",
    "scenario.government.mandate_utility_bonus",
    "scenario.government.national_awareness_p_per_year",
    "scenario.icb.background_mergers_per_year",
    "scenario.observation.cdc_sites_per_trust",
    "scenario.observation.surgical_hubs_per_trust",
    "scenario.observation.virtual_ward_beds_per_trust",
)


class Calibrate(Strict):
    """ABC-SMC calibration of the status quo to the NHS record, with predictive checks."""

    name: Literal["calibrate"] = "calibrate"
    parameters: tuple[str, ...] = Field(
        CALIBRATED_PARAMETERS, min_length=1,
        description="Parameter paths fitted (uniform priors over their plausible ranges)")
    holdout: tuple[str, ...] = Field(
        (), description="Targets left out of the distance and predicted instead, beside "
        "those the record marks as held out (cdc_sites_month_53 for a run from April 2025; "
        "the holdout points of abm/data/dated_series.csv for a run from April 2021)")
    population_size: int = Field(60, ge=5, le=100_000, description="Particles per generation")
    generations: int = Field(5, ge=1, le=100, description="Largest number of generations")
    max_simulations: int = Field(2000, ge=10, le=10_000_000,
                                 description="Stop after this many simulations in total")
    replications_per_simulation: int = Field(
        4, ge=1, le=1000, description="Status-quo replications averaged per simulation")
    recovery_checks: int = Field(
        0, ge=0, le=1000, description="Simulation-based calibration: parameter sets drawn "
        "from the prior whose own model statistics are fitted, to see whether the method "
        "recovers them (0: none)")
    recovery_population_size: int = Field(
        100, ge=5, le=100_000, description="Particles per generation of each recovery check")
    recovery_max_simulations: int = Field(
        1000, ge=10, le=10_000_000, description="Simulations of each recovery check's fit")

    @field_validator("holdout")
    @classmethod
    def _known_targets(cls, holdout: tuple[str, ...]) -> tuple[str, ...]:
        from .targets import DISTANCE_KEYS, dated_targets

        allowed = [*DISTANCE_KEYS, *(t.key for t in dated_targets())]
        unknown = [k for k in holdout if k not in allowed]
        if unknown:
            raise ValueError(f"unknown target(s) {unknown}; allowed: {allowed}")
        if len(set(DISTANCE_KEYS) - set(holdout)) == 0:
            raise ValueError("every target is held out; keep at least one in the fit")
        return holdout


class Hindcast(Strict):
    """The status quo set beside the record's dated series on the calendar."""

    name: Literal["hindcast"] = "hindcast"


PARETO_OBJECTIVES = ("npsv_gbp_m", "embedded_share_y10", "icb_benefit_gini", "pv_cost_gbp_m")
MINIMISED = ("icb_benefit_gini", "pv_cost_gbp_m", "spend_gbp_m", "strategy_spend_gbp_m",
             "pilots_abandoned", "pv_cost_trust_gbp_m", "pv_cost_icb_gbp_m",
             "pv_cost_national_gbp_m")  # outcomes where less is better


class RobustComparison(Strict):
    """Each strategy at its best, at equal cost and across plausible futures."""

    name: Literal["robust_comparison"] = "robust_comparison"
    objective: str = Field("npsv_gbp_m", description="Per-run outcome each strategy's levers "
                           "are tuned to maximise, and on which regret and satisficing are "
                           "judged (net present social value by default)")
    tuning_trials: int = Field(48, ge=1, le=10_000,
                               description="Optuna trials per strategy (TPE sampler)")
    tuning_replications: int = Field(16, ge=1, le=10_000, description="Replications of each "
                                     "trial, kept apart from those the comparison is judged on")
    tuning_spend_cap_gbp_m: float | None = Field(
        None, ge=0.0, description="Fix every strategy's spend cap at this value while tuning "
        "(for example: adoption under a spend cap, with objective=embedded_share_y10); None "
        "tunes the cap with the other levers")
    trials_per_round: int = Field(4, ge=1, le=256, description="Trials proposed together and "
                                  "run in parallel; the results depend on this, not on workers")
    pareto_objectives: tuple[str, ...] = Field(
        PARETO_OBJECTIVES, description="Outcomes traded off in each strategy's Pareto front "
        "(NSGA-II); costs and inequality are minimised, the others maximised")
    pareto_trials: int = Field(48, ge=0, le=10_000,
                               description="NSGA-II trials per strategy (0: no Pareto fronts)")
    pareto_replications: int = Field(8, ge=1, le=10_000)
    frontier_caps_gbp_m: tuple[Annotated[float, Field(ge=0.0)], ...] = Field(
        (10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0), description="Spend caps of the "
        "cost-effectiveness frontier, each strategy at its tuned levers (and uncapped)")
    frontier_replications: int = Field(16, ge=2, le=10_000)
    futures: int = Field(200, ge=10, le=100_000,
                         description="Latin-hypercube futures over every uncertainty")
    posterior_futures: int = Field(50, ge=0, le=100_000, description="Futures drawn from the "
                                   "posterior draws, when the run gives posterior= (0: none)")
    future_replications: int = Field(8, ge=1, le=10_000)
    robustness_outcomes: tuple[str, ...] = Field(
        ("npsv_no_persistence_gbp_m", "embedded_share_y10"), description="Outcomes on which "
        "regret and satisficing are judged too, beside the objective (by default: NPSV with "
        "nothing counted after the horizon, the low end of the persistence range; and "
        "year-10 adoption)")
    margin: float = Field(0.0, description="Advantage over the status quo a strategy must "
                          "exceed to satisfice in a future (in the unit of each outcome judged)")
    extreme_trials: int = Field(24, ge=0, le=10_000, description="Trials of the directed "
                                "search for each strategy's best and worst conditions (0: none)")
    extreme_parameters: int = Field(8, ge=1, le=100, description="Uncertainties the directed "
                                    "search varies: those that best explain the strategy's "
                                    "advantage across the futures")
    extreme_replications: int = Field(8, ge=2, le=10_000)
    depth: int = Field(3, ge=1, le=6, description="Depth of the CART trees of scenario "
                       "discovery on the futures")
    sampling_seed: int = Field(1, ge=0, description="Seed of the futures and the optimisers")

    @field_validator("pareto_objectives")
    @classmethod
    def _two_or_more(cls, objectives: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(objectives)) < 2:
            raise ValueError("a Pareto front needs at least two different objectives")
        return objectives


class Experiment(Strict):
    """Wrapper used to validate any experiment by its name."""

    experiment: Annotated[CompareStrategies | WinMap | Sensitivity | BassFit | ScenarioDiscovery
                          | Calibrate | Hindcast | RobustComparison,
                          Field(discriminator="name")]


NAMES = ("compare_strategies", "win_map", "sensitivity", "bass_fit", "scenario_discovery",
         "calibrate", "hindcast", "robust_comparison")
CONFIG_FILES = (*NAMES, "win_map_scaler_price", "win_map_pooled_budgets")
