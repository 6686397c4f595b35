"""The scenario's settings: England's trusts and ICBs and the uncertain conditions.

One block per part of the world the model describes (population, diffusion,
barriers, pressure, ICBs, government, vendors, finance, observation, appraisal), each
parameter with its meaning, unit, allowed and plausible range and source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .fields import Strict, param, share
from .inputs import trust_count

SCENARIO_NAMES = ("england", "england_calibrated", "england_hindcast", "england_flat")


class PopulationConfig(Strict):
    """Trust attributes drawn at initialisation (beyond the cited data)."""

    risk_aversion_mean: float = share(
        0.6, "Mean trust risk aversion (weight on uncertainty in the adoption decision)",
        "assumption: NHS boards described as risk-averse in seed 001", (0.3, 0.85),
        workshop="Risk aversion of trust boards (mean)")
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
        (0.45, 0.75),
        workshop="Digital maturity of trusts with an EPR (mean)")
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
    communication_reach_per_year: float = share(
        0.02, "Share of the remaining local peer weight (ICB and region) moved to peers across "
        "England each year, as communication gets cheaper (every strategy)",
        "assumption: seed 002 takes the fall in communication costs since 2000 as a fact of "
        "the world; the start is the world as it is, so the reach grows from 0", (0.0, 0.05))
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


class EffectConfig(Strict):
    """True effects: what an innovation really does, which the catalogue only estimates.

    Each replication draws every innovation's true effect from its catalogue mean and
    evidence uncertainty, so an innovation can disappoint or do harm; each trust's
    context moves it further. Pilots reveal the effect in the trust that ran them, and
    what trusts believe about it moves with the pilots they see (ODD section 7.4).
    """

    true_effect_spread: float = param(
        1.0, "Standard deviation of an innovation's true effect, as a multiple of its "
        "catalogue evidence uncertainty (coefficient of variation): its true effect is the "
        "catalogue mean x (1 + spread x uncertainty x a standard normal draw), so it can be "
        "negative (harm)", "multiple of the coefficient of variation",
        "assumption: 1 reads the catalogue's evidence uncertainty as the spread of the effect "
        "itself; below 1 the catalogue is over-cautious, above 1 over-confident (published "
        "trial effects shrink on replication)", ge=0.0, le=5.0, plausible=(0.5, 1.5))
    context_effect_spread: float = param(
        0.5, "Standard deviation of a trust's own effect around the true effect, per unit of "
        "the innovation's adaptation need (the fit to local context)", "share of the effect "
        "per unit of adaptation need", "assumption: seed 000 and 002 on innovations that "
        "work in one setting and not another; adaptation need measures how much the local "
        "context matters", ge=0.0, le=5.0, plausible=(0.0, 1.0))


class PressureConfig(Strict):
    """Operational pressure: bed occupancy with its seasonal winter peak."""

    safe_occupancy_share: float = share(
        0.85, "Occupancy below which a trust feels no operational pressure",
        "facts.csv: bed_occupancy_safe_threshold (medium)", (0.82, 0.88))
    occupancy_scale: float = param(
        1.0, "Multiplier on the cited seasonal occupancy excess over the safe level",
        "ratio", "facts.csv: ga_occupancy_monthly.csv profile (high)", ge=0.0, le=3.0,
        plausible=(0.8, 1.3),
        workshop="Operational pressure (x the cited winter excess)")
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
        "assumption: pooled budgets are rare (seed 003 area 10)", (0.0, 0.6),
        workshop="Pooled budgets (share, mean over ICBs)")
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
    merged_boards: bool = Field(
        True, description="From April 2026 (month 12) the twelve ICBs abolished on 1 April 2026 "
        "act as the six boards that succeeded them (abm/data/icbs.csv: board_from_2026_04_01, "
        "a split ICB placed whole with the successor taking most of its residents): one "
        "priority domain a year, one scale-up fund, one peer group and shared evidence from "
        "pilots (the default); off: the 42 ICBs of 2025 govern throughout",
        json_schema_extra={"unit": "flag", "source": "facts.csv: icb_count_2026, "
                           "icb_abolition_2026 (high); split ICBs placed by assumption"})


class GovernmentConfig(Strict):
    """National funding, programmes and the election cycle."""

    election_cycle_months: int = param(
        60, "Months between general elections", "months",
        "facts.csv: parliament_max_term (high)", ge=1, le=600, plausible=(48, 60),
        workshop="Months between general elections")
    first_election_month: int = param(
        51, "Month of the first election after the start (April 2025 start: July 2029)",
        "months", "facts.csv: last_general_election, next_election_latest (low)",
        ge=0, le=600, plausible=(40, 60))
    programme_reset_probability: float = share(
        0.5, "Chance that a new government drops each national programme after an election",
        "assumption: facts.csv nhs_reorganisation_interval shows frequent resets", (0.2, 0.8))
    reform_stop_probability: float = share(
        0.3, "Chance that a new government stops the reform strategy at an election, whatever "
        "it is: the scaler's contract ends, the open platform is defunded, the merger "
        "programme halts (mergers done stay done)", "assumption: facts.csv "
        "nhs_reorganisation_interval shows frequent resets; a strategy is less exposed than a "
        "single programme because it has more constituencies", (0.1, 0.6))
    national_subsidy_share: float = share(
        0.6, "Share of a national programme's pilot and running cost paid nationally (flat "
        "programmes: every innovation under 'programmes: flat', and under 'recorded' those "
        "without a row in abm/data/programmes.csv)", "assumption", (0.3, 0.9))
    programmes: Literal["flat", "recorded"] = Field(
        "recorded", description="How national programmes work. 'recorded' (the default): each "
        "programme of "
        "abm/data/programmes.csv runs on its own dates, funds sites it chooses (nationally or "
        "by systems' bids) with a grant per site to reach its target by its deadline, meets "
        "a share of open sites' running costs until its revenue ends (the cliff edge), and "
        "its cost falls on the centre; 'flat': every national programme of the catalogue is "
        "live from the start and pays national_subsidy_share of every trust's costs",
        json_schema_extra={"unit": "label", "source": "facts.csv via abm/data/programmes.csv"})
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
    """Money equivalents of benefit, and how trusts pay for change."""

    cost_per_bed_day_gbp: float = param(
        400.0, "Value of one general and acute bed day saved", "GBP per bed day",
        "assumption: NHS reference costs put an excess bed day at about GBP 300-450",
        ge=0.0, le=5000.0, plausible=(300.0, 600.0))
    financing: Literal["yearly", "multi_year"] = Field(
        "multi_year", description="How trusts pay for change. 'yearly': the trust's whole share "
        "of a pilot must be affordable from this year's transformation budget, and all of it "
        "is revenue; 'multi_year' (the default): a trust must be able to meet only the first "
        "financed_months of an implementation when it starts (the rest falls in later "
        "years, as trusts finance large implementations), and the catalogue's capital_share "
        "of it is paid from a yearly capital allocation for change "
        "(capital_for_change_share), what that cannot pay falling on the revenue budget",
        json_schema_extra={"unit": "label", "source": "facts.csv: capital_regime_operating_vs_"
                           "pdc (high); assumption: the rule a trust's board applies"})
    capital_for_change_share: float = param(
        0.002, "Share of a trust's turnover available each year as capital for change "
        "(financing: multi_year): operational capital left after maintenance, backlog and "
        "equipment replacement; unspent capital lapses at the year end", "share of turnover",
        "facts.csv: dhsc_cdel_2024_25_outturn, providers_share_dhsc_capital_2021_22 (high): "
        "providers spend about 8.6 GBP bn of capital a year, 7 % of their turnover; "
        "assumption: most of it maintains and replaces, so the part for change is a judgement",
        ge=0.0, le=0.1, plausible=(0.001, 0.006))
    financed_months: int = param(
        12, "Months of an implementation's cost a trust must be able to meet when it starts "
        "(financing: multi_year)", "months", "assumption: one financial year, as a business "
        "case phases its costs", ge=1, le=60, plausible=(6, 24))


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
    surgical_hubs_per_trust: float = param(
        1.0, "Elective surgical hubs per trust running the elective_surgical_hub innovation "
        "(piloting or embedded)", "hubs per trust", "assumption: one hub a host trust; some "
        "trusts host two, some hubs serve several trusts (facts.csv: surgical_hubs_dec2025, "
        "123 hubs, against 134 relevant acute trusts)", ge=0.1, le=10.0, plausible=(0.8, 1.3))
    virtual_ward_beds_per_trust: float = param(
        80.0, "Virtual ward beds per trust running the virtual_wards innovation (piloting or "
        "embedded)", "beds per trust", "assumption: 12,651 beds in October 2024 (facts.csv: "
        "virtual_ward_capacity_oct2024, medium) over the 177 trusts the innovation is relevant "
        "to gives 71 if every one ran a virtual ward; fewer do", ge=1.0, le=1000.0,
        plausible=(50.0, 130.0))


class AppraisalConfig(Strict):
    """How a run's money is appraised, as a UK business case would (HM Treasury's Green Book).

    These do not change the simulation: they turn its monthly costs and benefits
    into present values. They are conventions and one stated assumption about the
    future (persistence), not uncertainties of the model, so experiments that
    sample the uncertainties leave them alone; the robust comparison judges NPSV
    both with the default persistence and with none.
    """

    price_base_year: Literal[2025] = Field(
        2025, description="Year whose prices every sum is in (real prices: the model has no "
        "inflation, and its costs and values are taken as prices of the financial year that "
        "starts in April of this year, the first year of the appraisal)",
        json_schema_extra={"unit": "label", "source": "assumption: the catalogue's costs and "
                           "the value of a bed day are current estimates, used without a "
                           "deflator"})
    discount_rate: float = param(
        0.035, "Social time preference rate: a cost or benefit in year y of the appraisal "
        "weighs 1 / (1 + rate)^y (year 0, the run's first 12 months, is not discounted)",
        "share a year", "facts.csv: green_book_stpr_years_0_30 (the low end is the rate "
        "without pure time preference that the Green Book's 2026 review considers)", ge=0.0, le=0.2,
        plausible=(0.03, 0.035))
    discount_rate_after_30_years: float = param(
        0.03, "Social time preference rate from year 31 of the appraisal", "share a year",
        "facts.csv: green_book_stpr_years_31_75", ge=0.0, le=0.2, plausible=(0.025, 0.03))
    health_discount_rate: float = param(
        0.015, "The Green Book's lower rate for health effects. The model values bed days "
        "freed at their cost (a resource, not a health effect), so the headline discounts "
        "them at the social time preference rate; npsv_bed_days_at_health_rate_gbp_m "
        "discounts them at this rate instead, as a sensitivity", "share a year",
        "facts.csv: green_book_health_discount_rate", ge=0.0, le=0.2, plausible=(0.01, 0.015))
    persistence_years: float = param(
        5.0, "Years after the simulated horizon for which what is embedded at the end keeps "
        "yielding its last month's benefit and savings, less its running costs, falling at "
        "the model's own rate of discontinuation "
        "(diffusion.embedded_discontinuation_per_year); counted in present values as a "
        "residual value", "years", "assumption within facts.csv: green_book_residual_value "
        "(a residual value at the end of the appraisal period is to be counted); how long a "
        "redesign embedded in a trust's practice keeps yielding is not in the record, so "
        "npsv_no_persistence_gbp_m gives the low end of the range beside it", ge=0.0,
        le=60.0, plausible=(0.0, 10.0))
    optimism_bias: float = param(
        0.41, "Share by which costs are raised in the optimism-bias sensitivity "
        "(npsv_optimism_bias_gbp_m, bcr_optimism_bias). The Green Book applies such an "
        "uplift in the central case and lowers it as risks are costed; here the headline "
        "leaves costs as the model makes them and this column shows the uplift", "share of "
        "cost", "facts.csv: green_book_optimism_bias_outsourcing_opex_upper, "
        "green_book_optimism_bias_equipment_capex_lower, "
        "green_book_optimism_bias_equipment_capex_upper (the default is the upper bound for "
        "outsourcing, since most of the model's costs are products and services bought in "
        "and run; the plausible range spans the bounds for equipment and development)",
        ge=0.0, le=5.0, plausible=(0.1, 2.0))


class StartConfig(Strict):
    """When the run starts, and what is in use at month 0 beyond the named trusts' EPRs."""

    date: Literal["2025-04", "2021-04"] = Field(
        "2025-04", description="Calendar month of month 0, the start of a financial year: "
        "April 2025 (the default) or April 2021 (the hindcast); dated inputs (national "
        "programmes, the ICB mergers of April 2026) fall in the run on their dates. Elections "
        "are set by government.first_election_month, counted from this month",
        json_schema_extra={"unit": "label", "source": "assumption: the run's calendar"})
    recorded: Literal["none", "2025-04", "2021-04"] = Field(
        "2025-04", description="Start each innovation at the shares of relevant trusts "
        "embedded and piloting that the record gives for this date (abm/data/start_state.csv, "
        "each row with its facts.csv keys, range and confidence; the default: April 2025); "
        "'none': only the EPRs named in trusts.csv are in use",
        json_schema_extra={"unit": "label", "source": "facts.csv via abm/data/start_state.csv"})

    @model_validator(mode="after")
    def _recorded_at_the_start(self) -> StartConfig:
        if self.recorded not in ("none", self.date):
            raise ValueError(f"recorded {self.recorded!r} is not the run's start date "
                             f"{self.date!r}; allowed: 'none' or {self.date!r}")
        return self


class ScenarioConfig(Strict):
    """The setting: England's trusts and ICBs plus the uncertain conditions."""

    name: Literal[SCENARIO_NAMES] = Field(
        "england", description="Scenario name (england: England as the record shows it in "
        "April 2025, run as the NHS runs; england_calibrated: the same with the values "
        "fitted to the record; england_hindcast: the same started in April 2021; "
        "england_flat: the structure before it was grounded, every innovation but the named "
        "EPRs un-adopted, flat programmes, yearly financing, 42 ICBs throughout)")
    population: PopulationConfig = PopulationConfig()
    diffusion: DiffusionConfig = DiffusionConfig()
    barriers: BarrierConfig = BarrierConfig()
    effects: EffectConfig = EffectConfig()
    pressure: PressureConfig = PressureConfig()
    icb: ICBConfig = ICBConfig()
    government: GovernmentConfig = GovernmentConfig()
    vendors: VendorConfig = VendorConfig()
    finance: FinanceConfig = FinanceConfig()
    observation: ObservationConfig = ObservationConfig()
    appraisal: AppraisalConfig = AppraisalConfig()
    start: StartConfig = StartConfig()
