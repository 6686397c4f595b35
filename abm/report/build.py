"""Build the HTML report of one run directory: ``nhs-abm-report RUN_DIR [--out PATH] [--png]``.

The report reads only what a run wrote (the Parquet tables, ``config.yaml`` and
``manifest.json``); it never re-runs the model. It is one HTML file with
plotly.js inlined once, so it opens offline in any modern browser. Optional
analysis tables (``win_map.parquet``, ``sensitivity.parquet``, ``discovery.parquet``,
``bass_fit.parquet`` and the calibration's) get their own sections when they are in the
directory; the views of the month-by-month tables appear when the run kept them (a
many-point experiment does not). The page is the Jinja2 template
``templates/report.html`` (every value escaped); Markdown is rendered by markdown-it-py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup

from ..shipped import odd_path
from ..summary import appraisal_table
from . import analysis_figures as A
from . import figures as F
from . import style as S
from .calibration import RECOVERY_TABLE, calibration_views
from .calibration import TABLES as CALIBRATION_TABLES
from .hindcast import TABLE as HINDCAST_TABLE
from .hindcast import hindcast_figure
from .icb_figures import icb_benefit_per_head, icb_inequality, icb_tile_map
from .robust import TABLES as ROBUST_TABLES
from .robust import appraisal_figure, robust_views

TABLES = ("steps", "innovation_steps", "icb_steps", "runs", "run_innovations")
# Many-point experiments (win map, sensitivity, discovery) write these empty.
TRAJECTORY_TABLES = ("steps", "innovation_steps", "icb_steps", "run_innovations")
REQUIRED_FILES = tuple(f"{t}.parquet" for t in TABLES) + ("config.yaml", "manifest.json")
OPTIONAL_TABLES = {"win_map": A.WIN_MAP_COLUMNS, "sensitivity": A.SENSITIVITY_COLUMNS,
                   "bass_fit": A.BASS_COLUMNS, "discovery": A.DISCOVERY_COLUMNS,
                   **CALIBRATION_TABLES, **RECOVERY_TABLE, **HINDCAST_TABLE, **ROBUST_TABLES}
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

    @property
    def trajectories(self) -> bool:
        """Whether the run kept month-by-month tables (a many-point experiment does not)."""
        return not self.tables["steps"].empty


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
    _check_tables(run_dir, tables)
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
    run = RunData(run_dir, tables, config, manifest, optional)
    if not run.trajectories and not optional:
        raise ReportInputError(f"{run_dir}: nothing to report: no month-by-month tables and "
                               f"none of {', '.join(f'{t}.parquet' for t in OPTIONAL_TABLES)}")
    return run


def _check_tables(run_dir: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Every table has rows keyed by strategy, except all the trajectories at once."""
    optional = () if not tables["steps"].empty else TRAJECTORY_TABLES
    for name, frame in tables.items():
        if frame.empty and name in optional:
            continue
        if "strategy" not in frame.columns or frame.empty:
            raise ReportInputError(f"{run_dir / (name + '.parquet')}: empty or no 'strategy' "
                                   "column")


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
    views = _run_views(run, facts) if run.trajectories else []
    views.extend(_analysis_views(run.optional, facts))
    return views


def _run_views(run: RunData, facts: pd.DataFrame) -> list[View]:
    """The views of the month-by-month tables."""
    t = run.tables
    appraisal = [View("appraisal", "Appraisal", appraisal_figure(appraisal_table(t["runs"])))] \
        if "npsv_gbp_m" in t["runs"] else []
    return [
        View("adoption", "Adoption over time",
             F.adoption_curves(t["innovation_steps"], _package_csv("innovations.csv"))),
        View("funnel", "Pilot funnel", F.pilot_funnel(t["runs"])),
        View("time-to-50", "Time to 50 % adoption", F.time_to_half(t["run_innovations"])),
        View("value", "Benefit against spend", F.benefit_vs_spend(t["steps"])),
        *appraisal,
        View("pressure", "Operational pressure", F.pressure_over_time(t["steps"], facts)),
        View("icb-map", "Adoption by ICB", icb_tile_map(t["icb_steps"],
                                                        _package_csv("icbs.csv"))),
        View("icb-inequality", "Inequality between ICBs", icb_inequality(t["steps"])),
        View("icb-benefit", "Benefit by ICB", icb_benefit_per_head(
            t["icb_steps"], _package_csv("icbs.csv"))),
    ]


def _analysis_views(optional: dict[str, pd.DataFrame], facts: pd.DataFrame) -> list[View]:
    """A view (or several) for each experiment table in the folder."""
    views = []
    if "win_map" in optional:
        for i, fig in enumerate(A.win_maps(optional["win_map"])):
            views.append(View(f"win-map-{i + 1}", "Where each strategy wins", fig))
    if "sensitivity" in optional:
        for i, fig in enumerate(A.sensitivity_bars(optional["sensitivity"])):
            views.append(View(f"sensitivity-{i + 1}", "Sensitivity analysis", fig))
    if "discovery" in optional:
        views.append(View("discovery", "Where each strategy fails",
                          A.discovery_bars(optional["discovery"])))
    if "bass_fit" in optional:
        views.append(View("bass", "Bass diffusion coefficients",
                          A.bass_coefficients(optional["bass_fit"], facts,
                                              _package_csv("innovations.csv"))))
    views.extend(View(*view) for view in calibration_views(optional))
    views.extend(View(*view) for view in robust_views(optional))
    if "hindcast" in optional and "hindcast_bands" in optional:
        views.append(View("hindcast", "The record's dated series",
                          hindcast_figure(optional["hindcast"], optional["hindcast_bands"])))
    return views


# ----------------------------------------------------------------------------- HTML

TEMPLATES = resources.files("abm.report").joinpath("templates")
CSS = TEMPLATES.joinpath("report.css").read_text(encoding="utf-8")
TITLE = "Spreading innovation across England's NHS: four strategies compared"


@cache
def _environment() -> jinja2.Environment:
    """The page's templates, every value escaped unless marked as trusted HTML."""
    return jinja2.Environment(loader=jinja2.PackageLoader("abm.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


@cache
def _markdown() -> MarkdownIt:
    """CommonMark with pipe tables; raw HTML in the text is escaped, not passed through."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str, heading_offset: int = 2) -> Markup:
    """Render Markdown to an HTML fragment with markdown-it-py.

    Args:
        text: The Markdown text.
        heading_offset: Added to each heading level (``#`` becomes ``h3`` with 2), so a
            document's headings sit under the report's own.

    Returns:
        The HTML, marked safe for the template.
    """
    parser = _markdown()
    tokens = parser.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + heading_offset)}"
    return Markup(parser.renderer.render(tokens, parser.options, {}))


def _odd_simplifications() -> Markup:
    """Section 9 of docs/ODD.md (known simplifications), shipped with the package."""
    text = ODD_PATH.read_text(encoding="utf-8")
    match = re.search(r"^## 9\. Known simplifications\s*$(.*?)(?=^## |\Z)", text,
                      flags=re.M | re.S)
    return markdown_html(match.group(1)) if match else Markup("")


def _parameter_appendix() -> Markup:
    from ..parameters import render_markdown

    return markdown_html(render_markdown(), heading_offset=2)


def _summary(run: RunData) -> list[dict[str, list]] | None:
    """Headline tables, adoption then value; None without trajectories.

    Each table is its column heads and rows of cell texts.
    """
    if not run.trajectories:
        return None
    from ..summary import interval_text, summary_table

    table = summary_table(run.tables["runs"], run.tables["run_innovations"])
    years = int(run.tables["steps"]["step"].max()) / 12
    adoption, value = [], []
    for row in table.itertuples():
        t50 = "never" if pd.isna(row.time_to_50pct_median_months) else \
            f"{row.time_to_50pct_median_months:.0f}"
        label = S.strategy_label(row.strategy)
        cells = [label, f"{row.replications}"]
        if years >= 5:
            cells.append(interval_text(row, "embedded_share_y5", ".1%"))
        cells.append(interval_text(row, "embedded_share_y10", ".1%") if years >= 10 else "n/a")
        cells += [f"{row.pilots_started:,.0f}", f"{row.pilots_scaled:,.0f}",
                  f"{row.pilots_abandoned:,.0f}", t50,
                  f"{row.innovation_runs_reaching_50pct:.0%}"]
        adoption.append(cells)
        value.append([label, interval_text(row, "benefit_gbp_m", ",.0f"),
                      f"{row.saving_gbp_m:,.0f}", f"{row.spend_gbp_m:,.0f}",
                      interval_text(row, "net_benefit_gbp_m", ",.0f"),
                      f"{row.benefit_per_spend:.2f}", f"{row.benefit_per_head_gbp:,.1f}",
                      f"{row.icb_benefit_per_head_lowest_fifth_gbp:,.1f}"])
    adoption_heads = ["Strategy", "Replications"] + (
        ["Embedded, year 5 [95 % CI]"] if years >= 5 else []) + [
        "Embedded, year 10 [95 % CI]", "Pilots started", "Scaled", "Abandoned",
        "Median months to 50 %", "Innovation-runs reaching 50 %"]
    value_heads = ["Strategy", "Innovations' benefit (GBP m) [95 % CI]",
                   "Merger savings (GBP m)", "Spend (GBP m)", "Net benefit (GBP m) [95 % CI]",
                   "Benefit per GBP spent", "Benefit per resident (GBP)",
                   "Per resident, lowest fifth of ICBs (GBP)"]
    return [{"heads": adoption_heads, "rows": adoption}, {"heads": value_heads, "rows": value}]


def _per_strategy(table: pd.DataFrame, column: str) -> str | int:
    """One count if every strategy has the same, else each strategy's."""
    counts = table.groupby("strategy")[column].nunique()
    if counts.nunique() > 1:
        return ", ".join(f"{S.strategy_label(s)} {n}" for s, n in counts.items())
    return int(counts.iloc[0])


def _run_details(run: RunData) -> list[tuple[str, object]]:
    cfg, man = run.config, run.manifest
    strategies = man.get("strategies") or [s.get("name") for s in cfg.get("strategies", [])]
    experiment = (cfg.get("experiment") or man.get("experiment") or {}).get("name")
    rows = [
        ("Scenario", (cfg.get("scenario") or {}).get("name", "n/a")),
        ("Strategies", ", ".join(S.strategy_label(s) for s in strategies)),
        ("Seed", cfg.get("seed", man.get("seed"))),
        ("Replications per strategy", cfg.get("replications", man.get("replications"))),
    ]
    if run.trajectories:
        rows.append(("Replications in the month-by-month tables",
                     _per_strategy(run.tables["steps"], "replication")))
        rows.append(("Replications in the run tables",
                     _per_strategy(run.tables["runs"], "replication")))
    else:
        rows.append(("Experiment", f"{experiment or 'n/a'}: "
                                   f"{len(run.tables['runs']):,} runs, no month-by-month tables"))
    rows += [
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
    return rows


def _facts(facts: pd.DataFrame) -> list[dict[str, str]]:
    rows = []
    for key in FACT_KEYS:
        match = facts[facts["key"] == key]
        if not match.empty:
            fact = match.iloc[0]
            rows.append({"value": fact["value"], "unit": fact.get("unit", ""),
                         "description": fact.get("description", ""),
                         "url": str(fact.get("source_url_or_repo_path", "")),
                         "title": fact.get("source_title", ""),
                         "confidence": fact.get("confidence", "")})
    return rows


def _figure(view: View, first: bool) -> dict[str, object]:
    """A view as the template shows it: its chart's HTML (plotly.js with the first)."""
    div = view.figure.to_html(full_html=False, include_plotlyjs=first, auto_play=False,
                              config=PLOTLY_CONFIG, div_id=f"fig-{view.anchor}",
                              default_width="100%")
    return {"anchor": view.anchor, "heading": view.heading, "html": Markup(div),
            "reading": (view.figure.layout.meta or {}).get("reading", "")}


def render_html(run: RunData, views: list[View], facts: pd.DataFrame) -> str:
    """The whole report as one HTML document (plotly.js inlined in the first figure).

    Args:
        run: The loaded run.
        views: The charts, in order.
        facts: ``abm/data/facts.csv``.

    Returns:
        The HTML text.
    """
    return _environment().get_template("report.html").render(
        title=TITLE, seed=run.config.get("seed", run.manifest.get("seed")),
        replications=run.config.get("replications", run.manifest.get("replications")),
        trajectories=run.trajectories, summary=_summary(run),
        views=[_figure(v, i == 0) for i, v in enumerate(views)], facts=_facts(facts),
        details=_run_details(run), config_text=yaml.safe_dump(run.config, sort_keys=False),
        parameter_table=_parameter_appendix(), simplifications=_odd_simplifications(),
        run_name=run.run_dir.name)


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
