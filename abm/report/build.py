"""Build the HTML report of one run directory: ``nhs-abm-report RUN_DIR [--out PATH] [--png]``.

The report reads only what a run wrote (the Parquet tables, ``config.yaml`` and
``manifest.json``); it never re-runs the model. It is one HTML file with
plotly.js inlined once, so it opens offline in any modern browser. Optional
analysis tables (``win_map.parquet``, ``sensitivity.parquet``,
``bass_fit.parquet``) get their own sections when they are in the directory.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import yaml

from ..shipped import odd_path
from . import analysis_figures as A
from . import figures as F
from . import style as S
from .calibration import TABLES as CALIBRATION_TABLES
from .calibration import calibration_views

TABLES = ("steps", "innovation_steps", "icb_steps", "runs", "run_innovations")
REQUIRED_FILES = tuple(f"{t}.parquet" for t in TABLES) + ("config.yaml", "manifest.json")
OPTIONAL_TABLES = {"win_map": A.WIN_MAP_COLUMNS, "sensitivity": A.SENSITIVITY_COLUMNS,
                   "bass_fit": A.BASS_COLUMNS, **CALIBRATION_TABLES}
ODD_PATH = odd_path()
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}
FACT_KEYS = ("ga_bed_occupancy_winter_peak", "ga_bed_occupancy_summer_trough",
             "bed_occupancy_safe_threshold", "bass_p_mean", "bass_q_mean",
             "bass_q_mean_vdb_2004", "drug_adoption_median_time", "research_to_practice_lag",
             "trusts_total_2025", "icb_count_2022", "trust_mergers_per_year")


class ReportInputError(Exception):
    """The run directory cannot be reported on (missing or malformed files)."""


@dataclass
class RunData:
    """Everything a report reads from a run directory."""

    run_dir: Path
    tables: dict[str, pd.DataFrame]
    config: dict
    manifest: dict
    optional: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class View:
    """One chart of the report with its anchor and section heading."""

    anchor: str
    heading: str
    figure: go.Figure


def load_run(run_dir: Path, manifest: dict | None = None) -> RunData:
    """Read a run directory written by ``nhs-abm`` (``abm.outputs.write_run``).

    Args:
        run_dir: The directory.
        manifest: The run's manifest, when the report is written before it (by the run
            itself); otherwise ``manifest.json`` is read and required.

    Returns:
        The tables, the resolved config and the manifest, plus any optional tables.

    Raises:
        ReportInputError: If the directory or a required file is missing, or a file
            cannot be read or lacks the expected columns.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ReportInputError(f"{run_dir}: not a directory")
    missing = [name for name in REQUIRED_FILES if not (run_dir / name).is_file()
               and not (name == "manifest.json" and manifest is not None)]
    if missing:
        raise ReportInputError(
            f"{run_dir} is not a complete nhs-abm run directory; missing: {', '.join(missing)}")
    try:
        tables = {t: pd.read_parquet(run_dir / f"{t}.parquet") for t in TABLES}
        config = yaml.safe_load((run_dir / "config.yaml").read_text()) or {}
        if manifest is None:
            manifest = json.loads((run_dir / "manifest.json").read_text())
    except Exception as exc:  # any unreadable file is the same user error
        raise ReportInputError(f"{run_dir}: cannot read the run's files ({exc})") from None
    for name, frame in tables.items():
        if "strategy" not in frame.columns or frame.empty:
            raise ReportInputError(f"{run_dir / (name + '.parquet')}: empty or no 'strategy' "
                                   "column")
    optional = {}
    for name, columns in OPTIONAL_TABLES.items():
        path = run_dir / f"{name}.parquet"
        if path.is_file():
            try:
                frame = pd.read_parquet(path)
            except Exception as exc:  # an unreadable optional table is a user error too
                raise ReportInputError(f"{path}: cannot read ({exc})") from None
            absent = [c for c in columns if c not in frame.columns]
            if absent:
                raise ReportInputError(f"{path}: missing columns {', '.join(absent)}")
            if not frame.empty:
                optional[name] = frame
    return RunData(run_dir, tables, config, manifest, optional)


def _package_csv(name: str) -> pd.DataFrame:
    with resources.files("abm.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


def make_views(run: RunData, facts: pd.DataFrame) -> list[View]:
    """All the report's charts, in reading order.

    Args:
        run: The loaded run.
        facts: ``abm/data/facts.csv``.

    Returns:
        The views.
    """
    t = run.tables
    views = [
        View("adoption", "Adoption over time",
             F.adoption_curves(t["innovation_steps"], _package_csv("innovations.csv"))),
        View("funnel", "Pilot funnel", F.pilot_funnel(t["runs"])),
        View("time-to-50", "Time to 50 % adoption", F.time_to_half(t["run_innovations"])),
        View("value", "Benefit against spend", F.benefit_vs_spend(t["steps"])),
        View("pressure", "Operational pressure", F.pressure_over_time(t["steps"], facts)),
        View("icb-map", "Adoption by ICB", F.icb_tile_map(t["icb_steps"],
                                                          _package_csv("icbs.csv"))),
        View("icb-inequality", "Inequality between ICBs", F.icb_inequality(t["steps"])),
    ]
    if "win_map" in run.optional:
        for i, fig in enumerate(A.win_maps(run.optional["win_map"])):
            views.append(View(f"win-map-{i + 1}", "Where each strategy wins", fig))
    if "sensitivity" in run.optional:
        for i, fig in enumerate(A.sensitivity_bars(run.optional["sensitivity"])):
            views.append(View(f"sensitivity-{i + 1}", "Sensitivity analysis", fig))
    if "bass_fit" in run.optional:
        views.append(View("bass", "Bass diffusion coefficients",
                          A.bass_coefficients(run.optional["bass_fit"], facts,
                                              _package_csv("innovations.csv"))))
    views.extend(View(*view) for view in calibration_views(run.optional))
    return views


# ----------------------------------------------------------------------------- HTML

CSS = """
:root { --ink: #222; --muted: #555; --model: #0b4f8a; --fact: #007a5a; --warn: #9a5b00; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: var(--ink); margin: 0;
       background: #fafafa; line-height: 1.5; font-size: 16px; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 22px; margin: 40px 0 8px; border-bottom: 2px solid #e5e5e5;
     padding-bottom: 4px; }
h3 { font-size: 18px; margin: 24px 0 6px; }
h4 { font-size: 16px; margin: 18px 0 6px; }
p.lead { font-size: 18px; color: var(--muted); margin-top: 0; }
nav ol { columns: 2; font-size: 15px; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0 16px; width: 100%; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font-size: 13px; background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
pre { font-size: 12px; background: #f6f6f6; padding: 12px; overflow-x: auto; }
.badge { display: inline-block; font-size: 12px; font-weight: bold; letter-spacing: .04em;
         text-transform: uppercase; padding: 1px 8px; border-radius: 10px; color: #fff;
         margin-right: 6px; vertical-align: middle; }
.badge.model { background: var(--model); }
.badge.fact { background: var(--fact); }
.model-result { border-left: 6px solid var(--model); padding: 4px 0 4px 14px;
                margin: 12px 0 20px; }
.cited-fact { border-left: 6px dashed var(--fact); padding: 4px 0 4px 14px;
              margin: 12px 0 20px; background: #f3faf7; }
.caveat { border: 2px solid var(--warn); background: #fff8ec; padding: 10px 16px;
          margin: 16px 0; }
.reading { font-size: 16px; margin: 4px 0 0; }
.figure { margin: 8px 0 4px; }
.table-wrap { overflow-x: auto; }
table.summary { font-size: 13.5px; }
.legend-key { font-size: 14px; color: var(--muted); }
details summary { cursor: pointer; font-weight: bold; }
.appendix table { font-size: 12.5px; }
footer { color: var(--muted); font-size: 13px; margin-top: 40px; }
"""

QUESTION = (
    "England's NHS does not lack good ideas; it lacks a way to take an innovation from one "
    "pilot to the whole system. Which way of scaling works better, and where: a "
    "<b>scaler</b> that carries refined modules across many trusts (scaler-led), an "
    "<b>open platform</b> that publishes every pilot and makes learning from others cheaper, "
    "or <b>consolidation</b> into fewer, larger decision units, compared with the "
    "<b>status quo</b> of local pilots led by champions? The model follows the 205 NHS trusts "
    "and 42 integrated care boards (ICBs) month by month, each acting on its own incentives, "
    "budget and risk aversion, under the same barriers: legacy infrastructure, PFI estates, "
    "siloed budgets, operational pressure with its winter peak, vendor pricing and short "
    "political cycles.")

CAVEATS = (
    "<b>These are model results, not facts or forecasts.</b> They show what follows from the "
    "model's mechanisms and its assumptions: many parameters are marked <em>assumption</em> "
    "in the appendix. The status quo has been calibrated to a few series of the NHS record "
    "(<code>nhs-abm experiment=calibrate</code>) and matches only some of them. Use the "
    "results to compare strategies and to see which mechanisms matter, not to predict "
    "numbers.",
    "Differences between strategies are compared with common random numbers (replication "
    "<i>r</i> of every strategy uses the same trusts and monthly draws); intervals are 95 % "
    "t intervals over replications and describe simulation noise only, not uncertainty in "
    "the assumptions, unless the run used posterior draws (<code>posterior=</code>: each "
    "replication then runs with a draw of the calibrated parameters). The sensitivity and "
    "parameter-sweep sections, where present, address the rest.",
    "Cited facts (green, dashed) come from published NHS England, ONS and research sources "
    "listed in <code>abm/data/facts.csv</code>; they are shown for comparison and are not "
    "outputs of the model.",
)


def _esc(value: object) -> str:
    return html.escape(str(value))


def _inline_markdown(text: str) -> str:
    text = _esc(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"\*([^*]+)\*", r"<em>\1</em>", text)
    return text


def markdown_to_html(markdown: str, heading_offset: int = 2) -> str:
    """Convert the simple Markdown the project generates to HTML.

    Handles headings, paragraphs, pipe tables, bullet lists, inline code and emphasis.

    Args:
        markdown: The Markdown text.
        heading_offset: Added to each heading level (``#`` becomes ``h3`` with 2).

    Returns:
        An HTML fragment.
    """
    out: list[str] = []
    paragraph: list[str] = []
    table: list[list[str]] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{_inline_markdown(' '.join(paragraph))}</p>")
            paragraph.clear()
        if table:
            head, *body = table
            out.append("<table><thead><tr>" + "".join(
                f"<th>{_inline_markdown(c)}</th>" for c in head) + "</tr></thead><tbody>")
            out.extend("<tr>" + "".join(f"<td>{_inline_markdown(c)}</td>" for c in row)
                       + "</tr>" for row in body)
            out.append("</tbody></table>")
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline_markdown(i)}</li>" for i in items)
                       + "</ul>")
            items.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        heading = re.match(r"^(#+)\s+(.*)$", line)
        if not line:
            flush()
        elif heading:
            flush()
            level = min(6, len(heading.group(1)) + heading_offset)
            out.append(f"<h{level}>{_inline_markdown(heading.group(2))}</h{level}>")
        elif line.startswith("|"):
            if paragraph or items:
                flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                table.append(cells)
        elif line.startswith("- "):
            if paragraph or table:
                flush()
            items.append(line[2:])
        elif items and raw.startswith("  "):
            items[-1] += " " + line
        else:
            if table or items:
                flush()
            paragraph.append(line)
    flush()
    return "\n".join(out)


def _odd_simplifications() -> str:
    """Section 9 of docs/ODD.md (known simplifications), shipped with the package."""
    text = ODD_PATH.read_text(encoding="utf-8")
    match = re.search(r"^## 9\. Known simplifications\s*$(.*?)(?=^## |\Z)", text,
                      flags=re.M | re.S)
    return markdown_to_html(match.group(1)) if match else ""


def _parameter_appendix() -> str:
    from ..parameters import render_markdown

    return markdown_to_html(render_markdown(), heading_offset=2)


def _summary_html(run: RunData) -> str:
    from ..summary import summary_table

    table = summary_table(run.tables["runs"], run.tables["run_innovations"])
    years = int(run.tables["steps"]["step"].max()) / 12
    y5 = "embedded, year 5" if years >= 5 else None
    rows = []
    for row in table.itertuples():
        t50 = "never" if pd.isna(row.time_to_50pct_median_months) else \
            f"{row.time_to_50pct_median_months:.0f}"
        cells = [S.strategy_label(row.strategy), f"{row.replications}"]
        if y5:
            cells.append(f"{row.embedded_share_y5:.1%} [{row.embedded_share_y5_low:.1%}, "
                         f"{row.embedded_share_y5_high:.1%}]")
        cells.append(f"{row.embedded_share_y10:.1%} [{row.embedded_share_y10_low:.1%}, "
                     f"{row.embedded_share_y10_high:.1%}]" if years >= 10 else "n/a")
        cells += [f"{row.pilots_started:,.0f}", f"{row.pilots_scaled:,.0f}",
                  f"{row.pilots_abandoned:,.0f}", t50,
                  f"{row.innovation_runs_reaching_50pct:.0%}", f"{row.benefit_gbp_m:,.0f}",
                  f"{row.spend_gbp_m:,.0f}", f"{row.benefit_per_spend:.2f}"]
        rows.append("<tr>" + "".join(
            f"<td{'' if i == 0 else ' class=\"num\"'}>{_esc(c)}</td>"
            for i, c in enumerate(cells)) + "</tr>")
    heads = ["Strategy", "Replications"] + (["Embedded, year 5 [95 % CI]"] if y5 else []) + [
        "Embedded, year 10 [95 % CI]", "Pilots started", "Scaled", "Abandoned",
        "Median months to 50 %", "Innovation-runs reaching 50 %", "Benefit (GBP m)",
        "Spend (GBP m)", "Benefit per GBP spent"]
    header = "".join(f"<th>{_esc(h)}</th>" for h in heads)
    return ("<div class=\"table-wrap\"><table class=\"summary\"><thead><tr>" + header
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
            "<p class=\"legend-key\">Embedded: mean over innovations of the share of relevant "
            "trusts with the innovation embedded. Pilots, benefit and spend: totals over the "
            "horizon, mean per replication, all payers, GBP m at 2025 prices. Months to 50 %: "
            "median over innovation-runs that reach it; both 50 % columns leave out "
            "innovations already above 50 % at the start (such as the EPR).</p>")


def _run_details(run: RunData) -> str:
    cfg, man = run.config, run.manifest
    strategies = man.get("strategies") or [s.get("name") for s in cfg.get("strategies", [])]
    counts = run.tables["runs"].groupby("strategy")["replication"].nunique()
    trajectories = run.tables["steps"].groupby("strategy")["replication"].nunique()
    rows = [
        ("Scenario", (cfg.get("scenario") or {}).get("name", "n/a")),
        ("Strategies", ", ".join(S.strategy_label(s) for s in strategies)),
        ("Seed", cfg.get("seed", man.get("seed"))),
        ("Replications per strategy", cfg.get("replications", man.get("replications"))),
        ("Replications in the month-by-month tables",
         ", ".join(f"{S.strategy_label(s)} {n}" for s, n in trajectories.items())
         if trajectories.nunique() > 1 else int(trajectories.iloc[0])),
        ("Replications in the run tables",
         ", ".join(f"{S.strategy_label(s)} {n}" for s, n in counts.items())
         if counts.nunique() > 1 else int(counts.iloc[0])),
        ("Months simulated", f"{cfg.get('months', man.get('months'))} (from April 2025)"),
        ("Seeding", man.get("seeding", "n/a")),
        ("Created (UTC)", man.get("created_utc", "n/a")),
        ("Model version", f"{man.get('package', 'nhs-reform-abm')} "
                          f"{man.get('package_version', '')}, commit "
                          f"{(man.get('git_commit') or 'unknown')[:12]}"),
        ("Python and libraries", f"Python {man.get('python', '?')}; " + ", ".join(
            f"{k} {v}" for k, v in (man.get("libraries") or {}).items() if v)),
        ("Run time", f"{man.get('seconds_total', '?')} s"),
    ]
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    config_text = yaml.safe_dump(cfg, sort_keys=False)
    return (f"<table class=\"run\">{body}</table>"
            f"<details><summary>Full configuration of this run (config.yaml)</summary>"
            f"<pre>{_esc(config_text)}</pre></details>")


def _facts_html(facts: pd.DataFrame) -> str:
    rows = []
    for key in FACT_KEYS:
        match = facts[facts["key"] == key]
        if match.empty:
            continue
        fact = match.iloc[0]
        url = str(fact.get("source_url_or_repo_path", ""))
        source = _esc(fact.get("source_title", ""))
        if url.startswith("http"):
            source = f"<a href=\"{_esc(url)}\">{source}</a>"
        rows.append(f"<tr><td>{_esc(fact['value'])} {_esc(fact.get('unit', ''))}</td>"
                    f"<td>{_esc(fact.get('description', ''))}</td><td>{source}</td>"
                    f"<td>{_esc(fact.get('confidence', ''))}</td></tr>")
    return ("<table><thead><tr><th>Value</th><th>What</th><th>Source</th><th>Confidence</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _figure_html(view: View, first: bool) -> str:
    div = view.figure.to_html(full_html=False, include_plotlyjs=first, auto_play=False,
                              config=PLOTLY_CONFIG, div_id=f"fig-{view.anchor}",
                              default_width="100%")
    reading = (view.figure.layout.meta or {}).get("reading", "")
    return (f"<section id=\"{view.anchor}\"><h2>{_esc(view.heading)}</h2>"
            f"<div class=\"model-result\"><div class=\"figure\">{div}</div>"
            f"<p class=\"reading\"><span class=\"badge model\">Model result</span>"
            f"{_esc(reading)}</p></div></section>")


def render_html(run: RunData, views: list[View], facts: pd.DataFrame) -> str:
    """The whole report as one HTML document (plotly.js inlined in the first figure).

    Args:
        run: The loaded run.
        views: The charts, in order.
        facts: ``abm/data/facts.csv``.

    Returns:
        The HTML text.
    """
    toc = "".join(f"<li><a href=\"#{v.anchor}\">{_esc(v.heading)}</a></li>" for v in views)
    caveats = "".join(f"<p>{c}</p>" for c in CAVEATS)
    figures = "\n".join(_figure_html(v, i == 0) for i, v in enumerate(views))
    simplifications = _odd_simplifications()
    glance = "".join(
        f"<li><a href=\"#{v.anchor}\">{_esc(v.heading)}</a>: "
        f"{_esc((v.figure.layout.meta or {}).get('reading', ''))}</li>" for v in views)
    title = "Spreading innovation across England's NHS: four strategies compared"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<h1>{_esc(title)}</h1>
<p class="lead">Results of the nhs-reform-abm agent-based model, seed
{_esc(run.config.get("seed", run.manifest.get("seed")))},
{_esc(run.config.get("replications", run.manifest.get("replications")))} replications per
strategy.</p>
</header>
<section id="question"><h2>The question</h2><p>{QUESTION}</p></section>
<section id="caveats"><div class="caveat"><h3>Read this first</h3>{caveats}
<p class="legend-key"><span class="badge model">Model result</span> marks output of the
simulation (blue bar on the left). <span class="badge fact">Cited fact</span> marks published
figures, drawn green and dashed in the charts.</p></div></section>
<nav><h2>Contents</h2><ol><li><a href="#headline">Headline numbers</a></li>{toc}
<li><a href="#facts">Cited facts used for comparison</a></li>
<li><a href="#run">About this run</a></li>
<li><a href="#appendix">Appendix: parameters and assumptions</a></li></ol></nav>
<section id="headline"><h2>Headline numbers</h2><div class="model-result">
<p><span class="badge model">Model result</span>Per strategy, mean over replications with
95 % t intervals.</p>{_summary_html(run)}
<h3>At a glance</h3><ul class="glance">{glance}</ul></div></section>
{figures}
<section id="facts"><h2>Cited facts used for comparison</h2><div class="cited-fact">
<p><span class="badge fact">Cited fact</span>Published figures, from
<code>abm/data/facts.csv</code>; not model output.</p>{_facts_html(facts)}</div></section>
<section id="run"><h2>About this run</h2>{_run_details(run)}</section>
<section id="appendix" class="appendix"><h2>Appendix: parameters and assumptions</h2>
<p>The table lists every parameter with its default; this run's values are in the
configuration above. A source of <em>assumption</em> means the value is a modelling judgement,
not a measurement.</p>
<details><summary>Parameter table: meaning, unit, default, range and source of every
parameter</summary>
{_parameter_appendix()}
</details>
{"<h3>Known simplifications</h3>" + simplifications if simplifications else ""}
</section>
<footer>Generated by <code>nhs-abm-report</code> from {_esc(run.run_dir.name)}; plotly.js is
embedded, so this file works offline.</footer>
</main>
</body>
</html>
"""


def write_pngs(views: list[View], directory: Path) -> list[Path]:
    """Static PNG of every chart via Kaleido (it needs a Chrome or Chromium on the machine).

    Args:
        views: The charts.
        directory: Where to write ``NN-anchor.png``.

    Returns:
        The files written.
    """
    import plotly.io as pio

    if not os.environ.get("BROWSER_PATH"):
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        if browser:  # Kaleido's browser lookup, pointed at a distribution's Chromium
            os.environ["BROWSER_PATH"] = browser
    directory.mkdir(parents=True, exist_ok=True)
    paths, figures, heights = [], [], []
    for i, view in enumerate(views):
        fig = go.Figure(view.figure)
        shown = [menu.buttons[menu.active or 0].label for menu in fig.layout.updatemenus
                 if menu.buttons]
        shown += [slider.steps[slider.active or 0].label for slider in fig.layout.sliders
                  if slider.steps]
        if shown:  # a static image shows one state of the controls: say which
            fig.update_layout(title_text=f"{fig.layout.title.text} ({'; '.join(shown)})")
        fig.layout.updatemenus = ()
        fig.layout.sliders = ()
        fig.frames = ()
        figures.append(fig)
        heights.append(int(fig.layout.height or 500))
        paths.append(directory / f"{i + 1:02d}-{view.anchor}.png")
    try:
        pio.write_images(figures, paths, width=1200, height=heights, scale=1)
    except Exception as exc:  # Kaleido raises several kinds when no browser
        raise ReportInputError(
            f"static images need Kaleido and Chrome or Chromium ({exc}); install Chromium "
            "with scripts/install_browser.sh or set BROWSER_PATH") from None
    return paths


def build_report(run_dir: Path | str, out: Path | str | None = None,
                 png: bool = False, manifest: dict | None = None) -> Path:
    """Write the HTML report of a run directory.

    Args:
        run_dir: A directory written by ``nhs-abm``.
        out: The HTML file to write (default ``RUN_DIR/report.html``).
        png: Also write a static PNG of every chart into ``<out stem>_png/``.
        manifest: The run's manifest when it is not yet written (see ``load_run``).

    Returns:
        The path of the HTML report.

    Raises:
        ReportInputError: If the run directory lacks files or they cannot be read.
    """
    run = load_run(Path(run_dir), manifest)
    out = Path(out) if out is not None else run.run_dir / "report.html"
    facts = _package_csv("facts.csv")
    views = make_views(run, facts)
    text = render_html(run, views, facts)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    if png:
        write_pngs(views, out.with_name(f"{out.stem}_png"))
    return out


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point ``nhs-abm-report``."""
    parser = argparse.ArgumentParser(
        prog="nhs-abm-report",
        description="Write a self-contained interactive HTML report of an nhs-abm run "
                    "directory (works offline).")
    parser.add_argument("run_dir", type=Path, help="directory written by nhs-abm")
    parser.add_argument("--out", type=Path, default=None,
                        help="HTML file to write (default: RUN_DIR/report.html)")
    parser.add_argument("--png", action="store_true",
                        help="also write a PNG of every chart (needs Chrome or Chromium)")
    args = parser.parse_args(argv)
    try:
        path = build_report(args.run_dir, args.out, png=args.png)
    except ReportInputError as exc:
        print(f"nhs-abm-report: {exc}", file=sys.stderr)
        sys.exit(2)
    print(path.resolve())
    if args.png:
        print(path.resolve().with_name(f"{path.stem}_png"))
