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


def test_recovery_view_marks_each_check_and_states_coverage():
    tables = shipped_tables()
    rows = []
    for check, (truth, median, low, high) in enumerate(
            [(2.0, 2.1, 1.5, 2.6), (3.0, 3.9, 3.5, 4.4), (4.0, 3.8, 3.1, 4.6)]):
        rows.append({"check": check, "parameter": "scenario.icb.background_mergers_per_year",
                     "truth": truth, "posterior_median": median, "ci_low": low,
                     "ci_high": high, "covered": low <= truth <= high, "rank": 0.5,
                     "simulations": 100})
    tables["calibration_recovery"] = pd.DataFrame(rows)
    views = calibration_views(tables)
    assert views[-1][0] == "calibration-recovery"
    fig = views[-1][2]
    checks = [t for t in fig.data if t.name == "Check"]
    assert len(checks) == 1 and list(checks[0].x) == [2.0, 3.0, 4.0]
    assert "background_mergers_per_year 67%" in fig.layout.meta["reading"]
    assert "covered 67%" in fig.layout.annotations[0].text
