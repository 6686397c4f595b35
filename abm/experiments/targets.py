"""Calibration targets from the NHS record and the model statistics compared with them.

Which targets a run meets depends on when it starts (``targets_for``). A run from
April 2021 (the hindcast; the shipped calibration) meets every dated point of
``abm/data/dated_series.csv`` on the calendar, with the merger rate
(``dated_targets``, ``dated_statistics``; each series weighs the same). A run from
April 2025 meets the summary targets below.

Each summary target is a published series from ``facts.csv`` (rows with a source;
the confidence column is carried through), turned into one number the status quo
can be compared with without changing a mechanism:

* **EPR holdouts** (30 trusts without an EPR in June 2022, 21 in November 2023,
  19 in May 2025): the yearly hazard with which a holdout goes live,
  ln(30 / 19) / (35 / 12) = 0.157 per year. The model starts in April 2025 with
  the 20 holdouts of the January 2024 FOI return, none of them part-way through
  an implementation, and an EPR implementation (its pilot) takes 24 months; so
  the model's hazard is measured over months 24 to 60, once go-lives can happen.
* **Community diagnostic centres** (108 open in June 2023, 127 in October 2023,
  170 sites in December 2025): the model starts every innovation but the EPR
  un-adopted, while the real programme was well advanced by April 2025; the
  model's CDC programme is therefore compared on the programme's own clock
  (months since its launch in July 2021: 23, 27 and 53), as sites =
  ``scenario.observation.cdc_sites_per_trust`` x trusts running a CDC
  (piloting or embedded).
* **Slow spread of practice**: the median drug took 8.2 years to adoption
  (IQR 4.9 to 12.1): in the model, half of the innovation-runs of innovations
  that are neither national programmes nor adopted at the start reach 50 % of
  relevant trusts embedded within 8.2 years.
* **Background consolidation**: about 3 trusts absorbed a year (2014 to 2025):
  realised mergers per year in the status quo.

Checks that are not distances (reported beside the predictive bands): the
17-year research-to-practice lag as an order of magnitude, and Bass q well above
p (imitation-driven spread).

References:
    Dunn, A. G. et al. (2012). BMC Health Services Research 12:248.
    Morris, Z. S., Wooding, S. and Grant, J. (2011). J R Soc Med 104(12):510-520.
    Mennemeyer, S. T. et al. (2015). JAMIA 23(2):375-379.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

EPR = "electronic_patient_record"
CDC = "community_diagnostic_centre"
MONTHS_PER_YEAR = 12.0
EPR_WINDOW_MONTHS = (24, 60)
CDC_MONTHS = {"cdc_sites_month_23": 23, "cdc_sites_month_27": 27, "cdc_sites_month_53": 53}
DRUG_MEDIAN_YEARS = 8.2


@dataclass(frozen=True)
class Target:
    """One number from the record and how far from it the model may be.

    ``scale`` is the distance's unit for this target: a difference of one scale
    counts as much as a difference of one scale on any other target.
    """

    key: str
    description: str
    observed: float
    unit: str
    scale: float
    facts: str
    confidence: str
    role: str = "fit"  # "fit" (in the distance), "holdout" or "check"


TARGETS = (
    Target("epr_holdout_golive_per_year",
           "Yearly hazard with which a trust without an EPR goes live (30 in June 2022 to 19 "
           "in May 2025); model: months 24 to 60", float(np.log(30 / 19) / (35 / 12)),
           "per year", 0.05, "epr_status_june2022, epr_90pct_target_met, "
           "epr_trusts_without_may2025", "medium (30 and 19), high (21)"),
    Target("cdc_sites_month_23", "Community diagnostic centres open 23 months after the "
           "programme's launch (June 2023)", 108.0, "sites", 10.0, "cdc_open_jun2023", "high"),
    Target("cdc_sites_month_27", "Community diagnostic centres open 27 months after launch "
           "(October 2023)", 127.0, "sites", 10.0, "cdc_open_oct2023", "medium"),
    Target("cdc_sites_month_53", "Community diagnostic centre sites 53 months after launch "
           "(December 2025)", 170.0, "sites", 10.0, "cdc_sites_dec2025", "high", "holdout"),
    Target("share_reaching_half_by_8_2_years", "Share of innovation-runs (not national "
           "programmes, not adopted at the start) with 50 % of relevant trusts embedded within "
           "8.2 years (median drug: 8.2 years, IQR 4.9 to 12.1)", 0.5, "share", 0.15,
           "drug_adoption_median_time", "high (drugs in Australia: an analogy)"),
    Target("mergers_per_year", "Trusts absorbed in mergers per year, status quo", 3.0,
           "trusts per year", 0.5, "trust_mergers_per_year, trust_acquisitions_2014_2025",
           "medium (2.4 a year is a lower bound)"),
    Target("median_years_to_half", "Median years to 50 % embedded, censored at the horizon "
           "(17-year research-to-practice lag as an order of magnitude: consistent if at "
           "least 17 / 3 years)", 17.0, "years", np.nan, "research_to_practice_lag",
           "high (the review warns the measures are not comparable)", "check"),
    Target("bass_q_over_p", "Bass q / p fitted to the model's adoption curves, median over "
           "innovations (imitation-driven spread: consistent if well above 1; literature "
           "means q 0.38, p 0.03)", 0.38 / 0.03, "ratio", np.nan,
           "bass_q_mean, bass_p_mean, bass_health_ehr_note", "medium", "check"),
)
TARGET_KEYS = tuple(t.key for t in TARGETS)
DISTANCE_KEYS = tuple(t.key for t in TARGETS if t.role != "check")


def target(key: str) -> Target:
    """The target named ``key`` (of either set)."""
    return {t.key: t for t in (*TARGETS, *dated_targets())}[key]


# Tolerance of one point of each dated series: about the month-to-month change the
# record shows (an assumption); divided by the square root of the series' fitted points,
# so that each series weighs as much as any other in the distance (pattern-oriented).
SERIES_SCALE = {"epr_trusts_without": 3.0, "cdc_sites": 10.0, "surgical_hubs": 8.0,
                "virtual_ward_beds": 800.0}
SERIES_UNIT = {"epr_trusts_without": "trusts", "cdc_sites": "sites", "surgical_hubs": "hubs",
               "virtual_ward_beds": "beds"}
RECORD_START = "2021-04"  # a run from this date is compared with the dated series


def dated_key(series: str, date: str) -> str:
    """The target key of one dated point, e.g. ``cdc_sites_2023_06``."""
    return f"{series}_{date.replace('-', '_')}"


@cache
def dated_targets() -> tuple[Target, ...]:
    """Every dated point of the record as a target, and the merger rate (a run from 2021).

    A point's role (fit or holdout) is the record's own (``dated_series.csv``).
    """
    from ..inputs import read_table
    from .hindcast import LABELS, dated_series

    points = dated_series()
    confidence = dict(zip(*(read_table("facts.csv")[c] for c in ("key", "confidence")),
                          strict=True))
    fitted = points[points["role"] == "fit"].groupby("series").size()
    found = []
    for row in points.itertuples():
        scale = SERIES_SCALE[row.series] * float(np.sqrt(fitted.get(row.series, 1)))
        found.append(Target(dated_key(row.series, row.date),
                            f"{LABELS[row.series]}, {row.date} (record: {row.note})",
                            float(row.value), SERIES_UNIT[row.series], scale, row.facts,
                            confidence.get(row.facts, "n/a"), row.role))
    mergers = next(t for t in TARGETS if t.key == "mergers_per_year")
    return (*found, mergers)


def targets_for(start: str) -> tuple[Target, ...]:
    """The targets a run starting at ``start`` is compared with.

    From April 2021 (the hindcast): every dated point and the merger rate. From April
    2025: the summary targets above (CDC sites on the programme's clock, the EPR
    hazard, the drug benchmark, the merger rate) and their checks.
    """
    return dated_targets() if start == RECORD_START else TARGETS


def _at_step(frame: pd.DataFrame, innovation: str, step: int) -> pd.DataFrame:
    return frame[(frame["innovation"] == innovation) & (frame["step"] == step)]


def comparable_innovations(national_programme: dict[str, bool]) -> list[str]:
    """Innovations whose spread is compared with the drug series (no mandate, not at start)."""
    return [name for name, national in national_programme.items()
            if not national and name != EPR]


def summary_statistics(innovation_steps: pd.DataFrame, runs: pd.DataFrame,
                       run_innovations: pd.DataFrame, months: int, cdc_sites_per_trust: float,
                       comparable: list[str]) -> dict[str, float]:
    """The model's value of every distance target, over a group of replications.

    Args:
        innovation_steps: Month-by-month lifecycle counts of the group's replications.
        runs: Per-run totals of the group's replications.
        run_innovations: Per-run, per-innovation months to 50 % embedded.
        months: Months simulated (at least 60).
        cdc_sites_per_trust: Sites per trust running a CDC (observation parameter).
        comparable: Innovations compared with the drug series.

    Returns:
        Target key -> model value (means over the group's replications).
    """
    first, last = EPR_WINDOW_MONTHS
    epr = {m: _at_step(innovation_steps, EPR, m) for m in (first, last)}
    holdouts = {m: float((t["relevant_trusts"] - t["n_embedded"]).mean()) for m, t in epr.items()}
    # half a trust added to both counts keeps the hazard finite when every holdout went live
    hazard = np.log((holdouts[first] + 0.5) / (holdouts[last] + 0.5)) / (
        (last - first) / MONTHS_PER_YEAR)
    values = {"epr_holdout_golive_per_year": float(hazard)}
    for key, month in CDC_MONTHS.items():
        cdc = _at_step(innovation_steps, CDC, month)
        values[key] = float(cdc_sites_per_trust * (cdc["n_piloting"] + cdc["n_embedded"]).mean())
    chosen = run_innovations[run_innovations["innovation"].isin(comparable)]
    within = chosen["time_to_50pct_months"] <= DRUG_MEDIAN_YEARS * MONTHS_PER_YEAR
    values["share_reaching_half_by_8_2_years"] = float(within.mean())
    values["mergers_per_year"] = float(runs["mergers"].mean() / (months / MONTHS_PER_YEAR))
    return values


def median_years_to_half(run_innovations: pd.DataFrame, comparable: list[str],
                         months: int) -> float:
    """Median years to 50 % embedded over innovation-runs; never-reached counts as censored.

    Returns the horizon (10 years for 120 months) when more than half never get there.
    """
    chosen = run_innovations[run_innovations["innovation"].isin(comparable)]
    reached = chosen["time_to_50pct_months"].fillna(np.inf).to_numpy()
    return float(min(np.median(reached), months) / MONTHS_PER_YEAR)


def dated_statistics(innovation_steps: pd.DataFrame, runs: pd.DataFrame, cfg) -> dict[str, float]:
    """The model's value of every dated target within the run, over a group of replications.

    Args:
        innovation_steps: Month-by-month lifecycle counts of the group's replications.
        runs: Per-run totals of the group's replications.
        cfg: The run's configuration (start date, months, observation settings).

    Returns:
        Target key -> model value (means over the group's replications); points
        outside the run are left out.
    """
    from .hindcast import dated_series, model_points

    values = model_points(innovation_steps, cfg, dated_series())
    means = values.groupby(["series", "date"], sort=False)["model"].mean()
    out = {dated_key(series, date): float(v) for (series, date), v in means.items()}
    out["mergers_per_year"] = float(runs["mergers"].mean() / (cfg.months / MONTHS_PER_YEAR))
    return out
