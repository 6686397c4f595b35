"""The report's calibration section, built from the shipped calibration's tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from abm.report.calibration import TABLES, calibration_views

SHIPPED = Path(__file__).resolve().parent.parent / "experiments" / "calibration"


def shipped_tables() -> dict[str, pd.DataFrame]:
    tables = {name: pd.read_csv(SHIPPED / f"{name}.csv")
              for name in ("calibration_targets", "calibration_parameters",
                           "calibration_history")}
    tables["calibration_draws"] = pd.read_parquet(SHIPPED / "england_calibrated_draws.parquet")
    return tables


def test_calibration_section_shows_every_target_against_its_band():
    tables = shipped_tables()
    for name, columns in TABLES.items():
        assert set(columns) <= set(tables[name].columns), name
    views = calibration_views(tables)
    assert [anchor for anchor, _, _ in views] == ["calibration-targets", "calibration-parameters",
                                                  "calibration-history"]
    targets_fig = views[0][2]
    cited = [t for t in targets_fig.data if t.name == "Cited value (NHS record)"]
    assert len(cited) == len(tables["calibration_targets"])
    observed = sorted(x for t in cited for x in t.x)
    assert observed == sorted(tables["calibration_targets"]["observed"])
    for _, _, fig in views:
        assert fig.layout.meta["reading"]


def test_calibration_section_is_absent_without_its_tables():
    tables = shipped_tables()
    del tables["calibration_history"]
    assert calibration_views(tables) == []
