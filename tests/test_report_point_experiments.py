"""Reports of the many-point experiments (win map, sensitivity, discovery) and page escaping.

Those experiments keep no month-by-month tables (their steps tables are empty): the
report shows their own sections, and ``nhs-abm`` writes it before the manifest as for
any run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_report import synthetic_sensitivity, synthetic_win_map

from abm.cli import _compose, _run
from abm.report import REQUIRED_FILES, ReportInputError, build_report
from abm.report import analysis_figures as A
from abm.report.build import TRAJECTORY_TABLES, main, markdown_html

RUN_VIEWS = ("headline", "adoption", "funnel", "time-to-50", "value", "pressure", "icb-map",
             "icb-inequality", "icb-benefit")


def synthetic_discovery() -> pd.DataFrame:
    rows = []
    for strategy, share in (("scaler_led", 0.25), ("open_platform", 0.0)):
        rows.append(dict(strategy=strategy, outcome="embedded_share_y10", margin=0.0,
                         share_of_points_failing=share, rule="scenario.icb.x <= 0.3",
                         points=6, failures=3 if share else 0, density=0.5 if share else 0.0,
                         coverage=1.0 if share else 0.0))
        rows.append(dict(strategy=strategy, outcome="embedded_share_y10", margin=0.0,
                         share_of_points_failing=share, rule="scenario.icb.x > 0.3",
                         points=6, failures=0, density=0.0, coverage=0.0))
    return pd.DataFrame(rows, columns=list(A.DISCOVERY_COLUMNS))


def test_discovery_bars_show_each_outcome_judged_apart() -> None:
    one = synthetic_discovery()
    other = one.assign(outcome="benefit_gbp_m",
                       share_of_points_failing=one["share_of_points_failing"].map(
                           {0.25: 0.5, 0.0: 0.0}),
                       failures=one["failures"].map({3: 6, 0: 0}))
    fig = A.discovery_bars(pd.concat([one, other], ignore_index=True))
    assert [trace.name for trace in fig.data] == ["Scaler-led", "Open platform"]
    scaler = fig.data[0]
    assert list(scaler.y) == ["embedded_share_y10", "benefit_gbp_m"]
    assert list(scaler.x) == [0.25, 0.5]
    assert [row[:2] for row in scaler.customdata] == [[3, 12], [6, 12]]
    reading = fig.layout.meta["reading"]
    assert "Scaler-led on benefit_gbp_m at 6 of 12" in reading
    assert "Open platform on embedded_share_y10 at 0 of 12" in reading


def point_folder(small_run_dir: Path, folder: Path, **tables: pd.DataFrame) -> Path:
    """A run folder as a many-point experiment writes it: empty trajectory tables."""
    folder.mkdir()
    for name in REQUIRED_FILES:
        stem = name.removesuffix(".parquet")
        if stem in TRAJECTORY_TABLES:
            pd.DataFrame().to_parquet(folder / name)
        elif name.endswith(".parquet"):
            pd.read_parquet(small_run_dir / name).assign(point=0).to_parquet(folder / name)
        else:
            shutil.copy(small_run_dir / name, folder / name)
    for name, table in tables.items():
        table.to_parquet(folder / f"{name}.parquet")
    return folder


def test_a_point_experiment_folder_gets_its_own_sections_only(small_run_dir, tmp_path):
    folder = point_folder(small_run_dir, tmp_path / "points", win_map=synthetic_win_map(),
                          sensitivity=synthetic_sensitivity(), discovery=synthetic_discovery())
    html = build_report(folder).read_text(encoding="utf-8")
    for anchor in ("win-map-1", "sensitivity-1", "sensitivity-2", "discovery", "facts", "run",
                   "appendix", "question", "caveats"):
        assert f'id="{anchor}"' in html, anchor
    for anchor in RUN_VIEWS:
        assert f'id="{anchor}"' not in html and f'href="#{anchor}"' not in html, anchor
    assert html.count("Plotly.newPlot") == 4
    assert "no month-by-month tables" in html
    assert "Scaler-led on embedded_share_y10 at 3 of 12" in html


def test_a_folder_with_nothing_to_show_is_a_clear_error(small_run_dir, tmp_path, capsys):
    folder = point_folder(small_run_dir, tmp_path / "bare")
    with pytest.raises(ReportInputError, match="nothing to report"):
        build_report(folder)
    with pytest.raises(SystemExit) as exit_info:
        main([str(folder)])
    assert exit_info.value.code == 2


def test_the_console_script_reports_a_point_folder(small_run_dir, tmp_path, capsys):
    folder = point_folder(small_run_dir, tmp_path / "win", win_map=synthetic_win_map())
    main([str(folder)])
    assert capsys.readouterr().out.strip() == str((folder / "report.html").resolve())


def test_values_from_the_run_are_escaped(small_run_dir, tmp_path):
    folder = tmp_path / "run <b>&amp; 'x'"
    shutil.copytree(small_run_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["python"] = "<script>alert(1)</script>"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    html = build_report(folder).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "run &lt;b&gt;&amp;amp; &#39;x&#39;" in html


def test_markdown_is_rendered_by_the_library_with_headings_shifted():
    html = markdown_html("# Title\n\nSome *em* and `code` <i>raw</i>.\n\n| a | b |\n|---|---|\n"
                         "| 1 | 2 |\n\n- one\n  more\n- two\n")
    assert "<h3>Title</h3>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert "&lt;i&gt;raw&lt;/i&gt;" in html  # raw HTML in the text is escaped
    assert "<table>" in html and "<td>1</td>" in html
    assert "<li>one\nmore</li>" in html


@pytest.mark.parametrize("overrides, sections", [
    (("experiment=win_map", "experiment.x_values=[0.8,1.3]",
      "experiment.y_values=[0.15,0.45]", "experiment.outcome=embedded_share_y5"),
     ("win-map-1",)),
])
def test_nhs_abm_writes_the_report_of_a_point_experiment(overrides, sections, tmp_path,
                                                          capsys):
    out = tmp_path / "out"
    _run(_compose((*overrides, "replications=1", "months=60", "progress=false",
                   f"output_dir={out}")))
    printed = capsys.readouterr().out
    assert f"Report: {(out / 'report.html').resolve()}" in printed
    html = (out / "report.html").read_text(encoding="utf-8")
    for anchor in sections:
        assert f'id="{anchor}"' in html
    assert 'id="adoption"' not in html
    assert (out / "report.html").stat().st_mtime_ns <= (out / "manifest.json").stat().st_mtime_ns
