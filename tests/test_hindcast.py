"""The record's dated series beside the model (``abm.experiments.hindcast``).

* The data: every point names a known series, a date, a value, a facts.csv key that
  exists, and a role; at least two series have held-out points.
* The calendar: a point's month is read at the end of that month of the run.
* Model values: trusts without an EPR are relevant less embedded; counts of sites,
  hubs and beds are users times the observation setting; points outside the run
  are marked, not invented.
* The band says inside exactly when the record lies between its ends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.cli import compose_run_config
from abm.experiments import hindcast
from abm.inputs import DataError, read_table

CFG = compose_run_config("experiment=hindcast")


def steps(innovation: str, step: int, relevant: int, piloting: list[int],
          embedded: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"strategy": "status_quo", "replication": range(len(piloting)),
                         "step": step, "innovation": innovation, "relevant_trusts": relevant,
                         "n_piloting": piloting, "n_embedded": embedded})


def test_the_record_points_are_cited_and_two_series_have_holdouts() -> None:
    points = hindcast.dated_series()
    facts = set(read_table("facts.csv")["key"])
    assert set(points["facts"]) <= facts
    held = points[points["role"] == "holdout"]
    assert held["series"].nunique() >= 2
    for series, group in points.groupby("series"):
        last = group.sort_values("date").iloc[-1]
        assert last["role"] == "holdout", f"{series}: the last point is not held out"


def test_a_month_is_read_at_its_end() -> None:
    assert hindcast.calendar_month("2021-04", 1) == "2021-04"
    assert hindcast.calendar_month("2021-04", 10) == "2022-01"
    assert hindcast.calendar_month("2021-04", 57) == "2025-12"


def test_model_values_follow_the_observation_settings() -> None:
    obs = CFG.scenario.observation
    frame = pd.concat([
        steps("community_diagnostic_centre", 27, 146, [10, 20], [30, 40]),  # June 2023
        steps("electronic_patient_record", 15, 205, [3, 4], [180, 190]),  # June 2022
    ])
    points = pd.DataFrame({"series": ["cdc_sites", "epr_trusts_without", "cdc_sites"],
                           "date": ["2023-06", "2022-06", "2030-01"],
                           "value": [108.0, 30.0, 1.0]})
    values = hindcast.model_points(frame, CFG, points)
    cdc = values[values["series"] == "cdc_sites"]["model"].to_numpy()
    np.testing.assert_allclose(cdc, [40 * obs.cdc_sites_per_trust, 60 * obs.cdc_sites_per_trust])
    epr = values[values["series"] == "epr_trusts_without"]["model"].to_numpy()
    np.testing.assert_array_equal(epr, [25, 15])
    assert "2030-01" not in set(values["date"])


def test_inside_means_between_the_band_ends() -> None:
    frame = steps("elective_surgical_hub", 24, 134, [0] * 40,
                  list(range(80, 120)))  # March 2023
    points = pd.DataFrame({"series": ["surgical_hubs", "surgical_hubs"],
                           "date": ["2023-03", "2031-01"], "value": [89.0, 5.0],
                           "facts": ["surgical_hubs_operational_mar2023"] * 2,
                           "role": ["fit", "holdout"]})
    table = hindcast.bands(hindcast.model_points(frame, CFG, points), points)
    row = table.iloc[0]
    per_trust = CFG.scenario.observation.surgical_hubs_per_trust
    assert row["model_low"] <= 89.0 <= row["model_high"] and row["inside_band"]
    assert row["model_median"] == pytest.approx(99.5 * per_trust)
    assert not table.iloc[1]["in_run"] and not table.iloc[1]["inside_band"]
    assert "outside the run" in hindcast.format_bands(table)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("series", "teleports", "allowed"), ("role", "maybe", "allowed"),
    ("date", "June 2023", "a date"), ("value", "-3", "negative")])
def test_a_broken_point_is_refused_by_name(monkeypatch, column, value, message) -> None:
    table = read_table("dated_series.csv")
    table.loc[0, column] = value
    monkeypatch.setattr(hindcast, "read_table", lambda name: table)
    with pytest.raises(DataError, match=message):
        hindcast.dated_series()
