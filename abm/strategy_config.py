"""A strategy's settings: one block per mechanism, switched on by its ``enabled`` flag.

A strategy is any combination of mechanisms; ``MECHANISMS`` is derived from the
blocks of ``StrategyConfig`` that have an ``enabled`` field, and each has its
module in ``abm/mechanisms/``.
"""

from __future__ import annotations

from pydantic import Field

from .fields import ALWAYS, UNCERTAIN, WHEN_ON, Strict, param, share

BASELINE_STRATEGY = "status_quo"  # every mechanism off: the strategy the others are compared with


class ScalerConfig(Strict):
    """The scaler: carries modules across trusts (seed 000)."""

    enabled: bool = Field(False, description="Whether a scaler operates")
    deployment_capacity: int = param(
        25, "Deployments the scaler can run at once", "deployments", ge=0, le=10000,
        plausible=(10, 50), acts=WHEN_ON,
        workshop="Scaler: deployments at once")
    price_gbp_m: float = param(
        0.6, "Scaler fee per deployment, on top of the module's own cost, paid in full when "
        "the trust accepts (a trust accepts only if its budget left covers it)", "GBP m",
        ge=0.0, le=100.0, plausible=(0.2, 1.5), acts=WHEN_ON,
        workshop="Scaler: fee per deployment (GBP m)")
    learning_exponent: float = param(
        0.3, "Learning-curve exponent: failure and adaptation effort fall as (1 + n)^-b",
        "dimensionless", "assumption: Wright's-law exponents of 0.15-0.45 are common",
        ge=0.0, le=2.0, plausible=(0.1, 0.5), kind=UNCERTAIN, acts=WHEN_ON)
    load_share_carried: float = share(
        0.5, "Share of a deployment's capacity load the scaler's own team carries (the trust "
        "carries the rest)", "assumption: seed 000's scaler brings an implementation team, "
        "but the trust's clinicians and managers still change how they work", (0.25, 0.75),
        kind=UNCERTAIN, acts=WHEN_ON)
    learning_floor: float = share(
        0.4, "Share of a module's adaptation failure and extra pilot months that no amount of "
        "deployment experience removes: learning cuts them to floor + (1 - floor) x "
        "(1 + n)^-b", "assumption: local context and people limit what a deployer's "
        "experience can carry over (seed 000 and 002)", (0.2, 0.7), kind=UNCERTAIN, acts=WHEN_ON)
    dependency_discontinuation_per_year: float = param(
        0.3, "Rate at which an innovation the scaler carried is dropped once a new government "
        "has stopped its contract (the trust ran it on the scaler's people and systems)",
        "per year", "assumption: seed 003 on dependence on suppliers", ge=0.0, le=5.0,
        plausible=(0.1, 0.6), kind=UNCERTAIN, acts=WHEN_ON)
    evidence_per_deployment: float = share(
        0.1, "Share of uncertainty about a module removed for all trusts by each deployment",
        plausible=(0.05, 0.2), kind=UNCERTAIN, acts=WHEN_ON)
    approach_awareness_share: float = share(
        0.5, "Chance that a refused offer leaves an unaware board considering the module (it "
        "becomes aware): the reach of the scaler's sales approach", "assumption: no record "
        "of how often a supplier's approach puts a redesign on a board's agenda", (0.0, 1.0),
        kind=UNCERTAIN, acts=WHEN_ON)
    track_record_overstatement: float = share(
        0.2, "Share by which the scaler's account of its deployments overstates a module's "
        "effect: a board weighs an offered module at its belief x (1 + this share)",
        "assumption within facts.csv: consultancy_effect_efficiency_kirkpatrick (higher "
        "consultancy spending went with lower efficiency across 120 acute trusts; high); "
        "seed 003 on suppliers putting profit before sustainable solutions", (0.0, 0.5),
        kind=UNCERTAIN, acts=WHEN_ON)
    lock_in_fee_share: float = share(
        0.15, "Yearly fee after embedding, as a share of the deployment price (lock-in)",
        plausible=(0.05, 0.3), acts=WHEN_ON)


class OpenPlatformConfig(Strict):
    """Open platform: published pilots, shared adaptations, transparency (seed 002)."""

    enabled: bool = Field(False, description="Whether pilot results are published openly")
    publication_evidence_weight: float = share(
        0.6, "Weight of a published pilot elsewhere in England relative to one seen nearby",
        plausible=(0.3, 1.0), kind=UNCERTAIN, acts=WHEN_ON,
        workshop="Open platform: weight of a published pilot")
    contributed_adaptation_rate: float = share(
        0.04, "Share of the removable adaptation need removed for everyone by each published "
        "pilot", plausible=(0.01, 0.08), kind=UNCERTAIN, acts=WHEN_ON)
    adaptation_floor: float = share(
        0.3, "Share of an innovation's adaptation need that no shared adaptation removes (each "
        "trust's own workflows, staff and systems)", "assumption: seed 002's local fitting "
        "of shared code", (0.1, 0.5), kind=UNCERTAIN, acts=WHEN_ON)
    publishing_maturity: float = share(
        0.5, "Digital maturity at which a trust documents its completed pilots fully and can "
        "use published evidence fully; below it, in proportion", "assumption: facts.csv "
        "dma_2023_national_score (a national mean of 2.4 of 5; high); seed 002 on the data "
        "and skills open work needs", (0.3, 0.7), kind=UNCERTAIN, acts=WHEN_ON)
    documentation_dropped_under_pressure: float = share(
        0.5, "Share of its documentation a trust at full operational pressure drops: it goes "
        "on using what others publish without contributing (free-riding)",
        "assumption: seed 001 on capacity eaten by pressure", (0.2, 0.8),
        kind=UNCERTAIN, acts=WHEN_ON)
    community_ownership_share: float = share(
        0.2, "Share of the fade of a championless pilot that the platform's community removes "
        "for a trust that can use it fully (shared ownership of the work)", "assumption: seed "
        "002 on open communities, seed 001 on hero dependency", (0.05, 0.4),
        kind=UNCERTAIN, acts=WHEN_ON)
    trust_cost_gbp_m_per_year: float = param(
        0.05, "Yearly cost to each trust of taking part (information governance, data "
        "preparation, platform accounts), from its transformation budget while the platform "
        "is funded", "GBP m per year per trust", "assumption: a fraction of a data "
        "protection and information governance post", ge=0.0, le=10.0, plausible=(0.01, 0.15),
        kind=UNCERTAIN, acts=WHEN_ON)
    communication_reach: float = share(
        0.5, "Share of peer weight moved from local to national peers (cheap communication)",
        plausible=(0.2, 0.8), kind=UNCERTAIN, acts=WHEN_ON,
        workshop="Open platform: reach of cheap communication")
    transparency_pressure: float = param(
        0.5, "Utility a laggard gains per unit of national use of an innovation (public scrutiny)",
        "utility", ge=0.0, le=10.0, plausible=(0.2, 1.0), kind=UNCERTAIN, acts=WHEN_ON)
    failure_blame: float = param(
        0.5, "Added weight on uncertainty per unit share of published failed pilots",
        "ratio", "assumption: seed 001 on punished mistakes", ge=0.0, le=10.0,
        plausible=(0.2, 1.0), kind=UNCERTAIN, acts=WHEN_ON)
    publication_load: float = share(
        0.02, "Capacity each running pilot uses to document and publish results",
        plausible=(0.0, 0.05), kind=UNCERTAIN, acts=WHEN_ON)
    platform_cost_gbp_m_per_year: float = param(
        5.0, "National cost of running the open platform", "GBP m per year",
        ge=0.0, le=1000.0, plausible=(2.0, 15.0), acts=WHEN_ON)


class ConsolidationConfig(Strict):
    """Consolidation: mergers and group models (seed 003).

    ``enabled`` adds the strategic merger rate. The other settings describe how
    any merger works, so they also apply to the background mergers of every
    strategy (``scenario.icb.background_mergers_per_year``).
    """

    enabled: bool = Field(False, description="Whether ICBs pursue mergers and group models")
    mergers_per_year: float = param(
        12.0, "Trusts joining a group or merger each year, on top of background mergers",
        "trusts per year", ge=0.0, le=200.0, plausible=(5.0, 25.0), acts=WHEN_ON,
        workshop="Consolidation: mergers per year")
    max_group_size: int = param(
        5, "Largest number of trusts in one decision unit (every merger)", "trusts", ge=1, le=100,
        plausible=(3, 8), acts=ALWAYS)
    sovereignty_resistance: float = share(
        0.3, "Chance a proposed merger is blocked by the boards involved (every merger)",
        "assumption: seed 003 on organisational sovereignty", (0.1, 0.5),
        kind=UNCERTAIN, acts=ALWAYS)
    decision_slowdown: float = param(
        0.4, "Decision rate of a group falls as group_size^-slowdown (consensus across boards)",
        "dimensionless", ge=0.0, le=5.0, plausible=(0.2, 0.8), kind=UNCERTAIN, acts=ALWAYS)
    transition_cost_gbp_m: float = param(
        4.0, "One-off cost of a merger (every merger), from the transformation budget", "GBP m",
        "assumption within facts.csv: merger_collapsed_cost_nuh_sfh_2016 (GBP 10 m spent on a "
        "merger that collapsed, GBP 6.6 m of it on advisers; high) and "
        "mergers_kingsfund_cost_12_mergers (GBP 2 bn of investment and financing packages for "
        "12 mergers, most of it not transition cost; high)",
        ge=0.0, le=1000.0, plausible=(2.0, 12.0), kind=UNCERTAIN, acts=ALWAYS)
    disruption_months: int = param(
        18, "Months of disruption after a merger (every merger)", "months",
        "facts.csv: merger_fulop_2002_service_delay_months (planned service developments "
        "delayed by at least 18 months; high)", ge=0, le=120, plausible=(12, 36),
        kind=UNCERTAIN, acts=ALWAYS)
    disruption_capacity_loss: float = share(
        0.3, "Absorptive capacity lost during disruption", plausible=(0.15, 0.5),
        kind=UNCERTAIN, acts=ALWAYS)
    scale_economy_exponent: float = param(
        0.7, "Per-member cost of a group pilot is cost x group_size^(exponent - 1)",
        "dimensionless", ge=0.0, le=1.0, plausible=(0.5, 0.9), kind=UNCERTAIN, acts=ALWAYS)
    back_office_saving_share: float = param(
        0.005, "Yearly saving in corporate overheads and clinical support of a trust in a "
        "merged unit, as a share of its turnover, once the lag has passed (every merger)",
        "share of turnover a year", "facts.csv: merger_monitor_overhead_savings (1-3 % of "
        "merged turnover in six mergers Monitor reviewed, high) sets the high end; "
        "merger_hutchings_2003_savings_below_target and merger_gaynor_2012_share_merged (little "
        "evidence of gains across England's mergers) set the low end at 0; the default is "
        "between the two",
        ge=0.0, le=0.2, plausible=(0.0, 0.03), kind=UNCERTAIN, acts=ALWAYS)
    back_office_saving_lag_months: int = param(
        24, "Months after a trust's first merger before its back-office saving is realised",
        "months", "facts.csv: merger_hutchings_2003_savings_below_target (savings in the first "
        "two years below target); merger_monitor_overhead_savings (realised relatively "
        "quickly)", ge=0, le=120, plausible=(12, 36), kind=UNCERTAIN, acts=ALWAYS)
    group_governance_share: float = share(
        0.3, "Share of the fade of a championless pilot that a merged unit's group governance "
        "removes: ownership is shared across its boards (every merger)", "assumption: seed "
        "001 on hero dependency, seed 003 on group models", (0.1, 0.5), kind=UNCERTAIN, acts=ALWAYS)
    winter_shielding_share: float = share(
        0.3, "Share of operational pressure's capacity loss a trust in a merged unit avoids: "
        "planned care moves to a site protected from emergency demand (every merger)",
        "assumption within facts.csv: surgical_hubs_dec2025 (123 elective surgical hubs "
        "operating; high) shows the model exists, not its size", (0.0, 0.5),
        kind=UNCERTAIN, acts=ALWAYS)
    spillover_to_icb_trusts_share: float = share(
        0.3, "Share of an innovation's benefit landing outside the adopting trust that lands "
        "on the other trusts of its ICB (the rest on primary, community and social care); a "
        "merged unit counts what lands on its members as its own (every merger)",
        "assumption: seed 003 on spillovers internalised by groups", (0.1, 0.5),
        kind=UNCERTAIN, acts=ALWAYS)
    volume_outcome_gain: float = param(
        0.15, "Extra effect of volume-sensitive innovations per doubling of group size",
        "share per doubling", ge=0.0, le=2.0, plausible=(0.05, 0.3), kind=UNCERTAIN, acts=ALWAYS)


class StrategyConfig(Strict):
    """A strategy: any combination of mechanisms (the blocks with an ``enabled`` flag)."""

    name: str = Field(BASELINE_STRATEGY, description="Label for results",
                      pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field("", description="Name shown in reports and the workshop (empty: the "
                       "name with spaces, capitalised)", max_length=60)
    scaler: ScalerConfig = ScalerConfig()
    open_platform: OpenPlatformConfig = OpenPlatformConfig()
    consolidation: ConsolidationConfig = ConsolidationConfig()
    spend_cap_gbp_m: float | None = param(
        None, "Most the strategy's own programme may commit over the run: the scaler's fees "
        "and lock-in fees, the platform's national cost and trusts' charges for taking part, "
        "the transition cost of the mergers the programme adds. In the month the sum reaches "
        "the cap the programme ends, as it does when a government stops it; what was done "
        "stays. None: no cap. The lever of an equal-cost comparison", "GBP m over the run",
        "assumption: a spending envelope set by the centre", ge=0.0, le=100000.0,
        plausible=(5.0, 1000.0), acts=WHEN_ON)


MECHANISMS = tuple(name for name, field in StrategyConfig.model_fields.items()
                   if isinstance(field.annotation, type) and issubclass(field.annotation, Strict)
                   and "enabled" in field.annotation.model_fields)


def mechanisms_on(strategy: StrategyConfig) -> tuple[str, ...]:
    """The mechanisms a strategy switches on, in the order of ``MECHANISMS``."""
    return tuple(m for m in MECHANISMS if getattr(strategy, m).enabled)


def strategy_label(strategy: StrategyConfig) -> str:
    """A strategy's display name: its ``label``, or its name with spaces, capitalised."""
    return strategy.label or strategy.name.replace("_", " ").capitalize()
