"""Typed, validated configuration: the one place where input is checked.

Every parameter is a pydantic field carrying its meaning, unit, plausible range
and source, so the parameter table in ``docs/parameters.md`` is generated from
this module and cannot drift from it. Unknown keys are refused, values outside
their allowed range are refused, and the error names the field, the value given
and what is allowed.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .inputs import trust_count
from .shipped import config_dir

SCENARIO_NAMES = ("england", "england_calibrated")


def param(
    default: Any,
    description: str,
    unit: str,
    source: str = "assumption",
    *,
    ge: float | None = None,
    le: float | None = None,
    plausible: tuple[float, float] | None = None,
) -> Any:
    """Declare a documented model parameter.

    Args:
        default: Default value (the England default).
        description: What the parameter means in the model.
        unit: Unit of the value ("share" for 0-1 quantities).
        source: A citation (``facts.csv: key``) or "assumption: reasoning".
        ge: Smallest value allowed (validation).
        le: Largest value allowed (validation).
        plausible: Plausible range used for sensitivity analysis and the table.

    Returns:
        A pydantic ``Field`` with the metadata attached.
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if plausible is not None:
        extra["plausible"] = list(plausible)
    return Field(default, description=description, ge=ge, le=le, json_schema_extra=extra)


def share(default: float, description: str, source: str = "assumption", plausible=None) -> Any:
    """Declare a parameter that is a share or probability in [0, 1]."""
    return param(default, description, "share", source, ge=0.0, le=1.0, plausible=plausible)


class Strict(BaseModel):
    """Base for every config block: unknown keys are errors, values are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


# --------------------------------------------------------------------------- scenario


class PopulationConfig(Strict):
    """Trust attributes drawn at initialisation (beyond the cited data)."""

    risk_aversion_mean: float = share(
        0.6, "Mean trust risk aversion (weight on uncertainty in the adoption decision)",
        "assumption: NHS boards described as risk-averse in seed 001", (0.3, 0.85))
    risk_aversion_sd: float = param(
        0.15, "Between-trust standard deviation of risk aversion", "share", ge=0.0, le=0.5,
        plausible=(0.05, 0.25))
    absorptive_capacity_mean: float = share(
        0.5, "Mean absorptive capacity: share of change bandwidth available at zero pressure",
        "assumption: seed 000 argues capacity is the binding constraint", (0.3, 0.7))
    absorptive_capacity_sd: float = param(
        0.12, "Between-trust standard deviation of absorptive capacity", "share", ge=0.0, le=0.5,
        plausible=(0.05, 0.2))
    champion_share: float = share(
        0.35, "Share of trusts with a local champion ('hero innovator') at the start",
        "assumption: seed 001's hero innovators", (0.15, 0.6))
    champion_departures_per_year: float = param(
        0.25, "Rate at which a champion leaves (1 / mean tenure)", "per year", ge=0.0, le=5.0,
        plausible=(0.15, 0.4))
    champion_arrivals_per_year: float = param(
        0.12, "Rate at which a trust without a champion gains one", "per year", ge=0.0, le=5.0,
        plausible=(0.05, 0.25))
    champion_capacity_boost: float = share(
        0.15, "Absorptive capacity added by a local champion", plausible=(0.05, 0.3))
    digital_maturity_epr_mean: float = share(
        0.6, "Mean digital maturity of a trust with an EPR (0-1 scale; DMA national score 2.4/5)",
        "facts.csv: dma_2023_national_score (medium); has_epr from trusts.csv; scale assumption",
        (0.45, 0.75))
    digital_maturity_no_epr_mean: float = share(
        0.3, "Mean digital maturity of a trust without an EPR", "assumption", (0.15, 0.45))
    digital_maturity_sd: float = param(
        0.12, "Between-trust standard deviation of digital maturity", "share", ge=0.0, le=0.5,
        plausible=(0.05, 0.2))
    pfi_trusts: int = param(
        96, "Trusts carrying an operational PFI contract (assigned to acute trusts first)",
        "trusts", "facts.csv: pfi_trusts_with_operational_pfi (high); at most the trusts of "
        "abm/data/trusts.csv", ge=0, le=trust_count(),
        plausible=(80, 110))
    pfi_capacity_loss: float = share(
        0.1, "Absorptive capacity lost by a PFI trust (estate lock-in, fixed unitary charge)",
        "assumption: seed 003 on PFI lock-in", (0.0, 0.25))
    transformation_budget_share: float = param(
        0.004, "Share of a trust's turnover available each year for change (pilots, running costs)",
        "share of turnover", "assumption: trust sector turnover GBP 124bn (facts.csv: "
        "trust_sector_turnover_2024); transformation share is a judgement", ge=0.0, le=0.1,
        plausible=(0.002, 0.01))


class DiffusionConfig(Strict):
    """Awareness and the adoption decision."""

    external_influence_p_per_year: float = param(
        0.03, "Bass innovation coefficient p: awareness from outside the peer network",
        "per year", "facts.csv: bass_p_mean (Sultan, Farley and Lehmann 1990; medium)",
        ge=0.0, le=12.0, plausible=(0.01, 0.06))
    imitation_q_per_year: float = param(
        0.38, "Bass imitation coefficient q: awareness from peers using the innovation",
        "per year", "facts.csv: bass_q_mean (Sultan, Farley and Lehmann 1990; medium)",
        ge=0.0, le=12.0, plausible=(0.2, 0.6))
    peer_weight_icb: float = share(
        0.5, "Weight of same-ICB peers in the peer-use share a trust sees",
        "assumption: word of mouth is local (seed 001)", (0.3, 0.7))
    region_share_of_wider_peers: float = share(
        0.6, "Share of the peer weight outside the ICB (1 - peer_weight_icb) given to same-region "
        "peers; the rest goes to peers across England. Any pair of values is valid: the "
        "region's weight is (1 - peer_weight_icb) x this share",
        "assumption: at the default ICB weight 0.5 the plausible range gives a region weight "
        "of 0.1 to 0.4", (0.2, 0.8))
    decision_rate_per_month: float = share(
        0.15, "Largest monthly probability that an aware trust decides to pilot",
        "assumption: board cycles run monthly to quarterly", (0.05, 0.3))
    decision_sharpness: float = param(
        4.0, "Sharpness of the logistic adoption decision (higher = more deterministic)",
        "1 / utility unit", ge=0.01, le=1000.0, plausible=(2.0, 8.0))
    evidence_per_observed_pilot: float = share(
        0.08, "Share of remaining uncertainty removed by each completed pilot a trust can observe",
        "assumption", (0.03, 0.15))
    planning_horizon_months: int = param(
        36, "Trust planning horizon: benefit arriving later than this is not counted",
        "months", ge=1, le=240, plausible=(24, 60))
    embedded_discontinuation_per_year: float = param(
        0.03, "Base rate at which an embedded innovation is discontinued", "per year",
        ge=0.0, le=5.0, plausible=(0.0, 0.08))


class BarrierConfig(Strict):
    """Barriers that act in every strategy (seeds 001, 003, 004)."""

    silo_discount: float = share(
        0.8, "Share of benefit landing outside the adopter that a siloed budget ignores",
        "assumption: seed 001 on siloed incentives", (0.5, 1.0))
    infrastructure_penalty: float = param(
        2.0, "Utility lost per unit of digital-maturity shortfall against an innovation's need",
        "utility per maturity unit", ge=0.0, le=50.0, plausible=(1.0, 4.0))
    pressure_capacity_loss: float = share(
        0.6, "Share of absorptive capacity lost at maximum operational pressure",
        "assumption: seed 000 on pressure eating capacity", (0.3, 0.9))
    pilot_load: float = param(
        0.12, "Capacity one running pilot uses, per unit of complexity", "capacity share",
        ge=0.0, le=1.0, plausible=(0.06, 0.2))
    hero_fade_per_month: float = share(
        0.06, "Monthly chance a pilot fades when its trust has no champion and no external support",
        "assumption: seed 001 on pilots that fade when the hero leaves", (0.02, 0.12))
    unfunded_fade_per_month: float = share(
        0.15, "Monthly chance a pilot or embedded innovation is dropped when its trust cannot pay",
        plausible=(0.05, 0.3))
    base_pilot_failure: float = share(
        0.15, "Pilot failure probability of a simple innovation with a perfect fit",
        plausible=(0.05, 0.3))
    complexity_failure: float = share(
        0.35, "Added failure probability per unit of complexity x adaptation need",
        plausible=(0.15, 0.5))


class PressureConfig(Strict):
    """Operational pressure: bed occupancy with its seasonal winter peak."""

    safe_occupancy_share: float = share(
        0.85, "Occupancy below which a trust feels no operational pressure",
        "facts.csv: bed_occupancy_safe_threshold (medium)", (0.82, 0.88))
    occupancy_scale: float = param(
        1.0, "Multiplier on the cited seasonal occupancy excess over the safe level",
        "ratio", "facts.csv: ga_occupancy_monthly.csv profile (high)", ge=0.0, le=3.0,
        plausible=(0.8, 1.3))
    trust_occupancy_sd: float = param(
        0.025, "Between-trust standard deviation of mean occupancy", "share", ge=0.0, le=0.2,
        plausible=(0.01, 0.04))
    monthly_noise_sd: float = param(
        0.01, "Month-to-month occupancy noise", "share", ge=0.0, le=0.2, plausible=(0.0, 0.02))
    relief_per_bed_day: float = param(
        1.0, "Occupied bed days removed per bed day saved by embedded innovations", "ratio",
        ge=0.0, le=2.0, plausible=(0.5, 1.0))


class ICBConfig(Strict):
    """Integrated care boards: pooled budgets, scale-up funds, priorities, mergers."""

    pooled_budget_share_mean: float = share(
        0.2, "Mean share of an ICB footprint's budgets that are pooled (external benefit counted)",
        "assumption: pooled budgets are rare (seed 003 area 10)", (0.0, 0.6))
    scale_up_fund_gbp_m_per_year: float = param(
        3.0, "ICB fund for priority-domain pilots each year", "GBP m per year",
        ge=0.0, le=1000.0, plausible=(0.0, 8.0))
    scale_up_cost_share: float = share(
        0.5, "Share of a priority-domain pilot's cost the ICB fund pays while it lasts",
        plausible=(0.25, 0.75))
    priority_utility_bonus: float = param(
        0.3, "Utility added to innovations in the ICB's priority domain", "utility",
        ge=0.0, le=10.0, plausible=(0.0, 0.6))
    background_mergers_per_year: float = param(
        3.0, "Trusts absorbed in mergers each year in England without a consolidation strategy",
        "trusts per year", "facts.csv: trust_mergers_per_year, trust_acquisitions_2014_2025 "
        "(medium)", ge=0.0, le=100.0, plausible=(1.0, 5.0))


class GovernmentConfig(Strict):
    """National funding, programmes and the election cycle."""

    election_cycle_months: int = param(
        60, "Months between general elections", "months",
        "facts.csv: parliament_max_term (high)", ge=1, le=600, plausible=(48, 60))
    first_election_month: int = param(
        51, "Month of the first election after the start (April 2025 start: July 2029)",
        "months", "facts.csv: last_general_election, next_election_latest (low)",
        ge=0, le=600, plausible=(40, 60))
    programme_reset_probability: float = share(
        0.5, "Chance that a new government drops each national programme after an election",
        "assumption: facts.csv nhs_reorganisation_interval shows frequent resets", (0.2, 0.8))
    national_subsidy_share: float = share(
        0.6, "Share of a national programme's pilot and running cost paid nationally",
        "assumption", (0.3, 0.9))
    national_awareness_p_per_year: float = param(
        1.0, "Extra awareness rate for national programmes (central promotion)", "per year",
        ge=0.0, le=12.0, plausible=(0.3, 2.0))
    mandate_utility_bonus: float = param(
        0.4, "Utility added to a live national programme (targets, scrutiny)", "utility",
        ge=0.0, le=10.0, plausible=(0.1, 0.8))
    quick_win_months: int = param(
        12, "Before an election, programmes with benefit sooner than this are favoured", "months",
        ge=0, le=120, plausible=(6, 24))
    quick_win_window_months: int = param(
        18, "Months before an election in which the government favours quick wins", "months",
        ge=0, le=120, plausible=(12, 24))


class VendorConfig(Strict):
    """Commercial suppliers of vendor-product innovations."""

    margin_share: float = param(
        0.3, "Vendor margin added to the cost of a vendor product", "share of cost",
        ge=0.0, le=5.0, plausible=(0.15, 0.5))
    pilot_discount: float = share(
        0.5, "Discount a vendor gives on a pilot to land the sale (full price once embedded)",
        "assumption: seed 003 on pilots that never scale", (0.2, 0.7))
    marketing_p_per_year: float = param(
        0.2, "Extra awareness rate for vendor products from marketing", "per year",
        ge=0.0, le=12.0, plausible=(0.05, 0.5))


class FinanceConfig(Strict):
    """Money equivalents of benefit."""

    cost_per_bed_day_gbp: float = param(
        400.0, "Value of one general and acute bed day saved", "GBP per bed day",
        "assumption: NHS reference costs put an excess bed day at about GBP 300-450",
        ge=0.0, le=5000.0, plausible=(300.0, 600.0))


class ObservationConfig(Strict):
    """How model quantities map onto published counts (used only to compare with the record).

    These do not change the simulation; calibration fits them with the model's
    parameters. They are not uncertainties of the model, so experiments that sample
    the uncertainties leave them alone.
    """

    cdc_sites_per_trust: float = param(
        1.2, "Community diagnostic centre sites per trust running the "
        "community_diagnostic_centre innovation (piloting or embedded)", "sites per trust",
        "assumption: 170 CDC sites in December 2025 (facts.csv: cdc_sites_dec2025, high) over "
        "the 146 acute and community trusts the innovation is relevant to gives 1.16 if every "
        "one ran a CDC; some host several, some none", ge=0.1, le=10.0, plausible=(1.0, 1.6))


class ScenarioConfig(Strict):
    """The setting: England's trusts and ICBs plus the uncertain conditions."""

    name: Literal["england", "england_calibrated"] = Field(
        "england", description="Scenario name (england_calibrated: fitted to the NHS record)")
    population: PopulationConfig = PopulationConfig()
    diffusion: DiffusionConfig = DiffusionConfig()
    barriers: BarrierConfig = BarrierConfig()
    pressure: PressureConfig = PressureConfig()
    icb: ICBConfig = ICBConfig()
    government: GovernmentConfig = GovernmentConfig()
    vendors: VendorConfig = VendorConfig()
    finance: FinanceConfig = FinanceConfig()
    observation: ObservationConfig = ObservationConfig()


# --------------------------------------------------------------------------- strategy


class ScalerConfig(Strict):
    """The scaler: carries modules across trusts (seed 000)."""

    enabled: bool = Field(False, description="Whether a scaler operates")
    deployment_capacity: int = param(
        25, "Deployments the scaler can run at once", "deployments", ge=0, le=10000,
        plausible=(10, 50))
    price_gbp_m: float = param(
        0.6, "Scaler fee per deployment, on top of the module's own cost", "GBP m",
        ge=0.0, le=100.0, plausible=(0.2, 1.5))
    learning_exponent: float = param(
        0.3, "Learning-curve exponent: failure and adaptation effort fall as (1 + n)^-b",
        "dimensionless", "assumption: Wright's-law exponents of 0.15-0.45 are common",
        ge=0.0, le=2.0, plausible=(0.1, 0.5))
    capacity_lent: float = share(
        0.3, "Absorptive capacity the scaler lends to a trust during a deployment",
        plausible=(0.1, 0.5))
    evidence_per_deployment: float = share(
        0.1, "Share of uncertainty about a module removed for all trusts by each deployment",
        plausible=(0.05, 0.2))
    lock_in_fee_share: float = share(
        0.15, "Yearly fee after embedding, as a share of the deployment price (lock-in)",
        plausible=(0.05, 0.3))


class OpenPlatformConfig(Strict):
    """Open platform: published pilots, shared adaptations, transparency (seed 002)."""

    enabled: bool = Field(False, description="Whether pilot results are published openly")
    publication_evidence_weight: float = share(
        0.6, "Weight of a published pilot elsewhere in England relative to one seen nearby",
        plausible=(0.3, 1.0))
    contributed_adaptation_rate: float = share(
        0.04, "Share of adaptation need removed for everyone by each completed pilot",
        plausible=(0.01, 0.08))
    communication_reach: float = share(
        0.5, "Share of peer weight moved from local to national peers (cheap communication)",
        plausible=(0.2, 0.8))
    transparency_pressure: float = param(
        0.5, "Utility a laggard gains per unit of national use of an innovation (public scrutiny)",
        "utility", ge=0.0, le=10.0, plausible=(0.2, 1.0))
    failure_blame: float = param(
        0.5, "Added weight on uncertainty per unit share of published failed pilots",
        "ratio", "assumption: seed 001 on punished mistakes", ge=0.0, le=10.0,
        plausible=(0.2, 1.0))
    publication_load: float = share(
        0.02, "Capacity each running pilot uses to document and publish results",
        plausible=(0.0, 0.05))
    platform_cost_gbp_m_per_year: float = param(
        5.0, "National cost of running the open platform", "GBP m per year",
        ge=0.0, le=1000.0, plausible=(2.0, 15.0))


class ConsolidationConfig(Strict):
    """Consolidation: mergers and group models (seed 003).

    ``enabled`` adds the strategic merger rate. The other settings describe how
    any merger works, so they also apply to the background mergers of every
    strategy (``scenario.icb.background_mergers_per_year``).
    """

    enabled: bool = Field(False, description="Whether ICBs pursue mergers and group models")
    mergers_per_year: float = param(
        12.0, "Trusts joining a group or merger each year, on top of background mergers",
        "trusts per year", ge=0.0, le=200.0, plausible=(5.0, 25.0))
    max_group_size: int = param(
        5, "Largest number of trusts in one decision unit (every merger)", "trusts", ge=1, le=100,
        plausible=(3, 8))
    sovereignty_resistance: float = share(
        0.3, "Chance a proposed merger is blocked by the boards involved (every merger)",
        "assumption: seed 003 on organisational sovereignty", (0.1, 0.5))
    decision_slowdown: float = param(
        0.4, "Decision rate of a group falls as group_size^-slowdown (consensus across boards)",
        "dimensionless", ge=0.0, le=5.0, plausible=(0.2, 0.8))
    transition_cost_gbp_m: float = param(
        4.0, "One-off cost of a merger (every merger), from the transformation budget", "GBP m",
        ge=0.0, le=1000.0, plausible=(2.0, 10.0))
    disruption_months: int = param(
        18, "Months of disruption after a merger (every merger)", "months", ge=0, le=120,
        plausible=(12, 36))
    disruption_capacity_loss: float = share(
        0.3, "Absorptive capacity lost during disruption", plausible=(0.15, 0.5))
    scale_economy_exponent: float = param(
        0.7, "Per-member cost of a group pilot is cost x group_size^(exponent - 1)",
        "dimensionless", ge=0.0, le=1.0, plausible=(0.5, 0.9))
    volume_outcome_gain: float = param(
        0.15, "Extra effect of volume-sensitive innovations per doubling of group size",
        "share per doubling", ge=0.0, le=2.0, plausible=(0.05, 0.3))


class StrategyConfig(Strict):
    """A strategy: any combination of mechanisms (the blocks with an ``enabled`` flag)."""

    name: str = Field("status_quo", description="Label for results", pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field("", description="Name shown in reports and the workshop (empty: the "
                       "name with spaces, capitalised)", max_length=60)
    scaler: ScalerConfig = ScalerConfig()
    open_platform: OpenPlatformConfig = OpenPlatformConfig()
    consolidation: ConsolidationConfig = ConsolidationConfig()


MECHANISMS = tuple(name for name, field in StrategyConfig.model_fields.items()
                   if isinstance(field.annotation, type) and issubclass(field.annotation, Strict)
                   and "enabled" in field.annotation.model_fields)


def mechanisms_on(strategy: StrategyConfig) -> tuple[str, ...]:
    """The mechanisms a strategy switches on, in the order of ``MECHANISMS``."""
    return tuple(m for m in MECHANISMS if getattr(strategy, m).enabled)


def strategy_label(strategy: StrategyConfig) -> str:
    """A strategy's display name: its ``label``, or its name with spaces, capitalised."""
    return strategy.label or strategy.name.replace("_", " ").capitalize()


@cache
def shipped_strategies() -> dict[str, StrategyConfig]:
    """The strategies shipped in ``configs/strategy/`` (every file but ``all.yaml``), typed.

    The default comparison's (``all.yaml``) come first, in its order; the others follow
    by name. Each file states only what differs from ``StrategyConfig``'s defaults, so it
    is validated here without Hydra.
    """
    folder = config_dir() / "strategy"
    listed = yaml.safe_load((folder / "all.yaml").read_text(encoding="utf-8"))["defaults"]
    order = {entry.split("@")[0]: i for i, entry in enumerate(listed)}
    files = sorted(folder.glob("*.yaml"), key=lambda f: (order.get(f.stem, len(order)), f.stem))
    found = {}
    for path in files:
        if path.stem != "all":
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            raw.pop("defaults", None)
            found[path.stem] = parse_config(raw, StrategyConfig)
    return found


# --------------------------------------------------------------------------- run


class RunConfig(Strict):
    """A whole run: strategies x replications on a scenario."""

    seed: int = param(20251, "Master seed", "integer", "n/a", ge=0, le=2**63 - 1)
    replications: int = param(
        100, "Replications per strategy", "replications", "n/a", ge=1, le=10_000_000)
    months: int = param(120, "Simulated months (April 2025 start)", "months", "n/a", ge=1, le=600)
    workers: int = param(1, "Worker processes (results do not depend on it)", "processes", "n/a",
                         ge=1, le=512)
    first_replication: int = param(
        0, "Index of the first replication: a job of a sweep can run replications "
        "first_replication ... first_replication + replications - 1", "replication", "n/a",
        ge=0, le=10_000_000)
    batch_size: int = param(
        64, "Replications simulated together on stacked arrays (results do not depend on it)",
        "replications", "n/a", ge=1, le=4096)
    trajectory_replications: int = param(
        100, "Replications per strategy whose month-by-month tables are kept (run-level "
        "tables keep all)", "replications", "n/a", ge=0, le=10_000_000)
    posterior: str | None = Field(
        None, description="Parquet file of posterior draws (e.g. a calibration run's "
        "calibration_draws.parquet): replication r uses draw r mod N on top of the scenario, "
        "so intervals include parameter uncertainty; null runs the scenario as it is",
        json_schema_extra={"unit": "path", "source": "n/a"})
    scenario: ScenarioConfig = ScenarioConfig()
    strategies: tuple[StrategyConfig, ...] = Field(
        (StrategyConfig(),), description="Strategies to compare")

    @model_validator(mode="after")
    def _at_least_one_strategy(self) -> RunConfig:
        if not self.strategies:
            raise ValueError("at least one strategy is needed")
        return self


class ConfigError(ValueError):
    """Raised when a configuration is invalid; the message lists every problem."""


def _field_at(model: type[BaseModel], loc: tuple) -> Any:
    """The pydantic FieldInfo at an error location, or None if it cannot be followed."""
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        model = inner[0] if inner and isinstance(inner[0], type) else annotation
    return field


def _allowed_range(field: Any) -> str:
    bounds = {type(m).__name__: m for m in getattr(field, "metadata", [])}
    low = getattr(bounds.get("Ge"), "ge", None)
    high = getattr(bounds.get("Le"), "le", None)
    if low is None and high is None:
        return ""

    def show(value: float | None) -> str:
        return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

    return f"allowed: [{show(low)}, {show(high)}]"


def _format_error(err: dict[str, Any], cls: type[BaseModel]) -> str:
    location = ".".join(str(part) for part in err["loc"])
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        return (f"{location}: unknown key (value {value!r}); allowed keys: "
                f"{', '.join(_allowed_keys(cls, err['loc']))}")
    allowed = _allowed_range(_field_at(cls, err["loc"]))
    return f"{location}: got {value!r}; {err['msg']}" + (f" ({allowed})" if allowed else "")


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part not in model.model_fields:  # a tagged union's member, named by its tag
            continue
        annotation = model.model_fields[part].annotation
        inner = [a for a in getattr(annotation, "__args__", ()) if isinstance(a, type)]
        tagged = [a for a in inner if issubclass(a, BaseModel) and part != "name"
                  and "name" in a.model_fields]
        following = loc[loc.index(part) + 1] if loc.index(part) + 1 < len(loc) else None
        chosen = [a for a in tagged if a.model_fields["name"].default == following]
        model = chosen[0] if chosen else inner[0] if inner else annotation
    return sorted(model.model_fields)


def describe_field(path: str) -> str:
    """What a dotted config path accepts, as a user types it (``strategy.scaler.price_gbp_m``).

    Args:
        path: A dotted key of the run configuration (``seed``, ``scenario.pressure...``,
            ``strategy...``).

    Returns:
        The field's meaning, type and allowed range, or "" if the path is not a field.
    """
    path = path.lstrip("+~")
    if path == "strategy":
        return f"a strategy; allowed: {', '.join(shipped_strategies())} or all"
    try:
        field = field_at(path)
    except ConfigError:
        return ""
    if field.annotation is None:
        return ""
    kind = getattr(field.annotation, "__name__", str(field.annotation))
    unit = (field.json_schema_extra or {}).get("unit")
    allowed = _allowed_range(field)
    details = ", ".join(x for x in (kind, unit) if x and x not in ("n/a", "integer"))
    return f"{field.description} ({details}{'; ' + allowed if allowed else ''})"


def field_at(path: str) -> Any:
    """The pydantic field at a dotted config path, as a user types it.

    Args:
        path: ``seed``, ``scenario.pressure.occupancy_scale``, ``strategy.scaler.price_gbp_m``
            (a strategy's fields are under ``strategy.``).

    Returns:
        The ``FieldInfo``.

    Raises:
        ConfigError: If the path names no field.
    """
    parts = tuple(path.split("."))
    cls, parts = (StrategyConfig, parts[1:]) if parts[0] == "strategy" else (RunConfig, parts)
    field = _field_at(cls, parts) if parts else None
    if field is None:
        raise ConfigError(f"{path}: not a field of the configuration (see docs/parameters.md)")
    return field


def set_at(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted path of a nested dict (a config's ``model_dump``).

    Missing parents are created, so a partial tree (a scenario override) can be built.

    Args:
        tree: The nested dict, changed in place.
        path: Dotted keys, e.g. ``pressure.occupancy_scale`` relative to ``tree``.
        value: The value to set.
    """
    *parents, leaf = path.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


def parse_config(raw: dict[str, Any], cls: type[Strict] = RunConfig) -> Strict:
    """Validate a plain dict into a typed config.

    Args:
        raw: Nested dict, as produced from Hydra's composed config.
        cls: The config class to build.

    Returns:
        The validated, frozen config object.

    Raises:
        ConfigError: Listing each invalid field with the value given and what is allowed.
    """
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        lines = [_format_error(err, cls) for err in exc.errors()]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def check_strategy_names(strategies: tuple[StrategyConfig, ...]) -> None:
    """Refuse strategy labels that are repeated within one run.

    Args:
        strategies: The strategies of a run.

    Raises:
        ConfigError: If a name is repeated.
    """
    names = [s.name for s in strategies]
    if len(set(names)) != len(names):
        raise ConfigError(f"strategy.name: repeated in {names}; each strategy once per run")


# Names of the shipped strategies (``configs/strategy/``), for menus and messages.
STRATEGY_NAMES = tuple(shipped_strategies())
