"""reports/: the published page is generated from the committed tables and agrees with them.

The page must be exactly what ``nhs-abm-publish`` renders from ``reports/tables`` (so it
cannot drift), every number on it must agree with the table it comes from at the
precision shown (read back from the Markdown and compared with values computed here,
with pandas, from the CSV files), every figure and file it links must exist, and a
missing or malformed table must stop the build with a message naming it. Figures are
not redrawn here (Kaleido is slow); only the Markdown is compared.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from abm.config import BASELINE_STRATEGY
from abm.report import publish, published_tables
from abm.report.style import strategy_label

REPORTS = Path(__file__).parents[1] / "reports"
TABLES = REPORTS / "tables"
NUMBER = r"[+-]?\d[\d,]*(?:\.\d+)?"
TRIPLE = re.compile(rf"({NUMBER}) \[({NUMBER}), ({NUMBER})\]")


@pytest.fixture(scope="module")
def page() -> str:
    return (REPORTS / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def t() -> dict[str, pd.DataFrame]:
    return {path.stem: pd.read_csv(path) for path in TABLES.glob("*.csv")}


# ----------------------------------------------------------------------------- helpers

def agrees(text: str, value: float) -> bool:
    """Whether the number shown as ``text`` is ``value`` rounded to the digits shown."""
    text = text.replace(",", "")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - float(value)) <= 0.5 * 10 ** -decimals + 1e-12


def agrees_triple(text: str, mean: float, low: float, high: float) -> bool:
    match = TRIPLE.fullmatch(text.strip().split(" (")[0])
    return bool(match) and all(agrees(g, v) for g, v in zip(match.groups(), (mean, low, high),
                                                            strict=True))


def section(page: str, heading: str) -> str:
    """The text from the heading line to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = page.index(f"\n{heading}\n")
    rest = page[start + len(heading) + 2:]
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", rest, flags=re.M)]
    return rest[: ends[0]] if ends else rest


def md_tables(text: str) -> list[list[dict[str, str]]]:
    """Every pipe table in ``text``: one dict per body row, keyed by the header cells."""
    tables, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif block:
            head, _, *body = block
            tables.append([dict(zip(head, row, strict=True)) for row in body])
            block = []
    return tables


def label_of(outcome: str) -> str:
    strategy = outcome.split(" | ", 1)[-1]
    if " - " in strategy:
        a, b = strategy.split(" - ")
        return f"{strategy_label(a)} minus {strategy_label(b).lower()}"
    return strategy_label(strategy)


# ----------------------------------------------------------------------------- drift

def test_committed_page_is_what_the_command_generates(page):
    assert page == publish.render_page(published_tables.load_tables(TABLES)), (
        "reports/README.md differs from the tables: run .venv/bin/nhs-abm-publish")


def test_check_option_reports_up_to_date(capsys):
    with pytest.raises(SystemExit) as stop:
        publish.main(["--check", "--reports", str(REPORTS)])
    assert stop.value.code == 0
    assert "up to date" in capsys.readouterr().out


def test_tables_are_small_and_each_has_provenance(t):
    total = sum(path.stat().st_size for path in TABLES.glob("*"))
    assert total < 1024 * 1024
    assert set(t["provenance"]["table"]) == {f"{name}.csv" for name in published_tables.TABLES}
    assert t["provenance"]["git_commit"].str.fullmatch(r"[0-9a-f]{40}").all()


# ----------------------------------------------------------------------------- links

def test_every_figure_linked_exists_and_is_small(page):
    images = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", page)
    assert len(images) == len(publish.FIGURES)
    for link in images:
        path = REPORTS / link
        assert path.is_file(), link
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", link
        assert path.stat().st_size < 200_000, link


def test_every_local_link_exists(page):
    links = re.findall(r"(?<!!)\[[^\]]+\]\(([^)#][^)]*)\)", page)
    assert any("docs/ODD.md" in link for link in links)
    assert any("docs/parameters.md" in link for link in links)
    for link in links:
        if not link.startswith("http"):
            assert (REPORTS / link.split("#")[0]).exists(), link


def test_page_says_these_are_model_results_not_forecasts(page):
    assert "model results under the assumptions of the" in page
    assert "not forecasts" in page
    assert "nhs-abm-publish" in page and "nhs-abm-report" in page


# ------------------------------------------------------------------------- numbers

def test_every_interval_on_the_page_is_a_row_of_a_table(page, t):
    """Each 'x [a, b]' anywhere on the page is (mean, low, high) of some table row."""
    s, c, k = t["strategy_summary"], t["comparison"], t["calibration_targets"]
    p = t["calibration_parameters"]
    known = [*zip(c["difference"], c["ci_low"], c["ci_high"], strict=True),
             *zip(s["embedded_share_y10"], s["embedded_share_y10_low"],
                  s["embedded_share_y10_high"], strict=True),
             *(row for column in ("benefit_per_spend", "benefit_gbp_m", "net_benefit_gbp_m")
               for row in zip(s[column], s[f"{column}_low"], s[f"{column}_high"],
                              strict=True)),
             *zip(k["simulated_median"], k["band_low"], k["band_high"], strict=True),
             *zip(p["posterior_median"], p["ci_low"], p["ci_high"], strict=True)]
    a, f, r = t["appraisal"], t["robust_frontier"], t["robust_robustness"]
    known += [*(row for column in ("npsv_gbp_m", "extra_npsv_gbp_m")
                for row in zip(a[column], a[f"{column}_low"], a[f"{column}_high"], strict=True)),
              *zip(f["extra_pv_benefit_gbp_m"], f["extra_pv_benefit_gbp_m_low"],
                   f["extra_pv_benefit_gbp_m_high"], strict=True),
              *zip(r["mean_regret"], r["mean_regret_low"], r["mean_regret_high"], strict=True)]
    found = TRIPLE.findall(page)
    assert len(found) > 30
    for triple in found:
        text = f"{triple[0]} [{triple[1]}, {triple[2]}]"
        assert any(agrees_triple(text, *row) for row in known), text


def _differences_agree(row: dict[str, str], name: str, diffs: pd.DataFrame,
                       columns: tuple[tuple[str, str], ...]) -> None:
    for cell, outcome in ((row[c], o) for c, o in columns):
        if name == BASELINE_STRATEGY:
            assert cell == "n/a"
            continue
        d = diffs.loc[(name, outcome)]
        assert agrees_triple(cell, d["difference"], d["ci_low"], d["ci_high"]), cell
        assert ("smaller than its interval" in cell) == bool(d["smaller_than_interval"])


def test_strategy_tables_agree_with_summary_and_comparison(page, t):
    adoption, value, *_ = md_tables(section(page, "## The strategies compared"))
    summary = t["strategy_summary"].set_index("strategy")
    diffs = t["comparison"].set_index(["strategy", "outcome"])
    labels = [strategy_label(s) for s in summary.index]
    assert [r["Strategy"] for r in adoption] == [r["Strategy"] for r in value] == labels
    for row, (name, s) in zip(adoption, summary.iterrows(), strict=True):
        assert agrees_triple(row["Year-10 embedded share"], s["embedded_share_y10"],
                             s["embedded_share_y10_low"], s["embedded_share_y10_high"])
        _differences_agree(row, name, diffs,
                           (("Year-10 share minus status quo", "embedded_share_y10"),
                            ("Year-5 share minus status quo", "embedded_share_y5")))
    for row, (name, s) in zip(value, summary.iterrows(), strict=True):
        for cell, column in (("Benefit", "benefit_gbp_m"), ("Net benefit", "net_benefit_gbp_m"),
                             ("Benefit per GBP spent", "benefit_per_spend")):
            assert agrees_triple(row[cell], s[column], s[f"{column}_low"],
                                 s[f"{column}_high"]), cell
        for cell, column in (("Savings", "saving_gbp_m"), ("Spend", "spend_gbp_m"),
                             ("Lowest fifth of ICBs", "icb_benefit_per_head_lowest_fifth_gbp")):
            assert agrees(row[cell], s[column]), cell
        _differences_agree(row, name, diffs,
                           (("Benefit minus status quo", "benefit_gbp_m"),
                            ("Net minus status quo", "net_benefit_gbp_m"),
                            ("Benefit per GBP minus status quo", "benefit_per_spend")))


def test_appraisal_tables_agree_with_the_appraisal_table(page, t):
    levels, increments = md_tables(section(page, "### Appraisal as a business case"))
    a = t["appraisal"].set_index("strategy")
    assert [r["Strategy"] for r in levels] == [strategy_label(s) for s in a.index]
    for row, (_, r) in zip(levels, a.iterrows(), strict=True):
        assert agrees_triple(row["NPSV"], r["npsv_gbp_m"], r["npsv_gbp_m_low"],
                             r["npsv_gbp_m_high"])
        for cell, column in (("PV benefit", "pv_benefit_gbp_m"), ("PV cost", "pv_cost_gbp_m"),
                             ("trusts", "pv_cost_trust_gbp_m"), ("centre",
                                                                 "pv_cost_national_gbp_m"),
                             ("BCR", "bcr")):
            assert agrees(row[cell], r[column]), cell
    others = a.drop(index=BASELINE_STRATEGY)
    for row, (_, r) in zip(increments, others.iterrows(), strict=True):
        assert agrees_triple(row["Extra NPSV"], r["extra_npsv_gbp_m"], r["extra_npsv_gbp_m_low"],
                             r["extra_npsv_gbp_m_high"])
        assert agrees(row["Incremental BCR"], r["incremental_bcr"])
        assert row["Value for money"] == r["value_for_money"]


@pytest.mark.parametrize("words, column", [("Benefit realised", "benefit_gbp_m"),
                                           ("Net benefit", "net_benefit_gbp_m")])
def test_headline_value_gives_the_status_quo_and_the_paired_differences(page, t, words,
                                                                       column):
    bullet = next(line for line in section(page, "## Headline findings").split("\n- ")
                  if line.startswith(f"**{words}**"))
    s = t["strategy_summary"].set_index("strategy").loc[BASELINE_STRATEGY]
    c = t["comparison"][t["comparison"]["outcome"] == column]
    expected = [(s[column], s[f"{column}_low"], s[f"{column}_high"]),
                *zip(c["difference"], c["ci_low"], c["ci_high"], strict=True)]
    found = TRIPLE.findall(bullet)
    assert len(found) == len(expected)
    for triple, row in zip(found, expected, strict=True):
        assert agrees_triple(f"{triple[0]} [{triple[1]}, {triple[2]}]", *row)


def test_headline_adoption_is_ranked_with_the_paired_differences(page, t):
    bullet = next(line for line in section(page, "## Headline findings").split("\n- ")
                  if "Adoption after ten years" in line)
    s = t["strategy_summary"].sort_values("embedded_share_y10", ascending=False)
    c = t["comparison"][t["comparison"]["outcome"] == "embedded_share_y10"]
    expected = [*zip(s["embedded_share_y10"], s["embedded_share_y10_low"],
                     s["embedded_share_y10_high"], strict=True),
                *zip(c["difference"], c["ci_low"], c["ci_high"], strict=True)]
    found = TRIPLE.findall(bullet)
    assert len(found) == len(expected)
    for triple, row in zip(found, expected, strict=True):
        assert agrees_triple(f"{triple[0]} [{triple[1]}, {triple[2]}]", *row)
    order = [strategy_label(x) for x in s["strategy"]]
    positions = [bullet.index(f"{label} 0") for label in order]
    assert positions == sorted(positions)


def _tally(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    cells = frame.drop_duplicates(["x_value", "y_value"])
    last = frame.loc[frame.groupby(["x_value", "y_value"])["outcome_mean"].idxmin(), "strategy"]
    counts = {strategy_label(s): (int((cells["winner"] == s).sum()), int((last == s).sum()))
              for s in frame["strategy"].unique()}
    counts["No clear winner"] = (int((cells["winner"] == "no clear winner").sum()), len(cells))
    return counts


@pytest.mark.parametrize("name", ["win_map", "win_map_scaler_price", "win_map_pooled_budgets"])
def test_win_map_counts_agree_with_the_table(page, t, name):
    title = published_tables.RUNS[name].title
    text = section(page, f"### {title[0].upper() + title[1:]}")
    counts = _tally(t[name])
    frame = t[name]
    for axis in ("x", "y"):
        values = frame[f"{axis}_value"]
        n, low, high = re.search(rf"`{frame[f'{axis}_parameter'].iloc[0]}` \((\d+) values from "
                                 rf"({NUMBER}) to\s+({NUMBER})\)", text).groups()
        assert int(n) == values.nunique()
        assert agrees(low, values.min()) and agrees(high, values.max())
    rows = md_tables(text)[0]
    assert {r["Strategy"] for r in rows} == set(counts)
    for row in rows:
        won, last = counts[row["Strategy"]]
        assert int(row["Cells won"]) == won
        if row["Strategy"] != "No clear winner":
            assert int(row["Cells where it comes last"]) == last
    headline = section(page, "## Headline findings")
    sentence = headline[headline.index(title[0].upper() + title[1:]):].split(".")[0]
    for label, (won, last) in counts.items():
        if label == "No clear winner":
            assert f"no clear winner in {won} of {last} cells" in sentence
            continue
        assert (f"{label} wins {won}" in sentence) == (won > 0)
        assert (f"{label} last in {last}" in sentence) == (last > 0)


def test_sensitivity_tables_agree(page, t):
    text = section(page, "## What drives the results")
    morris_rows, sobol_rows = md_tables(text)
    frame = t["sensitivity"]
    morris = frame[frame["method"] == "morris"]
    assert len(morris_rows) == morris["outcome"].nunique()
    for row, (outcome, group) in zip(morris_rows, morris.groupby("outcome", sort=False),
                                     strict=True):
        assert row["Target"] == label_of(outcome)
        top = group.nlargest(3, "mu_star")
        cells = [row[k] for k in ("Most influential (mu*)", "Second", "Third")]
        for cell, r in zip(cells, top.itertuples(), strict=True):
            name, mu = re.fullmatch(r"`([^`]+)` \((\S+)\)", cell).groups()
            assert name == r.parameter.rsplit(".", 1)[-1] and agrees(mu, r.mu_star), cell
    sobol = frame[frame["method"] == "sobol"]
    for row, (outcome, group) in zip(sobol_rows, sobol.groupby("outcome", sort=False),
                                     strict=True):
        assert row["Target"] == label_of(outcome)
        for r in group.itertuples():
            st, conf = row[f"`{r.parameter.rsplit('.', 1)[-1]}`"].split(" ± ")
            assert agrees(st, r.ST) and agrees(conf, r.ST_conf)
    wide = t["sobol_convergence"].pivot_table(index=["outcome", "parameter"],
                                              columns="base_samples", values="ST")
    sizes = sorted(wide.columns)
    shift = re.search(rf"still moved by up to ({NUMBER})", text).group(1)
    assert agrees(shift, (wide[sizes[-1]] - wide[sizes[-2]]).abs().max())
    assert f"N = {sizes[-2]} to N = {sizes[-1]}" in text.replace("\n", " ")
    headline = section(page, "## Headline findings")
    for outcome, group in morris.groupby("outcome", sort=False):
        best = group.loc[group["mu_star"].idxmax(), "parameter"].rsplit(".", 1)[-1]
        assert f"{label_of(outcome)}: `{best}`" in headline


def test_discovery_tables_agree(page, t):
    text = section(page, "## Where each strategy fails and where it wins")
    frame = t["discovery"]
    by_outcome = list(frame.groupby("outcome", sort=False))
    tables = md_tables(text)
    assert len(tables) == len(by_outcome) >= 1
    headline = section(page, "## Headline findings").replace("\n  ", " ")
    for rows, (outcome, part) in zip(tables, by_outcome, strict=True):
        words = publish.OUTCOME_WORDS.get(outcome, outcome)
        assert f"\n### On {words}\n" in text
        said = headline[headline.index(f" on {words},"):].split(";")[0]
        groups = list(part.groupby("strategy", sort=False))
        assert [r["Strategy"] for r in rows] == [strategy_label(s) for s, _ in groups]
        for row, (strategy, group) in zip(rows, groups, strict=True):
            failures = int(group["failures"].sum())
            assert int(row[next(k for k in row if k.startswith("Fails at"))]) == failures
            assert f"{strategy_label(strategy)} at {failures}" in said
            assert f"of {int(group['points'].sum())} points" in next(
                k for k in row if k.startswith("Fails"))
            if failures:
                box = group.sort_values(["density", "coverage"], ascending=False).iloc[0]
                assert row["Densest box of failures"] == box["rule"]
                assert agrees(row["Density"].removesuffix(" %"), 100 * box["density"])
                assert agrees(row["Coverage"].removesuffix(" %"), 100 * box["coverage"])
            winning = group[group["failures"] < group["points"]]
            if len(winning):
                best = winning.sort_values(["density", "points"],
                                           ascending=[True, False]).iloc[0]
                assert row["Box where it wins most"] == best["rule"]
                assert agrees(row["Wins"].removesuffix(" %"), 100 * (1 - best["density"]))
            else:
                assert row["Box where it wins most"] == "none"


def test_bass_table_agrees(page, t):
    text = section(page, "## Diffusion: Bass coefficients")
    rows = md_tables(text)[0]
    frame = t["bass_fit"]
    for row, (strategy, group) in zip(rows, frame.groupby("strategy", sort=False), strict=True):
        assert row["Strategy"] == strategy_label(strategy)
        fitted = int((group["replications"] > 0).sum())
        assert row["Innovations fitted"] == f"{fitted} of {group['innovation'].nunique()}"
        assert agrees(row["Median p (per year)"], group["p"].median())
        assert agrees(row["Median q (per year)"], group["q"].median())
    p, q = re.search(rf"p = ({NUMBER}) and\s+q = ({NUMBER})", text).groups()
    assert agrees(p, frame["literature_p"].iloc[0]) and agrees(q, frame["literature_q"].iloc[0])


def test_calibration_tables_agree(page, t):
    text = section(page, "## Against the NHS record")
    targets, parameters, _recovery = md_tables(text)
    k = t["calibration_targets"]
    assert [r["Target"] for r in targets] == list(k["description"])
    for row, r in zip(targets, k.itertuples(), strict=True):
        assert row["Role"] == r.role
        assert agrees(row["Record"].split(" ")[0], r.observed)
        assert agrees_triple(row["Calibrated: median [95 % band]"], r.simulated_median,
                             r.band_low, r.band_high)
        assert row["At the defaults"] == "n/a" if pd.isna(r.at_defaults) else agrees(
            row["At the defaults"], r.at_defaults)
        assert row["Inside the band"] == ("yes" if r.consistent else "no")
    for row, r in zip(parameters, t["calibration_parameters"].itertuples(), strict=True):
        assert row["Parameter"] == f"`{r.parameter.rsplit('.', 1)[-1]}`"
        low, high = row["Prior (plausible range)"].split(" to ")
        assert agrees(low, r.prior_low) and agrees(high, r.prior_high)
        assert agrees(row["Default"], r.default)
        assert agrees_triple(row["Posterior median [95 % interval]"], r.posterior_median,
                             r.ci_low, r.ci_high)
    fit, held = k[k["role"] == "fit"], k[k["role"] == "holdout"]
    headline = " ".join(section(page, "## Headline findings").split())
    assert (f"holds {int(fit['consistent'].sum())} of the {len(fit)} points of the record in "
            f"the fit and {int(held['consistent'].sum())} of the {len(held)} held-out points"
            in headline)


def test_recovery_table_agrees(page, t):
    text = section(page, "## Against the NHS record")
    rows = md_tables(text)[2]
    recovery = t["calibration_recovery"]
    groups = list(recovery.groupby("parameter", sort=False))
    assert [r["Parameter"] for r in rows] == [f"`{p.rsplit('.', 1)[-1]}`" for p, _ in groups]
    for row, (_, group) in zip(rows, groups, strict=True):
        assert int(row["Checks"]) == len(group)
        shown = row["95 % intervals holding the true value"].removesuffix(" %")
        assert agrees(shown, 100 * group["covered"].mean())
        error = (group["posterior_median"] - group["truth"]).abs().mean()
        assert abs(float(row["Mean absolute error of the median"]) - error) <= 0.006 * error


def test_provenance_table_and_commands_agree(page, t):
    text = section(page, "## Reproduce, explore, rebuild")
    rows = md_tables(text)[0]
    prov = t["provenance"]
    assert len(rows) == len(prov)
    for row, r in zip(rows, prov.itertuples(), strict=True):
        assert row["Table"] == f"[`{r.table}`](tables/{r.table})"
        assert row["Run"] == f"`{r.command}`"
        assert int(row["Seed"]) == r.seed and int(row["Model runs"]) == r.runs
        assert row["Version"] == str(r.package_version) and row["Commit"] == r.git_commit[:12]
    for run in prov.drop_duplicates("run").itertuples():
        assert f".venv/bin/{run.command} output_dir=runs/{run.run}\n" in text


def test_every_figure_builds_from_the_tables():
    tables = published_tables.load_tables(TABLES)
    for anchor, _, build in publish.FIGURES:
        figure = build(tables)
        assert figure.layout.title.text, anchor
        assert figure.data, anchor


# -------------------------------------------------------------------------- refusals

@pytest.fixture
def tables_copy(tmp_path) -> Path:
    target = tmp_path / "reports" / "tables"
    shutil.copytree(TABLES, target)
    return target


def _refused(tables: Path, capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        publish.main(["--reports", str(tables.parent), "--no-figures"])
    assert stop.value.code == 2
    assert not (tables.parent / "README.md").exists()
    return capsys.readouterr().err


def test_missing_table_is_refused_by_name(tables_copy, capsys):
    (tables_copy / "comparison.csv").unlink()
    err = _refused(tables_copy, capsys)
    assert "comparison.csv: missing" in err and "--from" in err


def test_table_without_a_column_is_refused(tables_copy, capsys):
    path = tables_copy / "win_map.csv"
    pd.read_csv(path).drop(columns="winner").to_csv(path, index=False)
    err = _refused(tables_copy, capsys)
    assert "win_map.csv: missing columns winner" in err


def test_text_where_numbers_belong_is_refused(tables_copy, capsys):
    path = tables_copy / "strategy_summary.csv"
    frame = pd.read_csv(path)
    frame["embedded_share_y10"] = frame["embedded_share_y10"].astype(str) + "%"
    frame.to_csv(path, index=False)
    err = _refused(tables_copy, capsys)
    assert "strategy_summary.csv: column embedded_share_y10 must hold numbers" in err


def test_empty_or_unreadable_table_is_refused(tables_copy, capsys):
    (tables_copy / "bass_fit.csv").write_text("")
    assert "bass_fit.csv: cannot read as CSV" in _refused(tables_copy, capsys)
    (tables_copy / "bass_fit.csv").write_text(",".join(published_tables.TABLES["bass_fit"].columns))
    assert "bass_fit.csv: no rows" in _refused(tables_copy, capsys)


def test_tables_that_do_not_fit_together_are_refused(tables_copy, capsys):
    path = tables_copy / "strategy_summary.csv"
    frame = pd.read_csv(path)
    frame[frame["strategy"] != BASELINE_STRATEGY].to_csv(path, index=False)
    assert "the tables do not fit together" in _refused(tables_copy, capsys)


def test_table_without_provenance_is_refused(tables_copy, capsys):
    path = tables_copy / "provenance.csv"
    frame = pd.read_csv(path)
    frame[frame["table"] != "discovery.csv"].to_csv(path, index=False)
    assert "no row for discovery.csv" in _refused(tables_copy, capsys)


# --------------------------------------------------------------------------- refresh

def _run_folders(root: Path, small_run_dir: Path) -> Path:
    """Run folders rebuilt from the committed tables (the main job's from a small run)."""
    prov = pd.read_csv(TABLES / "provenance.csv").set_index("table")
    for name, table in published_tables.TABLES.items():
        folder = root / table.run
        folder.mkdir(parents=True, exist_ok=True)
        frame = pd.read_csv(TABLES / f"{name}.csv")
        if name == "adoption_curves":
            frame = frame.assign(interval="95% t")
        if name != "strategy_summary":
            frame.to_parquet(folder / table.source)
        row = prov.loc[f"{name}.csv"]
        experiment = "win_map" if table.run.startswith("win_map") else table.run
        manifest = {"experiment": {"name": experiment}, "seed": int(row["seed"]),
                    "replications": int(row["replications"]), "runs": int(row["runs"]),
                    "git_commit": row["git_commit"],
                    "package_version": row["package_version"],
                    "created_utc": row["created_utc"], "seconds_total": row["seconds_total"]}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    for name in ("runs", "run_innovations"):
        shutil.copy(small_run_dir / f"{name}.parquet", root / "compare_strategies")
    return root


def test_refresh_from_run_folders_copies_the_tables(tmp_path, small_run_dir, small_run_config):
    runs = _run_folders(tmp_path / "runs", small_run_dir)
    out = tmp_path / "reports" / "tables"
    published_tables.refresh_tables(runs, out)
    for name in published_tables.TABLES:
        if name not in ("strategy_summary", "appraisal"):  # computed from the small run's runs
            pd.testing.assert_frame_equal(pd.read_csv(out / f"{name}.csv"),
                                          pd.read_csv(TABLES / f"{name}.csv"), obj=name)
    pd.testing.assert_frame_equal(pd.read_csv(out / "provenance.csv"),
                                  pd.read_csv(TABLES / "provenance.csv"))
    for name in ("strategy_summary", "appraisal"):
        assert set(pd.read_csv(out / f"{name}.csv")["strategy"]) == {
            s.name for s in small_run_config.strategies}


def test_refresh_from_an_incomplete_folder_leaves_the_tables_alone(tmp_path, small_run_dir):
    runs = _run_folders(tmp_path / "runs", small_run_dir)
    (runs / "calibrate" / "calibration_draws.parquet").unlink()
    out = tmp_path / "reports" / "tables"
    shutil.copytree(TABLES, out)
    with pytest.raises(published_tables.PublishError, match="calibration_draws.parquet: missing"):
        published_tables.refresh_tables(runs, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in TABLES.iterdir())
    assert not list(out.parent.glob(".tables-*"))
