"""Publish the shipped experiments' results in ``reports/``: ``nhs-abm-publish``.

``reports/README.md`` is the page a reader lands on first: the question, the headline
findings with their intervals, static figures, and where every number comes from. It is
rendered from a Jinja2 template and the small result tables in ``reports/tables`` alone
(the model is never run), so it cannot say anything the tables do not::

    nhs-abm-publish                       # reports/tables -> reports/README.md and figures/
    nhs-abm-publish --no-figures          # the page only (no Chromium needed)
    nhs-abm-publish --check               # exit 1 if reports/README.md is out of date
    nhs-abm-publish --from /tmp/shipped   # first refresh reports/tables from run folders

``--from DIR`` reads one run folder per shipped experiment, named after its config, as
``nhs-abm experiment=NAME output_dir=DIR/NAME`` writes it (``DIR/compare_strategies``
for the default job). The figures are the interactive report's Plotly figures
(``abm.report.analysis_figures``, ``abm.report.calibration``), drawn by Kaleido.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..experiments.win_map import NO_CLEAR_WINNER, tally
from ..summary import summary_table
from . import analysis_figures as A
from . import calibration as C
from . import style as S
from .build import ReportInputError, View, write_pngs

REPORTS_DIR = Path("reports")
BASELINE = "status_quo"


class PublishError(Exception):
    """The tables or run folders cannot be published (missing, unreadable or malformed)."""


# ------------------------------------------------------------------------- the tables

@dataclass(frozen=True)
class Run:
    """A shipped experiment: its run folder (named after its config) and its command."""

    name: str
    command: str
    title: str


RUNS = {run.name: run for run in (
    Run("compare_strategies", "nhs-abm", "the four strategies compared"),
    Run("win_map", "nhs-abm experiment=win_map", "pressure against digital maturity"),
    Run("win_map_scaler_price", "nhs-abm experiment=win_map_scaler_price",
        "the scaler's price against risk aversion"),
    Run("win_map_pooled_budgets", "nhs-abm experiment=win_map_pooled_budgets",
        "siloed against pooled budgets"),
    Run("sensitivity", "nhs-abm experiment=sensitivity", "global sensitivity"),
    Run("bass_fit", "nhs-abm experiment=bass_fit", "Bass diffusion fits"),
    Run("scenario_discovery", "nhs-abm experiment=scenario_discovery",
        "where each strategy fails"),
    Run("calibrate", "nhs-abm experiment=calibrate", "calibration to the NHS record"),
)}


@dataclass(frozen=True)
class Table:
    """A table of ``reports/tables``: the run file it is taken from and what it must hold."""

    name: str
    run: str
    source: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    note: str = "copied"


SUMMARY_COLUMNS = ("strategy", "replications", "embedded_share_y10", "embedded_share_y10_low",
                   "embedded_share_y10_high", "benefit_per_spend", "benefit_per_spend_low",
                   "benefit_per_spend_high")
COMPARISON_COLUMNS = ("strategy", "baseline", "outcome", "difference", "ci_low", "ci_high",
                      "replications", "interval", "smaller_than_interval")
CURVE_COLUMNS = ("strategy", "step", "outcome", "mean", "ci_low", "ci_high", "replications")
DISCOVERY_COLUMNS = ("strategy", "outcome", "margin", "share_of_points_failing", "rule",
                     "points", "failures", "density", "coverage")
CONVERGENCE_COLUMNS = ("outcome", "parameter", "ST", "base_samples")
PROVENANCE_COLUMNS = ("table", "run", "source", "note", "command", "seed", "replications", "runs",
                      "package_version", "git_commit", "created_utc", "seconds_total")
_WIN_NUMERIC = ("x_value", "y_value", "outcome_mean", "outcome_ci_low", "outcome_ci_high",
                "margin", "margin_ci_low", "margin_ci_high", "replications")

TABLES = {t.name: t for t in (
    Table("strategy_summary", "compare_strategies", "runs.parquet", SUMMARY_COLUMNS,
          SUMMARY_COLUMNS[1:], "abm.summary.summary_table of runs and run_innovations"),
    Table("comparison", "compare_strategies", "comparison.parquet", COMPARISON_COLUMNS,
          ("difference", "ci_low", "ci_high", "replications")),
    Table("adoption_curves", "compare_strategies", "curves.parquet", CURVE_COLUMNS,
          CURVE_COLUMNS[3:], "rows of outcome embedded_share_mean"),
    *(Table(name, name, "win_map.parquet", A.WIN_MAP_COLUMNS, _WIN_NUMERIC)
      for name in ("win_map", "win_map_scaler_price", "win_map_pooled_budgets")),
    Table("sensitivity", "sensitivity", "sensitivity.parquet", A.SENSITIVITY_COLUMNS,
          ("mu_star", "S1", "ST", "samples")),
    Table("sobol_convergence", "sensitivity", "sobol_convergence.parquet",
          CONVERGENCE_COLUMNS, ("ST", "base_samples")),
    Table("bass_fit", "bass_fit", "bass_fit.parquet", A.BASS_COLUMNS + ("literature_p",
          "literature_q"), ("p", "q", "literature_p", "literature_q", "replications")),
    Table("discovery", "scenario_discovery", "discovery.parquet", DISCOVERY_COLUMNS,
          ("share_of_points_failing", "points", "failures", "density", "coverage")),
    *(Table(name, "calibrate", f"{name}.parquet", columns,
            tuple(c for c in columns if c not in ("target", "description", "role", "unit",
                                                  "confidence", "consistent", "parameter")))
      for name, columns in C.TABLES.items()),
)}


def _read_parquet(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise PublishError(f"{path}: missing (run the experiment with output_dir= that folder)")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # any unreadable file is the same user error
        raise PublishError(f"{path}: cannot read ({exc})") from None


def _extract(table: Table, run_dir: Path) -> pd.DataFrame:
    """The rows of ``table`` taken from its run folder."""
    if table.name == "strategy_summary":
        return summary_table(_read_parquet(run_dir / "runs.parquet"),
                             _read_parquet(run_dir / "run_innovations.parquet"))
    frame = _read_parquet(run_dir / table.source)
    if table.name == "adoption_curves":
        frame = frame[frame["outcome"] == "embedded_share_mean"].drop(columns="interval")
    return frame.reset_index(drop=True)


def _manifest(run_dir: Path, run: Run) -> dict:
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise PublishError(f"{path}: missing; is {run_dir} a finished `{run.command} "
                           f"output_dir={run_dir}` run?")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PublishError(f"{path}: cannot read ({exc})") from None
    expected = "win_map" if run.name.startswith("win_map") else run.name
    found = (manifest.get("experiment") or {}).get("name")
    if found != expected:
        raise PublishError(f"{path}: experiment {found!r}, expected {expected!r}")
    return manifest


def _provenance_row(table: Table, manifest: dict) -> dict:
    run = RUNS[table.run]
    return {"table": f"{table.name}.csv", "run": run.name, "source": table.source,
            "note": table.note, "command": run.command, "seed": manifest.get("seed"),
            "replications": manifest.get("replications"), "runs": manifest.get("runs"),
            "package_version": manifest.get("package_version"),
            "git_commit": manifest.get("git_commit"), "created_utc": manifest.get("created_utc"),
            "seconds_total": manifest.get("seconds_total")}


def refresh_tables(runs_dir: Path, tables_dir: Path) -> list[Path]:
    """Copy the published tables from the shipped experiments' run folders.

    Everything is read and checked first and written into a temporary folder, which then
    replaces ``tables_dir``, so a failure leaves the old tables as they were.

    Args:
        runs_dir: Holds one run folder per experiment of ``RUNS``, named after it.
        tables_dir: Where the CSV tables and ``provenance.csv`` go.

    Returns:
        The files written.

    Raises:
        PublishError: If a run folder, its manifest or a table is missing or malformed.
    """
    frames, provenance = {}, []
    for table in TABLES.values():
        run_dir = Path(runs_dir) / table.run
        manifest = _manifest(run_dir, RUNS[table.run])
        frames[table.name] = _checked(table, _extract(table, run_dir), run_dir / table.source)
        provenance.append(_provenance_row(table, manifest))
    frames["provenance"] = pd.DataFrame(provenance, columns=PROVENANCE_COLUMNS)
    tables_dir = Path(tables_dir)
    tables_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tables-", dir=tables_dir.parent))
    staging.chmod(0o755)
    try:
        for name, frame in frames.items():
            frame.to_csv(staging / f"{name}.csv", index=False)
        _swap(staging, tables_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(tables_dir.glob("*.csv"))


def _swap(new: Path, old: Path) -> None:
    """Put the folder ``new`` in the place of ``old`` (which is removed)."""
    retired = old.with_name(f".{old.name}-old")
    shutil.rmtree(retired, ignore_errors=True)
    if old.exists():
        old.rename(retired)
    new.rename(old)
    shutil.rmtree(retired, ignore_errors=True)


def _checked(table: Table, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``frame`` if it has the columns and numbers ``table`` needs; else a PublishError."""
    absent = [c for c in table.columns if c not in frame.columns]
    if absent:
        raise PublishError(f"{path}: missing columns {', '.join(absent)} (expected at least "
                           f"{', '.join(table.columns)})")
    if frame.empty:
        raise PublishError(f"{path}: no rows")
    for column in table.numeric:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise PublishError(f"{path}: column {column} must hold numbers, found "
                               f"{frame[column].dtype} (e.g. {frame[column].iloc[0]!r})")
    return frame


def load_tables(tables_dir: Path) -> dict[str, pd.DataFrame]:
    """Read and check every table of ``reports/tables`` and its provenance.

    Raises:
        PublishError: If a table is missing, unreadable, empty, lacks a column, holds text
            where numbers are expected, or has no provenance row.
    """
    tables_dir = Path(tables_dir)
    specs = [*TABLES.values(), Table("provenance", "", "", PROVENANCE_COLUMNS, ("seed",))]
    frames = {}
    for table in specs:
        path = tables_dir / f"{table.name}.csv"
        if not path.is_file():
            raise PublishError(f"{path}: missing; refresh the tables with "
                               "`nhs-abm-publish --from RUNS_DIR`")
        try:
            frame = pd.read_csv(path)
        except Exception as exc:  # any unreadable file is the same user error
            raise PublishError(f"{path}: cannot read as CSV ({exc})") from None
        frames[table.name] = _checked(table, frame, path)
    listed = set(frames["provenance"]["table"])
    unlisted = [f"{name}.csv" for name in TABLES if f"{name}.csv" not in listed]
    if unlisted:
        raise PublishError(f"{tables_dir / 'provenance.csv'}: no row for {', '.join(unlisted)}")
    return frames


# ---------------------------------------------------------------------- page context

def _strategy_rows(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Per strategy: year-10 share and benefit per GBP with intervals, and the differences."""
    summary = tables["strategy_summary"].set_index("strategy")
    diffs = tables["comparison"].set_index(["strategy", "outcome"])
    rows = []
    for strategy in S.strategies_in(tables["strategy_summary"]):
        row = summary.loc[strategy]
        entry = {"name": strategy, "label": S.strategy_label(strategy),
                 "replications": int(row["replications"]), "y10": row["embedded_share_y10"],
                 "y10_low": row["embedded_share_y10_low"],
                 "y10_high": row["embedded_share_y10_high"], "bps": row["benefit_per_spend"],
                 "bps_low": row["benefit_per_spend_low"],
                 "bps_high": row["benefit_per_spend_high"]}
        for key, outcome in (("d_y5", "embedded_share_y5"), ("d_y10", "embedded_share_y10"),
                             ("d_bps", "benefit_per_spend")):
            entry[key] = diffs.loc[(strategy, outcome)].to_dict() \
                if (strategy, outcome) in diffs.index else None
        rows.append(entry)
    return rows


def _win_map(name: str, frame: pd.DataFrame) -> dict:
    counts = tally(frame).set_index("strategy")
    first = frame.iloc[0]
    strategies = S.strategies_in(frame)
    return {"name": name, "anchor": name.replace("_", "-"), "title": RUNS[name].title,
            "command": RUNS[name].command,
            "x": first["x_parameter"], "y": first["y_parameter"], "outcome": first["outcome"],
            "xs": frame["x_value"].nunique(), "ys": frame["y_value"].nunique(),
            "x_range": (frame["x_value"].min(), frame["x_value"].max()),
            "y_range": (frame["y_value"].min(), frame["y_value"].max()),
            "cells": int(counts["cells"].iloc[0]), "replications": int(first["replications"]),
            "no_clear": int(counts["cells_no_clear_winner"].iloc[0]),
            "rows": [{"label": S.strategy_label(s), "won": int(counts.loc[s, "cells_won"]),
                      "worst": int(counts.loc[s, "cells_worst"])} for s in strategies]}


def _target_label(target: str) -> str:
    """'embedded_share_y10 | scaler_led - status_quo' -> 'Scaler-led minus status quo'."""
    strategy = target.split(" | ", 1)[-1]
    if " - " in strategy:
        a, b = strategy.split(" - ", 1)
        return f"{S.strategy_label(a)} minus {S.strategy_label(b).lower()}"
    return S.strategy_label(strategy)


def _convergence(frame: pd.DataFrame) -> dict:
    """The Sobol base sample N, the one before it, and the largest move of ST between them."""
    sizes = sorted(frame["base_samples"].unique())
    wide = frame.pivot_table(index=["outcome", "parameter"], columns="base_samples", values="ST")
    shift = (wide[sizes[-1]] - wide[sizes[-2]]).abs().max() if len(sizes) > 1 else float("nan")
    return {"n": int(sizes[-1]), "previous": int(sizes[-2]) if len(sizes) > 1 else None,
            "shift": shift}


def _sensitivity(frame: pd.DataFrame, convergence: pd.DataFrame, top: int = 3) -> dict:
    morris = frame[frame["method"] == "morris"]
    sobol = frame[frame["method"] == "sobol"]
    targets = [{"label": _target_label(t), "outcome": t,
                "top": [(r.parameter, r.mu_star) for r in group.nlargest(top, "mu_star")
                        .itertuples()]}
               for t, group in morris.groupby("outcome", sort=False)]
    return {"targets": targets, "parameters": morris["parameter"].nunique(), "top": top,
            "sobol_parameters": list(pd.unique(sobol["parameter"])),
            "convergence": _convergence(convergence),
            "sobol": [{"label": _target_label(t), "rows": group.sort_values(
                "ST", ascending=False).to_dict("records")}
                for t, group in sobol.groupby("outcome", sort=False)]}


def _discovery(frame: pd.DataFrame) -> list[dict]:
    rows = []
    for strategy, group in frame.groupby("strategy", sort=False):
        points = int(group["points"].sum())
        failures = int(group["failures"].sum())
        box = group.sort_values(["density", "coverage"], ascending=False, kind="stable").iloc[0]
        rows.append({"label": S.strategy_label(strategy), "points": points,
                     "failures": failures, "share": group["share_of_points_failing"].iloc[0],
                     "box": box.to_dict() if failures else None})
    return rows


def _bass(frame: pd.DataFrame) -> dict:
    rows = [{"label": S.strategy_label(s), "innovations": int(g["innovation"].nunique()),
             "fitted": int((g["replications"] > 0).sum()), "p": g["p"].median(),
             "q": g["q"].median()}
            for s, g in frame.groupby("strategy", sort=False)]
    return {"rows": rows, "literature_p": frame["literature_p"].iloc[0],
            "literature_q": frame["literature_q"].iloc[0]}


def _calibration(tables: dict[str, pd.DataFrame]) -> dict:
    targets = tables["calibration_targets"]
    fit = targets[targets["role"] == "fit"]
    return {"targets": targets.to_dict("records"), "fit": len(fit),
            "fit_consistent": int(fit["consistent"].astype(bool).sum()),
            "consistent_names": list(fit.loc[fit["consistent"].astype(bool), "target"]),
            "parameters": tables["calibration_parameters"].to_dict("records"),
            "simulations": _simulations(tables["calibration_history"]),
            "generations": len(tables["calibration_history"])}


def _simulations(history: pd.DataFrame) -> int:
    """Simulations of the whole fit (pyabc's total, else the generations' sum)."""
    if "total_simulations" in history:
        return int(history["total_simulations"].max())
    return int(history["simulations"].sum())


def page_context(tables: dict[str, pd.DataFrame]) -> dict:
    """Everything the page template shows, computed from the tables only."""
    provenance = tables["provenance"]
    strategies = _strategy_rows(tables)
    ranked = sorted(strategies, key=lambda r: r["y10"], reverse=True)
    return {
        "strategies": strategies, "ranked": ranked,
        "baseline": next(r for r in strategies if r["name"] == BASELINE),
        "others": [r for r in strategies if r["name"] != BASELINE],
        "win_maps": [_win_map(n, tables[n]) for n in ("win_map", "win_map_scaler_price",
                                                      "win_map_pooled_budgets")],
        "sensitivity": _sensitivity(tables["sensitivity"], tables["sobol_convergence"]),
        "discovery": _discovery(tables["discovery"]),
        "bass": _bass(tables["bass_fit"]),
        "calibration": _calibration(tables),
        "runs": provenance.drop_duplicates("run").to_dict("records"),
        "provenance": provenance.to_dict("records"),
        "runs_by_name": {r["run"]: r for r in provenance.drop_duplicates("run").to_dict("records")},
        "figures": dict(figure_files()),
        "figure_titles": {anchor: title for anchor, title, _ in FIGURES},
        "no_clear_winner": NO_CLEAR_WINNER,
        "commits": list(dict.fromkeys(str(c)[:12] for c in
                                      provenance.sort_values("created_utc")["git_commit"])),
        "versions": sorted({str(v) for v in provenance["package_version"]}),
        "seeds": sorted({int(s) for s in provenance["seed"]}),
    }


# ----------------------------------------------------------------------------- format

def fixed(value: float, digits: int = 3, sign: bool = False) -> str:
    """``value`` with ``digits`` decimals ("n/a" if missing); ``sign`` adds a + to positives."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    text = f"{float(value):{'+' if sign else ''}.{digits}f}"
    return "0" + text[2:] if text.startswith(("+0", "-0")) and float(text) == 0 else text


def sig(value: float, figures: int = 3) -> str:
    """``value`` to ``figures`` significant figures, plain notation, no trailing zeros."""
    value = float(value)
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    digits = max(0, figures - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def interval(mean: float, low: float, high: float, digits: int = 3,
             sign: bool = False) -> str:
    """'0.144 [0.141, 0.147]': a value and its 95 % interval."""
    return f"{fixed(mean, digits, sign)} [{fixed(low, digits)}, {fixed(high, digits)}]"


def sig_interval(mean: float, low: float, high: float) -> str:
    """A value and its interval, each to three significant figures."""
    return f"{sig(mean)} [{sig(low)}, {sig(high)}]"


def share(value: float) -> str:
    """A share as a whole percentage: '80 %'."""
    return f"{100 * float(value):.0f} %"


def short_parameter(path: str) -> str:
    """'scenario.pressure.occupancy_scale' -> 'occupancy_scale'."""
    return str(path).rsplit(".", 1)[-1]


# ----------------------------------------------------------------------------- figures

def _adoption(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Mean embedded share by month and strategy with its 95 % band (curves.parquet)."""
    curves = tables["adoption_curves"].rename(columns={"ci_low": "low", "ci_high": "high"})
    strategies = S.strategies_in(curves)
    colours = S.strategy_colours(strategies)
    fig = go.Figure()
    for strategy in strategies:
        part = curves[curves["strategy"] == strategy].sort_values("step")
        fig.add_traces(S.band_and_line(part, S.month_dates(part["step"]), colours[strategy],
                                       S.strategy_label(strategy), ".1%"))
    counts = curves.groupby("strategy")["replications"].max().astype(int).to_dict()
    S.base_layout(fig, "Adoption over time: all innovations",
                  f"Mean over innovations, then over replications; band: {S.INTERVAL} "
                  f"({S.n_text({s: counts[s] for s in strategies})})", "", height=520)
    fig.update_xaxes(title_text="Month (model starts April 2025)")
    fig.update_yaxes(title_text="Relevant trusts with it embedded (%)", tickformat=".0%",
                     rangemode="tozero")
    return fig


def _differences(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Each strategy minus the status quo, paired, with its 95 % interval."""
    comparison = tables["comparison"]
    panels = (("embedded_share_y10", "Year-10 embedded share"),
              ("benefit_per_spend", "Benefit per GBP spent"))
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t for _, t in panels],
                        horizontal_spacing=0.2)
    strategies = S.strategies_in(comparison)
    colours = S.strategy_colours([BASELINE, *strategies])
    for col, (outcome, _) in enumerate(panels, start=1):
        part = comparison[comparison["outcome"] == outcome].set_index("strategy")
        part = part.loc[[s for s in strategies if s in part.index][::-1]]
        fig.add_trace(go.Scatter(
            x=part["difference"], y=[S.strategy_label(s) for s in part.index], mode="markers",
            marker=dict(size=11, color=[colours[s] for s in part.index]), showlegend=False,
            error_x=dict(type="data", symmetric=False, color="#444444", thickness=2,
                         array=part["ci_high"] - part["difference"],
                         arrayminus=part["difference"] - part["ci_low"])), row=1, col=col)
        fig.add_vline(x=0, line=dict(color="#888888", dash="dot"), row=1, col=col)
        fig.update_xaxes(title_text="Difference from the status quo", row=1, col=col)
    S.base_layout(fig, "Each strategy against the status quo",
                  "Paired difference (common random numbers) with its 95 % t interval; "
                  "dotted: no difference", "", height=380)
    fig.update_layout(margin=dict(l=130, t=110))
    return fig


def _win_map_figure(name: str) -> Callable[[dict], go.Figure]:
    """The report's win map of ``name``, its axes titled by the short parameter names.

    The full parameter paths stay in the subtitle; on the fixed-height image they do not
    fit along the y axis.
    """
    def build(tables: dict[str, pd.DataFrame]) -> go.Figure:
        frame = tables[name]
        fig = A.win_maps(frame)[0]
        fig.update_xaxes(title_text=short_parameter(frame["x_parameter"].iloc[0]))
        fig.update_yaxes(title_text=short_parameter(frame["y_parameter"].iloc[0]))
        return fig
    return build


def _sensitivity_figure(method: str, top: int | None = None) -> Callable[[dict], go.Figure]:
    def build(tables: dict[str, pd.DataFrame]) -> go.Figure:
        frame = tables["sensitivity"]
        frame = frame[frame["method"] == method]
        first = frame[frame["outcome"] == frame["outcome"].iloc[0]]
        if top:
            first = first.nlargest(top, "mu_star")
        return A.sensitivity_bars(first)[0]
    return build


def _bass_figure(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """The report's Bass chart, laid out for a fixed-width image.

    Innovation names go on one line at right angles, and the cited literature means move
    from labels on the chart (which cover points at this width) into the subtitle.
    """
    fig = A.bass_coefficients(tables["bass_fit"], _package_csv("facts.csv"),
                              _package_csv("innovations.csv"))
    cited = [a for a in fig.layout.annotations if str(a.text).startswith("Cited: ")]
    fig.layout.annotations = [a for a in fig.layout.annotations if a not in cited]
    fig.for_each_trace(lambda trace: trace.update(x=[x.replace("<br>", " ") for x in trace.x]))
    subtitle = f"{fig.layout.title.subtitle.text}<br>Cited means: " + "; ".join(
        str(a.text).removeprefix("Cited: mean ") for a in cited)
    fig.update_layout(height=860, margin=dict(t=130, b=310), title_subtitle_text=subtitle)
    fig.update_xaxes(tickangle=-90)
    return fig


def _package_csv(name: str) -> pd.DataFrame:
    with resources.files("abm.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


FIGURES: tuple[tuple[str, str, Callable[[dict], go.Figure]], ...] = (
    ("adoption", "Adoption over time by strategy", _adoption),
    ("differences", "Each strategy minus the status quo", _differences),
    ("win-map", "Where each strategy wins: pressure and digital maturity",
     _win_map_figure("win_map")),
    ("win-map-scaler-price", "Where each strategy wins: scaler price and risk aversion",
     _win_map_figure("win_map_scaler_price")),
    ("win-map-pooled-budgets", "Where each strategy wins: silo discount and pooled budgets",
     _win_map_figure("win_map_pooled_budgets")),
    ("morris", "Morris screening: the 15 most influential uncertainties",
     _sensitivity_figure("morris", 15)),
    ("sobol", "Sobol indices of the five most influential uncertainties",
     _sensitivity_figure("sobol")),
    ("bass", "Bass coefficients fitted to the model's adoption curves",
     _bass_figure),
    ("calibration-targets", "Calibration targets against the predictive bands",
     lambda t: C.targets_figure(t["calibration_targets"])),
    ("calibration-parameters", "Calibrated parameters over their prior ranges",
     lambda t: C.parameters_figure(t["calibration_draws"], t["calibration_parameters"])),
)


def figure_files() -> list[tuple[str, str]]:
    """(anchor, path relative to the page) of each figure, as ``write_pngs`` names them."""
    return [(anchor, f"figures/{i + 1:02d}-{anchor}.png")
            for i, (anchor, _, _) in enumerate(FIGURES)]


def write_figures(tables: dict[str, pd.DataFrame], figures_dir: Path) -> list[Path]:
    """Draw every figure as PNG with Kaleido (needs Chrome or Chromium) into ``figures_dir``.

    The images are drawn into a temporary folder first; stale PNGs are removed.

    Raises:
        PublishError: If Kaleido or the browser fails.
    """
    views = [View(anchor, title, build(tables)) for anchor, title, build in FIGURES]
    figures_dir = Path(figures_dir)
    figures_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=figures_dir.parent) as staging:
        try:
            drawn = write_pngs(views, Path(staging))
        except ReportInputError as exc:
            raise PublishError(str(exc)) from None
        for old in figures_dir.glob("*.png"):
            old.unlink()
        paths = [Path(shutil.move(path, figures_dir / path.name)) for path in drawn]
    expected = [figures_dir.parent / path for _, path in figure_files()]
    if paths != expected:
        raise PublishError(f"figures written as {paths}, the page links {expected}")
    return paths


# ------------------------------------------------------------------------------ page

def render_page(tables: dict[str, pd.DataFrame]) -> str:
    """The Markdown of ``reports/README.md`` from the tables (Jinja2 template).

    Raises:
        PublishError: If the tables do not fit together (e.g. a comparison without the
            status quo's summary row).
    """
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False)
    env.filters.update(fixed=fixed, sig=sig, interval=interval, sig_interval=sig_interval,
                       share=share, label=S.strategy_label, short=short_parameter)
    try:
        context = page_context(tables)
    except (KeyError, IndexError, ValueError, StopIteration) as exc:  # rows one table expects
        raise PublishError(f"the tables do not fit together: {exc!r}") from None
    return env.from_string(PAGE_TEMPLATE).render(**context)


def publish(reports_dir: Path = REPORTS_DIR, runs_dir: Path | None = None,
            figures: bool = True) -> Path:
    """Rebuild ``reports/README.md`` (and its figures) from ``reports/tables``.

    Args:
        reports_dir: The folder holding ``tables/``; the page and ``figures/`` go there.
        runs_dir: If given, refresh ``tables/`` from these run folders first.
        figures: Also draw the figures (Kaleido).

    Returns:
        The page written.

    Raises:
        PublishError: If a table or run folder is missing or malformed.
    """
    reports_dir = Path(reports_dir)
    if runs_dir is not None:
        refresh_tables(Path(runs_dir), reports_dir / "tables")
    tables = load_tables(reports_dir / "tables")
    text = render_page(tables)
    if figures:
        write_figures(tables, reports_dir / "figures")
    page = reports_dir / "README.md"
    tmp = page.with_name(f".{page.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(page)
    return page


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point ``nhs-abm-publish``."""
    parser = argparse.ArgumentParser(
        prog="nhs-abm-publish",
        description="Rebuild reports/README.md and reports/figures from the published tables "
                    "in reports/tables (no model run).")
    parser.add_argument("--reports", type=Path, default=REPORTS_DIR,
                        help="folder with tables/; the page and figures/ go there "
                             "(default: reports)")
    parser.add_argument("--from", dest="runs_dir", type=Path, default=None,
                        help="first refresh tables/ from these run folders, one per "
                             f"experiment: {', '.join(RUNS)}")
    parser.add_argument("--no-figures", action="store_true", help="write the page only")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the page differs from the tables'")
    args = parser.parse_args(argv)
    try:
        if args.check:
            sys.exit(_check(args.reports))
        page = publish(args.reports, args.runs_dir, figures=not args.no_figures)
    except PublishError as exc:
        print(f"nhs-abm-publish: {exc}", file=sys.stderr)
        sys.exit(2)
    print(page.resolve())


def _check(reports_dir: Path) -> int:
    page = Path(reports_dir) / "README.md"
    current = page.read_text(encoding="utf-8") if page.is_file() else ""
    if current == render_page(load_tables(Path(reports_dir) / "tables")):
        print(f"{page}: up to date")
        return 0
    print(f"{page}: out of date; run nhs-abm-publish", file=sys.stderr)
    return 1


PAGE_TEMPLATE = """\
{% macro diff(d, digits=3) -%}
{% if d is none %}n/a{% else %}{{ d.difference | interval(d.ci_low, d.ci_high, digits, true) }}
{%- if d.smaller_than_interval %} (smaller than its interval){% endif %}{% endif %}
{%- endmacro %}
{% macro wins(m) -%}
{% for r in m.rows if r.won %}{{ r.label }} wins {{ r.won }}{{ "; " if not loop.last }}
{%- else %}no strategy wins a cell{% endfor %}; no clear winner in {{ m.no_clear }}
{{- "" }} of {{ m.cells }} cells
{%- for r in m.rows if r.worst %}; {{ r.label }} last in {{ r.worst }}{% endfor %}
{%- endmacro %}
# Results of the shipped experiments

<!-- Generated by nhs-abm-publish from tables/ (abm/report/publish.py); do not edit by hand. -->

The published results of the model's {{ runs | length }} shipped experiments, each run at its
defaults with seed {{ seeds | join(", ") }} (nhs-reform-abm {{ versions | join(", ") }};
{{ "commits " if commits | length > 1 else "commit " }}{{ commits | join(", ") }}). Every
number on this page is rendered from the small tables in [`tables/`](tables), and
[`tables/provenance.csv`](tables/provenance.csv) says which run, command and commit each
came from ([below](#reproduce-explore-rebuild)). The figures in [`figures/`](figures) are
static images of the charts of the interactive reports.

> **These are model results under the assumptions of the
> [parameter table](../docs/parameters.md), not forecasts.** Many parameters are marked
> *assumption*, and the defaults are not calibrated: the [calibration](#against-the-nhs-record)
> shows how far the status quo is from the record. Intervals are 95 % intervals over
> replications; they describe simulation noise, not uncertainty in the assumptions, which the
> [sensitivity analysis](#what-drives-the-results) and the
> [win maps](#where-each-strategy-wins) explore. The model is described in the ODD protocol,
> [`docs/ODD.md`](../docs/ODD.md).

## The question

The NHS does not lack good ideas; it lacks the architecture to take an innovation from one pilot
to the whole system. The model compares three answers with the **status quo** of local pilots
led by hero innovators, spread by word of mouth, which fade when the hero leaves or the money
ends:

- **Scaler-led**: an organisation working across many trusts carries modules, refines them with
  every deployment and lends absorptive capacity to trusts too pressured to change alone.
- **Open platform**: every pilot's results are published, many organisations contribute
  adaptations, communication is cheap and performance is visible to peers and citizens.
- **Consolidation**: mergers, group models and hubs; fewer, larger decision units with
  economies of scale, but transition costs, disruption and fights over sovereignty.

Trusts, integrated care boards, vendors, a scaler and government act on their own incentives
against the same barriers under every strategy: legacy infrastructure, siloed budgets,
risk-averse boards, operational pressure, vendor lock-in and short political cycles. The model
encodes mechanisms, not verdicts; the experiments show where each strategy wins and where it
fails.

## Headline findings

- **Adoption after ten years** (mean share of relevant trusts with an innovation embedded).
  Ranked by mean:
  {%- for r in ranked %} {{ r.label }} {{ r.y10 | interval(r.y10_low, r.y10_high) }}
  {{- "," if not loop.last else "." }}{% endfor %}
  {%- if ranked[0].y10_low <= ranked[1].y10_high %} The intervals of {{ ranked[0].label }} and
  {{ ranked[1].label }} overlap and the tables do not pair them, so this page does not rank
  one above the other.{% endif %} Paired difference from the status quo:
  {%- for r in others %} {{ r.label }} {{ diff(r.d_y10) }}{{ ";" if not loop.last else "." }}
  {%- endfor %}

- **Value for money** (benefit per GBP spent over ten years). Status quo
  {{ baseline.bps | interval(baseline.bps_low, baseline.bps_high, 2) }}; paired difference:
  {%- for r in others %} {{ r.label }} {{ diff(r.d_bps) }}{{ ";" if not loop.last else "." }}
  {%- endfor %}

- **Where each strategy wins.**
  {%- for m in win_maps %} {{ m.title | capitalize }} (`{{ m.outcome }}`): {{ wins(m) }}.
  {%- endfor %}

- **What drives the results** (the most influential of {{ sensitivity.parameters }}
  uncertainties in Morris screening, year-10 embedded share):
  {%- for t in sensitivity.targets %} {{ t.label }}: `{{ t.top[0][0] | short }}`
  {{- ";" if not loop.last else "." }}{% endfor %}

- **Where each strategy fails** (no better than the status quo, of {{ discovery[0].points }}
  sampled conditions):
  {%- for d in discovery %} {{ d.label }} at {{ d.failures }}{{ "," if not loop.last else "." }}
  {%- endfor %}

- **Against the NHS record.** {{ calibration.fit_consistent }} of {{ calibration.fit }} fitted
  targets lie inside the calibrated status quo's 95 % predictive band
  {%- if calibration.consistent_names %} (`{{ calibration.consistent_names | join("`, `") }}`)
  {%- endif %}; the others and the held-out target lie outside it
  ([details](#against-the-nhs-record)).

## The strategies compared

`{{ runs[0].command }}`: {{ strategies | length }} strategies x {{ baseline.replications }}
replications x 120 months on the England default. Each difference is paired by replication
(common random numbers: replication r of every strategy has the same trusts and draws).

| Strategy | Year-10 embedded share | Year-10 share minus status quo \
| Year-5 share minus status quo | Benefit per GBP spent | Benefit per GBP minus status quo |
|---|---|---|---|---|---|
{% for r in strategies %}
| {{ r.label }} | {{ r.y10 | interval(r.y10_low, r.y10_high) }} | {{ diff(r.d_y10) }} \
| {{ diff(r.d_y5) }} | {{ r.bps | interval(r.bps_low, r.bps_high, 2) }} | {{ diff(r.d_bps) }} |
{% endfor %}

![{{ figure_titles.adoption }}]({{ figures.adoption }})

![{{ figure_titles.differences }}]({{ figures.differences }})

## Where each strategy wins

Each cell of a map runs every strategy with the same replications. The winner has the highest
mean outcome and a margin over the runner-up whose paired 95 % interval excludes zero; otherwise
the cell has no clear winner.
{% for m in win_maps %}

### {{ m.title | capitalize }}

`{{ m.command }}`: `{{ m.x }}` ({{ m.xs }} values from {{ m.x_range[0] | sig }} to
{{ m.x_range[1] | sig }}) by `{{ m.y }}` ({{ m.ys }} values from {{ m.y_range[0] | sig }} to
{{ m.y_range[1] | sig }}), {{ m.replications }} replications per strategy and cell; outcome
`{{ m.outcome }}`.

| Strategy | Cells won | Cells where it comes last |
|---|---|---|
{% for r in m.rows %}
| {{ r.label }} | {{ r.won }} | {{ r.worst }} |
{% endfor %}
| {{ no_clear_winner | capitalize }} | {{ m.no_clear }} | |

![{{ figure_titles[m.anchor] }}]({{ figures[m.anchor] }})
{% endfor %}

## What drives the results

`{{ runs_by_name.sensitivity.command }}`: Morris screening of {{ sensitivity.parameters }}
uncertainties over their plausible ranges, then Sobol indices of the
{{ sensitivity.sobol_parameters | length }} most influential (Saltelli base sample
N = {{ sensitivity.convergence.n }}). The target is the year-10 embedded share under each
strategy and each strategy's paired advantage over the status quo. mu*: mean absolute
elementary effect, in units of the share.

| Target | Most influential (mu*) | Second | Third |
|---|---|---|---|
{% for t in sensitivity.targets %}
| {{ t.label }} | {% for p, mu in t.top %}`{{ p | short }}` ({{ mu | sig }})
{{- " | " if not loop.last }}{% endfor %} |
{% endfor %}

Sobol total-order index ST (the share of the target's variance that involves the parameter,
interactions included) with its 95 % confidence half-width from SALib's bootstrap.
{% if sensitivity.convergence.previous %}
From N = {{ sensitivity.convergence.previous }} to N = {{ sensitivity.convergence.n }} the
indices still moved by up to {{ sensitivity.convergence.shift | fixed(2) }}
([`tables/sobol_convergence.csv`](tables/sobol_convergence.csv)): treat them as rough, not
as precise shares, or raise `experiment.sobol_base_samples`.
{% endif %}

| Target | {% for p in sensitivity.sobol_parameters %}`{{ p | short }}`{{ " | " if not loop.last }}
{%- endfor %} |
|---|{% for p in sensitivity.sobol_parameters %}---|{% endfor %}

{% for t in sensitivity.sobol %}
| {{ t.label }} | {% for p in sensitivity.sobol_parameters %}{% for row in t.rows
if row.parameter == p %}{{ row.ST | fixed(2) }} ± {{ row.ST_conf | fixed(2) }}{% endfor %}
{{- " | " if not loop.last }}{% endfor %} |
{% endfor %}

![{{ figure_titles.morris }}]({{ figures.morris }})

![{{ figure_titles.sobol }}]({{ figures.sobol }})

## Where each strategy fails

`{{ runs_by_name.scenario_discovery.command }}`: Latin-hypercube points over the uncertainties,
every strategy with the same replications at each. A strategy fails at a point when its mean
year-10 embedded share is no higher than the status quo's; a CART tree finds the box of
conditions where failures are densest (density: share of the box's points that fail;
coverage: share of all failures inside the box).

| Strategy | Fails at (of {{ discovery[0].points }} points) | Densest box of failures \
| Density | Coverage |
|---|---|---|---|---|
{% for d in discovery %}
| {{ d.label }} | {{ d.failures }} | {% if d.box %}{{ d.box.rule }} | {{ d.box.density | share }} \
| {{ d.box.coverage | share }}{% else %}none | n/a | n/a{% endif %} |
{% endfor %}

## Diffusion: Bass coefficients

`{{ runs_by_name.bass_fit.command }}`: the Bass curve fitted to each innovation's share of
relevant trusts that have started it, in each replication (an innovation no trust starts in
any replication has no fit); medians over the innovations fitted. The literature means from consumer
and drug markets (Sultan, Farley and Lehmann 1990) are p = {{ bass.literature_p | sig }} and
q = {{ bass.literature_q | sig }} per year.

| Strategy | Innovations fitted | Median p (per year) | Median q (per year) |
|---|---|---|---|
{% for r in bass.rows %}
| {{ r.label }} | {{ r.fitted }} of {{ r.innovations }} | {{ r.p | sig }} | {{ r.q | sig }} |
{% endfor %}

![{{ figure_titles.bass }}]({{ figures.bass }})

## Against the NHS record

`{{ runs_by_name.calibrate.command }}`: ABC-SMC fit of the status quo ({{ calibration.generations
}} generations, {{ calibration.simulations }} simulations) to the record in
`abm/data/facts.csv`; the held-out target is predicted, the checks are not in the fit. How each
target is compared is in [`docs/ODD.md`](../docs/ODD.md) section 6.1.

| Target | Role | Record | Calibrated: median [95 % band] | At the defaults | Inside the band |
|---|---|---|---|---|---|
{% for t in calibration.targets %}
| {{ t.description }} | {{ t.role }} | {{ t.observed | sig }} {{ t.unit }} \
| {{ t.simulated_median | sig_interval(t.band_low, t.band_high) }} | {{ t.at_defaults | sig }} \
| {{ "yes" if t.consistent else "no" }} |
{% endfor %}

| Parameter | Prior (plausible range) | Default | Posterior median [95 % interval] |
|---|---|---|---|
{% for p in calibration.parameters %}
| `{{ p.parameter | short }}` | {{ p.prior_low | sig }} to {{ p.prior_high | sig }} \
| {{ p.default | sig }} | {{ p.posterior_median | sig_interval(p.ci_low, p.ci_high) }} |
{% endfor %}

![{{ figure_titles["calibration-targets"] }}]({{ figures["calibration-targets"] }})

![{{ figure_titles["calibration-parameters"] }}]({{ figures["calibration-parameters"] }})

## Reproduce, explore, rebuild

Run each experiment (20 to 30 minutes in all on two cores, most of it the sensitivity
analysis), then refresh the tables, the page and the figures from the run folders:

```bash
{% for r in runs %}
.venv/bin/{{ r.command }} output_dir=runs/{{ r.run }}
{% endfor %}
.venv/bin/nhs-abm-publish --from runs     # refresh tables/, then this page and figures/
.venv/bin/nhs-abm-publish                 # this page and figures/ from tables/ alone
```

The interactive reports (self-contained HTML with hover, menus and sliders; see the
[Report](../README.md#report) section of the main README) are written by the runs that keep
month-by-month tables, as `runs/compare_strategies/report.html`, `runs/bass_fit/report.html`
and `runs/calibrate/report.html`. The win map, sensitivity and Bass sections join the main
job's report when their tables sit in its folder:

```bash
.venv/bin/nhs-abm-report runs/compare_strategies     # rebuilds its report.html
cp runs/win_map/win_map.parquet runs/sensitivity/sensitivity.parquet \\
   runs/bass_fit/bass_fit.parquet runs/compare_strategies/
.venv/bin/nhs-abm-report runs/compare_strategies --out all_experiments.html
```

What each experiment asks, its design and run time are in
[`experiments/README.md`](../experiments/README.md); every parameter's meaning, unit, range
and source is in [`docs/parameters.md`](../docs/parameters.md).

| Table | Run | Taken from | Seed | Model runs | Version | Commit |
|---|---|---|---|---|---|---|
{% for p in provenance %}
| [`{{ p.table }}`](tables/{{ p.table }}) | `{{ p.command }}` | `{{ p.source }}` ({{ p.note }}) \
| {{ p.seed }} | {{ p.runs }} | {{ p.package_version }} | {{ p.git_commit[:12] }} |
{% endfor %}
"""
