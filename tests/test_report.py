"""The HTML report: content, size, optional sections, errors, and that it never re-runs the model.

Built from a small real run (``small_run_dir`` in conftest) and from synthetic
tables of exactly the optional schemas (win map, sensitivity, Bass fit).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm.config import default_comparison
from abm.report import REQUIRED_FILES, ReportInputError, build_report
from abm.report import analysis_figures as A
from abm.report import figures as F
from abm.report import style as S
from abm.report.build import load_run, main, make_views

MB = 1024 * 1024


@pytest.fixture(scope="module")
def report(small_run_dir, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    path = build_report(small_run_dir, out)
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    return pd.read_csv(Path(F.__file__).parents[1] / "data" / "facts.csv")


@pytest.fixture(scope="module")
def views(small_run_dir, facts):
    return make_views(load_run(small_run_dir), facts)


def test_report_is_one_self_contained_file_with_plotly_inlined_once(report):
    path, html = report
    assert path.name == "report.html" and path.is_file()
    assert len(re.findall(r"plotly\.js v\d", html)) == 1
    assert "<script src" not in html and "<link" not in html
    assert html.count("Plotly.newPlot") == 9  # one per chart, no optional tables here
    assert html.count('class="js-plotly-plot"') == 0  # the class is added by the browser


def test_report_has_question_run_details_caveats_and_appendix(report, small_run_config):
    _, html = report
    for anchor in ("question", "caveats", "headline", "adoption", "funnel", "time-to-50",
                   "value", "appraisal", "pressure", "icb-map", "icb-inequality", "icb-benefit",
                   "facts", "run", "appendix"):
        assert f'id="{anchor}"' in html, anchor
    assert "not facts or forecasts" in html
    assert f"<th>Seed</th><td>{small_run_config.seed}</td>" in html
    assert f"<th>Replications per strategy</th><td>{small_run_config.replications}</td>" in html
    assert "scenario.diffusion.imitation_q_per_year" in html  # parameter table
    assert "Known simplifications" in html
    # Model results and cited facts are marked differently.
    assert html.count('class="badge model"') >= 8
    assert 'class="cited-fact"' in html and 'class="badge fact"' in html


def test_headline_has_an_adoption_table_and_a_value_table(report, small_results):
    _, html = report
    headline = html[html.index('<section id="headline">'):html.index("<h3>At a glance")]
    tables = re.findall(r"<table class=\"summary\">(.*?)</table>", headline, flags=re.S)
    assert len(tables) == 2
    assert "Embedded, year 10" in tables[0] and "Net benefit" not in tables[0]
    assert "Innovations&#39; benefit (GBP m) [95 % CI]" in tables[1]
    runs = small_results.runs
    for strategy, group in runs.groupby("strategy", sort=False):
        row = re.search(rf"<tr><td>{re.escape(S.strategy_label(strategy))}</td>(.*?)</tr>",
                        tables[1]).group(1)
        cells = re.findall(r"<td class=\"num\">(.*?)</td>", row)
        assert cells[0].startswith(f"{group['benefit_gbp_m'].mean():,.0f} [")
        assert cells[1] == f"{group['saving_gbp_m'].mean():,.0f}"
        assert cells[3].startswith(f"{group['net_benefit_gbp_m'].mean():,.0f} [")


def test_adoption_view_says_t_interval_and_n(report, small_run_config):
    _, html = report
    assert f"t interval, n = {small_run_config.replications} replications per strategy" in html


def test_every_view_has_title_reading_and_axis_titles(views):
    assert len(views) == 9
    for view in views:
        layout = view.figure.layout
        assert layout.title.text, view.anchor
        assert layout.meta["reading"], view.anchor
        for name in [k for k in layout.to_plotly_json() if re.fullmatch(r"[xy]axis\d*", k)]:
            axis = layout[name]
            if view.anchor == "icb-map":
                continue  # tiles: columns are labelled by region, rows have no meaning
            if axis.matches or (axis.showticklabels is False):
                continue
            assert axis.title.text, (view.anchor, name)


def test_strategy_colours_are_okabe_ito(views, small_results):
    palette = set(S.OKABE_ITO.values())
    funnel = next(v for v in views if v.anchor == "funnel").figure
    assert {bar.marker.color for bar in funnel.data} <= palette
    assert len({bar.marker.color for bar in funnel.data}) == small_results.runs[
        "strategy"].nunique()


def test_adoption_dropdown_offers_all_domains_and_innovations(views, small_results):
    fig = next(v for v in views if v.anchor == "adoption").figure
    buttons = fig.layout.updatemenus[0].buttons
    catalogue = pd.read_csv(Path(F.__file__).parents[1] / "data" / "innovations.csv")
    innovations = small_results.innovation_steps["innovation"].nunique()
    domains = catalogue["domain"].nunique()
    assert buttons[0].label == "All innovations"
    assert len(buttons) == 1 + domains + innovations
    # Each option carries one x, y and customdata per trace (band and line per strategy).
    assert all(len(b.args[0]["y"]) == len(fig.data) == 8 for b in buttons)


def test_icb_map_has_42_tiles_7_regions_and_a_slider(views, small_run_config):
    fig = next(v for v in views if v.anchor == "icb-map").figure
    z = np.array(fig.data[0].z, dtype=float)
    assert np.isfinite(z).sum() == 42
    assert len(fig.data[0].x) == 7
    assert len(fig.frames) == len(fig.layout.sliders[0].steps) >= 2
    assert fig.layout.sliders[0].steps[0].label == "Apr 2025"
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == [
        "Status quo", "Scaler-led", "Open platform", "Consolidation"]


def test_icb_benefit_shows_each_icbs_benefit_per_resident(views, small_results):
    fig = next(v for v in views if v.anchor == "icb-benefit").figure
    icbs = pd.read_csv(Path(F.__file__).parents[1] / "data" / "icbs.csv")
    population = icbs.set_index("icb_ods_code")["population_mid2022_ons"]
    icb_steps = small_results.icb_steps
    per_run = icb_steps.groupby(["strategy", "replication", "icb"])["benefit_gbp_m"].sum()
    expected = per_run.groupby(["strategy", "icb"]).mean() * 1e6
    assert [trace.name for trace in fig.data] == [
        "Status quo", "Scaler-led", "Open platform", "Consolidation"]
    for trace, strategy in zip(fig.data, icb_steps["strategy"].unique(), strict=True):
        want = expected.loc[strategy] / population.reindex(expected.loc[strategy].index)
        assert len(trace.y) == 42
        np.testing.assert_allclose(np.sort(trace.y), np.sort(want.to_numpy()), rtol=1e-9)
    assert "gains least" in fig.layout.meta["reading"]


def test_time_to_half_states_how_many_never_reached(views, small_results):
    fig = next(v for v in views if v.anchor == "time-to-50").figure
    ri = small_results.run_innovations
    ri = ri[(ri["strategy"] == "status_quo") & ~ri["above_50pct_at_start"]]
    never = int(ri["time_to_50pct_months"].isna().sum())
    assert f"never: {never:,} of {len(ri):,}" in fig.data[0].x[0]


def test_cited_occupancy_is_drawn_as_reference(views):
    fig = next(v for v in views if v.anchor == "pressure").figure
    texts = [a.text for a in fig.layout.annotations if a.text]
    assert "Cited: NHS England<br>G&A occupancy,<br>winter peak 94.1 %" in texts


def _tile(table: pd.DataFrame, copies: int) -> pd.DataFrame:
    reps = table["replication"].max() + 1
    return pd.concat([table.assign(replication=table["replication"] + k * reps)
                      for k in range(copies)], ignore_index=True)


def test_report_size_does_not_grow_with_replications(small_run_dir, tmp_path, report):
    """Aggregation before plotting: ~100 replications make a report the size of 3."""
    big = tmp_path / "big"
    big.mkdir()
    for name in REQUIRED_FILES:
        if name.endswith(".parquet"):
            _tile(pd.read_parquet(small_run_dir / name), 34).to_parquet(big / name)
        else:
            shutil.copy(small_run_dir / name, big / name)
    size = build_report(big).stat().st_size
    small = report[0].stat().st_size
    assert size < 15 * MB
    assert abs(size - small) < 0.2 * MB


def test_missing_files_are_a_clear_error(small_run_dir, tmp_path, capsys):
    partial = tmp_path / "partial"
    shutil.copytree(small_run_dir, partial)
    (partial / "icb_steps.parquet").unlink()
    (partial / "manifest.json").unlink()
    with pytest.raises(ReportInputError, match="missing: icb_steps.parquet, manifest.json"):
        build_report(partial)
    with pytest.raises(SystemExit) as exit_info:
        main([str(partial)])
    assert exit_info.value.code == 2
    assert "missing: icb_steps.parquet, manifest.json" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    assert not (partial / "report.html").exists()


def test_optional_table_with_wrong_columns_is_refused(small_run_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(small_run_dir, run)
    pd.DataFrame({"strategy": ["status_quo"], "p": [0.1]}).to_parquet(run / "bass_fit.parquet")
    with pytest.raises(ReportInputError, match="bass_fit.parquet: missing columns"):
        build_report(run)


def test_builder_never_runs_the_model(small_run_dir, tmp_path, monkeypatch):
    import abm.engine
    import abm.model
    import abm.runner

    def forbidden(*args, **kwargs):
        raise AssertionError("the report must not run the model")

    monkeypatch.setattr(abm.runner, "run_experiment", forbidden)
    monkeypatch.setattr(abm.model.NHSReformModel, "step", forbidden)
    monkeypatch.setattr(abm.engine.Batch, "step", forbidden)
    assert build_report(small_run_dir, tmp_path / "r.html").is_file()


# ------------------------------------------------------------------ optional sections

STRATEGIES = list(default_comparison())


def synthetic_win_map() -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(1)
    for x in (0.2, 0.4, 0.6):
        for y in (0.1, 0.5):
            means = rng.uniform(0.1, 0.3, size=len(STRATEGIES))
            winner = STRATEGIES[int(np.argmax(means))] if x > 0.2 else "none"
            for s, m in zip(STRATEGIES, means, strict=True):
                rows.append(dict(x_parameter="scenario.diffusion.imitation_q_per_year",
                                 x_value=x, y_parameter="scenario.barriers.silo_discount",
                                 y_value=y, strategy=s, outcome="embedded_share_y10",
                                 outcome_mean=m, outcome_ci_low=m - 0.01,
                                 outcome_ci_high=m + 0.01, replications=30, winner=winner,
                                 margin=0.02, margin_ci_low=0.005, margin_ci_high=0.035))
    return pd.DataFrame(rows, columns=list(A.WIN_MAP_COLUMNS))


def synthetic_sensitivity() -> pd.DataFrame:
    rows = []
    for method in ("morris", "sobol"):
        for outcome in ("embedded_share_y10", "benefit_per_spend"):
            for k, parameter in enumerate(("scenario.diffusion.imitation_q_per_year",
                                           "scenario.barriers.silo_discount",
                                           "strategy.scaler.price_gbp_m")):
                morris = method == "morris"
                rows.append(dict(method=method, outcome=outcome, parameter=parameter,
                                 mu_star=0.1 * (k + 1) if morris else np.nan,
                                 mu_star_conf=0.02 if morris else np.nan,
                                 sigma=0.05 if morris else np.nan,
                                 S1=np.nan if morris else 0.1 * (k + 1),
                                 S1_conf=np.nan if morris else 0.03,
                                 ST=np.nan if morris else 0.15 * (k + 1),
                                 ST_conf=np.nan if morris else 0.04, samples=256))
    return pd.DataFrame(rows, columns=list(A.SENSITIVITY_COLUMNS))


def synthetic_bass_fit() -> pd.DataFrame:
    rows = [dict(strategy=s, innovation=i, p=0.01 + 0.002 * k, p_ci_low=0.005,
                 p_ci_high=0.02 + 0.002 * k, q=0.2 + 0.02 * k, q_ci_low=0.1,
                 q_ci_high=0.3 + 0.02 * k, replications=30)
            for k, s in enumerate(STRATEGIES) for i in ("virtual_wards", "epma")]
    return pd.DataFrame(rows, columns=list(A.BASS_COLUMNS))


def test_win_map_figure(facts):
    figs = A.win_maps(synthetic_win_map())
    assert len(figs) == 1
    heat = figs[0].data[0]
    assert np.array(heat.z, dtype=float).shape == (2, 3)
    assert "margin 0.02 (95 % CI 0.005 to 0.035)" in heat.text[0][1]
    assert "no clear winner" in [t.name for t in figs[0].data[1:]]
    assert figs[0].layout.meta["reading"].startswith("Of 6 parameter combinations")


def test_sensitivity_figures(facts):
    figs = A.sensitivity_bars(synthetic_sensitivity())
    assert [f.layout.title.text.split(":")[0] for f in figs] == [
        "Sensitivity (morris)", "Sensitivity (sobol)"]
    morris, sobol = figs
    assert len(morris.data) == 2 and len(sobol.data) == 4  # traces per outcome
    assert len(morris.layout.updatemenus[0].buttons) == 2
    assert list(morris.data[0].x) == [0.1, 0.2, 0.3]


def test_bass_figure_shows_literature_values(facts):
    fig = A.bass_coefficients(synthetic_bass_fit(), facts)
    texts = " ".join(a.text for a in fig.layout.annotations if a.text)
    assert "Cited: mean p = 0.03 per year" in texts
    assert "Cited: mean q = 0.38 per year" in texts
    assert len(fig.data) == 8


def test_optional_sections_appear_only_when_their_file_exists(small_run_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(small_run_dir, run)
    synthetic_win_map().to_parquet(run / "win_map.parquet")
    synthetic_sensitivity().to_parquet(run / "sensitivity.parquet")
    synthetic_bass_fit().to_parquet(run / "bass_fit.parquet")
    html = build_report(run).read_text(encoding="utf-8")
    for anchor in ("win-map-1", "sensitivity-1", "sensitivity-2", "bass"):
        assert f'id="{anchor}"' in html
    assert html.count("Plotly.newPlot") == 13
    (run / "win_map.parquet").unlink()
    html = build_report(run).read_text(encoding="utf-8")
    assert 'id="win-map-1"' not in html and 'id="bass"' in html


def test_console_script_writes_and_prints_the_path(small_run_dir, tmp_path):
    script = Path(sys.executable).with_name("nhs-abm-report")
    out = tmp_path / "board.html"
    done = subprocess.run([str(script), str(small_run_dir), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out.resolve())
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([str(script), str(empty)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert "not a complete nhs-abm run directory" in done.stderr


def test_time_to_half_when_nothing_reaches_50pct():
    frame = pd.DataFrame({"strategy": ["status_quo"] * 3 + ["scaler_led"] * 3,
                          "replication": [0, 1, 2] * 2, "innovation": ["a"] * 6,
                          "time_to_50pct_months": [np.nan] * 3 + [40.0, np.nan, 60.0],
                          "above_50pct_at_start": [False] * 6})
    fig = F.time_to_half(frame)
    assert fig.data[0].x[0].endswith("never: 3 of 3 (100 %)")
    assert fig.data[1].median[0] == 50.0
    fig.to_json()  # serialisable for the page


def test_a_one_strategy_run_reads_without_comparisons(small_run_dir, tmp_path, facts):
    one = tmp_path / "one"
    one.mkdir()
    for name in REQUIRED_FILES:
        if name.endswith(".parquet"):
            table = pd.read_parquet(small_run_dir / name)
            table[table["strategy"] == "scaler_led"].to_parquet(one / name)
        else:
            shutil.copy(small_run_dir / name, one / name)
    for view in make_views(load_run(one), facts):
        reading = view.figure.layout.meta["reading"]
        assert "lowest under" not in reading and "least under" not in reading, view.anchor
        assert "Scaler-led" in reading or view.anchor in ("pressure",), view.anchor
    assert build_report(one).is_file()
