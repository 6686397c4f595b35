"""The record's dated series beside the model's runs on the same calendar.

``abm/data/dated_series.csv`` holds every dated count the record gives for the
innovations national programmes pushed: trusts without an EPR, community
diagnostic centre sites, elective surgical hubs and virtual ward beds, each
point with its facts.csv key and a role: ``fit`` (a point a calibration may fit)
or ``holdout`` (the last points of each series, kept out of any fit and
predicted). The model's value of a point is read from its runs at the end of the
point's calendar month (the run's start is ``scenario.start.date``), per
replication:

* trusts without an EPR: relevant trusts less those with it embedded (a trust
  implementing one is still without, as the record counts it);
* CDC sites, surgical hubs, virtual ward beds: trusts running the innovation
  (piloting or embedded) times ``scenario.observation.cdc_sites_per_trust``,
  ``surgical_hubs_per_trust`` or ``virtual_ward_beds_per_trust``.

The hindcast experiment runs the status quo of a scenario that starts before the
record's points (``england_hindcast``, April 2021) and gives each point the
model's median and 95 % band over replications, and whether the record lies in
the band. Points outside the run's months are left out and said so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import RunConfig
from ..inputs import DataError, months_after_start, read_table

SERIES = {  # series -> (innovation, what is counted, observation setting or None)
    "epr_trusts_without": ("electronic_patient_record", "without", None),
    "cdc_sites": ("community_diagnostic_centre", "users", "cdc_sites_per_trust"),
    "surgical_hubs": ("elective_surgical_hub", "users", "surgical_hubs_per_trust"),
    "virtual_ward_beds": ("virtual_wards", "users", "virtual_ward_beds_per_trust"),
}
LABELS = {"epr_trusts_without": "Trusts without an EPR", "cdc_sites": "Community diagnostic "
          "centre sites", "surgical_hubs": "Elective surgical hubs",
          "virtual_ward_beds": "Virtual ward beds"}
ROLES = ("fit", "holdout")
BAND = (0.025, 0.975)


def dated_series() -> pd.DataFrame:
    """The record's dated points, checked.

    Raises:
        DataError: On an unknown series or role, a malformed date, a value that is
            not a non-negative number, or a point given twice.
    """
    table = read_table("dated_series.csv")
    where = "dated_series.csv"
    for row in table.itertuples():
        if row.series not in SERIES:
            raise DataError(f"{where}: series {row.series!r}; allowed: {list(SERIES)}")
        if row.role not in ROLES:
            raise DataError(f"{where}: role {row.role!r}; allowed: {list(ROLES)}")
        try:
            months_after_start(row.date)
            value = float(row.value)
        except ValueError:
            raise DataError(f"{where}: {row.series} {row.date!r} {row.value!r}: a date "
                            "YYYY-MM and a number are needed") from None
        if not value >= 0:
            raise DataError(f"{where}: {row.series} {row.date}: value {value} is negative")
    if table.duplicated(["series", "date"]).any():
        raise DataError(f"{where}: a series has two points for one month")
    return table.assign(value=table["value"].astype(float))


def calendar_month(start: str, step: int) -> str:
    """The calendar month ("YYYY-MM") whose end is step ``step`` of a run started at ``start``."""
    year, month = (int(part) for part in start.split("-"))
    index = year * 12 + (month - 1) + step - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def monthly_values(innovation_steps: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Every series' model value for each replication and month of the run.

    Returns:
        One row per series, replication and step: series, replication, date, model.
    """
    observation, start = cfg.scenario.observation, cfg.scenario.start.date
    frames = []
    for series, (innovation, counted, per_trust) in SERIES.items():
        part = innovation_steps[innovation_steps["innovation"] == innovation]
        if counted == "without":
            value = part["relevant_trusts"] - part["n_embedded"]
        else:
            value = (part["n_piloting"] + part["n_embedded"]) * getattr(observation, per_trust)
        frames.append(pd.DataFrame({
            "series": series, "replication": part["replication"].to_numpy(),
            "date": [calendar_month(start, int(s)) for s in part["step"]],
            "model": value.to_numpy(dtype=float)}))
    return pd.concat(frames, ignore_index=True)


def monthly_bands(values: pd.DataFrame) -> pd.DataFrame:
    """Median and 95 % band over replications of ``monthly_values``, per series and month."""
    grouped = values.groupby(["series", "date"], sort=False)["model"]
    return pd.DataFrame({"model_median": grouped.median(),
                         "model_low": grouped.quantile(BAND[0]),
                         "model_high": grouped.quantile(BAND[1])}).reset_index()


def model_points(innovation_steps: pd.DataFrame, cfg: RunConfig,
                 points: pd.DataFrame) -> pd.DataFrame:
    """The model's value of every point within the run, per replication.

    Args:
        innovation_steps: Month-by-month counts of the runs (one strategy).
        cfg: The run's configuration (start date, months, observation settings).
        points: The record's points (``dated_series``).

    Returns:
        One row per point and replication: series, date, replication, model.
    """
    observation, start = cfg.scenario.observation, cfg.scenario.start.date
    frames = []
    for row in points.itertuples():
        step = months_after_start(row.date, start) + 1  # the end of the point's month
        if not 1 <= step <= cfg.months:
            continue
        innovation, counted, per_trust = SERIES[row.series]
        at = innovation_steps[(innovation_steps["innovation"] == innovation)
                              & (innovation_steps["step"] == step)]
        if counted == "without":
            value = at["relevant_trusts"] - at["n_embedded"]
        else:
            value = (at["n_piloting"] + at["n_embedded"]) * getattr(observation, per_trust)
        frames.append(pd.DataFrame({"series": row.series, "date": row.date,
                                    "replication": at["replication"].to_numpy(),
                                    "model": value.to_numpy(dtype=float)}))
    if not frames:
        return pd.DataFrame(columns=["series", "date", "replication", "model"])
    return pd.concat(frames, ignore_index=True)


def bands(values: pd.DataFrame, points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each point of the record beside the model's median and 95 % band.

    Args:
        values: The model's value of each point per replication (``model_points``).
        points: The record's points (``dated_series`` when None).

    Returns:
        One row per point of the record: series, date, role, record, facts, the
        model's mean, median, 2.5 and 97.5 percentiles over replications, whether
        the record lies in the band, and ``in_run`` (False: the point falls outside
        the run's months and has no model values).
    """
    points = dated_series() if points is None else points
    summary = values.groupby(["series", "date"], sort=False)["model"].agg(
        model_mean="mean", model_median="median",
        model_low=lambda v: v.quantile(BAND[0]), model_high=lambda v: v.quantile(BAND[1]),
        replications="size").reset_index()
    table = points.rename(columns={"value": "record"}).merge(summary, on=["series", "date"],
                                                             how="left")
    table["in_run"] = table["replications"].notna()
    table["replications"] = table["replications"].fillna(0).astype(int)
    inside = (table["record"] >= table["model_low"]) & (table["record"] <= table["model_high"])
    table["inside_band"] = inside & table["in_run"]
    return table[["series", "date", "role", "record", "facts", "model_mean", "model_median",
                  "model_low", "model_high", "replications", "inside_band", "in_run"]]


def tables(innovation_steps: pd.DataFrame, cfg: RunConfig) -> dict[str, pd.DataFrame]:
    """The hindcast tables (``hindcast``, ``hindcast_bands``) for runs at one configuration."""
    points = dated_series()
    return {"hindcast": bands(model_points(innovation_steps, cfg, points), points),
            "hindcast_bands": monthly_bands(monthly_values(innovation_steps, cfg))}


def format_bands(table: pd.DataFrame) -> str:
    """The points as text: record, model median and band, inside or not."""
    lines = ["The record's dated points beside the model (status quo; median and 95 % band "
             "over replications; holdout points are kept out of any fit)"]
    for series, group in table.groupby("series", sort=False):
        lines.append(f"  {LABELS[series]}:")
        for row in group.itertuples():
            if not row.in_run:
                lines.append(f"    {row.date}  record {row.record:>8,.0f}  (outside the run)")
                continue
            mark = "inside" if row.inside_band else "outside"
            lines.append(f"    {row.date}  record {row.record:>8,.0f}  model "
                         f"{row.model_median:>8,.0f} [{row.model_low:,.0f}, "
                         f"{row.model_high:,.0f}]  {mark}  ({row.role})")
    in_run = table[table["in_run"]]
    for role in ROLES:
        part = in_run[in_run["role"] == role]
        if len(part):
            lines.append(f"  {role} points inside the band: {int(part['inside_band'].sum())} "
                         f"of {len(part)}")
    return "\n".join(lines)


def coverage(table: pd.DataFrame) -> dict[str, float]:
    """Share of the points within the run whose record lies in the band, by role."""
    in_run = table[table["in_run"]]
    return {role: float(np.mean(in_run.loc[in_run["role"] == role, "inside_band"]))
            for role in ROLES if (in_run["role"] == role).any()}
