"""Publish the shipped experiments' results in ``reports/``: ``nhs-abm-publish``.

``reports/README.md`` is the page a reader lands on first: the question, the headline
findings with their intervals, static figures, and where every number comes from. It is
rendered from the Jinja2 template ``templates/published_page.md`` and the small result
tables in ``reports/tables`` alone (the model is never run), so it cannot say anything the
tables do not; the tables themselves are defined, refreshed and checked in
``abm.report.published_tables``. This module turns them into the page's context, draws
its figures and writes the page::

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
import math
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import BASELINE_STRATEGY
from ..experiments.calibrate import coverage_table
from ..experiments.win_map import NO_CLEAR_WINNER, tally
from . import analysis_figures as A
from . import calibration as C
from . import hindcast as H
from . import robust as R
from . import style as S
from .build import ReportInputError, View, write_pngs
from .published_tables import (
    RUNS,
    TUNED_WIN_MAPS,
    WIN_MAPS,
    PublishError,
    load_tables,
    refresh_tables,
)

REPORTS_DIR = Path("reports")
PAGE_TEMPLATE = "published_page.md"  # in abm/report/templates/


# ---------------------------------------------------------------------- page context

# Outcomes the page names, with their wording (columns of runs.parquet).
OUTCOME_WORDS = {"embedded_share_y10": "year-10 embedded share",
                 "benefit_gbp_m": "the innovations' benefit",
                 "net_benefit_gbp_m": "net benefit"}
# Paired differences the page shows, by their key in a strategy's row.
DIFFERENCES = {"d_y5": "embedded_share_y5", "d_y10": "embedded_share_y10",
               "d_benefit": "benefit_gbp_m", "d_net": "net_benefit_gbp_m",
               "d_bps": "benefit_per_spend"}


def _strategy_rows(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """Per strategy: adoption and value with intervals, and the paired differences."""
    summary = tables["strategy_summary"].set_index("strategy")
    diffs = tables["comparison"].set_index(["strategy", "outcome"])
    rows = []
    for strategy in S.strategies_in(tables["strategy_summary"]):
        row = summary.loc[strategy]
        entry = {"name": strategy, "label": S.strategy_label(strategy),
                 "replications": int(row["replications"]), "saving": row["saving_gbp_m"],
                 "spend": row["spend_gbp_m"],
                 "lowest_fifth": row["icb_benefit_per_head_lowest_fifth_gbp"]}
        for key, column in (("y10", "embedded_share_y10"), ("benefit", "benefit_gbp_m"),
                            ("net", "net_benefit_gbp_m"), ("bps", "benefit_per_spend")):
            entry[key] = row[column]
            entry[f"{key}_low"], entry[f"{key}_high"] = row[f"{column}_low"], \
                row[f"{column}_high"]
        for key, outcome in DIFFERENCES.items():
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
    measure = str(morris["outcome"].iloc[0]).split(" | ", 1)[0]
    return {"targets": targets, "parameters": morris["parameter"].nunique(), "top": top,
            "measure": measure, "measure_words": OUTCOME_WORDS.get(measure, measure),
            "sobol_parameters": list(pd.unique(sobol["parameter"])),
            "convergence": _convergence(convergence),
            "sobol": [{"label": _target_label(t), "rows": group.sort_values(
                "ST", ascending=False).to_dict("records")}
                for t, group in sobol.groupby("outcome", sort=False)]}


def _discovery(frame: pd.DataFrame) -> list[dict]:
    """Per outcome judged and strategy: failures, densest box of failures, best box of wins."""
    outcomes = []
    for outcome, by_outcome in frame.groupby("outcome", sort=False):
        rows = []
        for strategy, group in by_outcome.groupby("strategy", sort=False):
            points = int(group["points"].sum())
            failures = int(group["failures"].sum())
            ranked = group.sort_values(["density", "coverage"], ascending=False, kind="stable")
            winning = group[group["failures"] < group["points"]].sort_values(
                ["density", "points"], ascending=[True, False], kind="stable")
            rows.append({"label": S.strategy_label(strategy), "points": points,
                         "failures": failures, "share": group["share_of_points_failing"].iloc[0],
                         "box": ranked.iloc[0].to_dict() if failures else None,
                         "win_box": winning.iloc[0].to_dict() if len(winning) else None})
        outcomes.append({"outcome": outcome, "words": OUTCOME_WORDS.get(outcome, outcome),
                         "points": rows[0]["points"], "rows": rows})
    return outcomes


def _appraisal(frame: pd.DataFrame) -> list[dict]:
    """Per strategy: present values by payer, NPSV and BCR, and against the status quo."""
    rows = []
    for r in frame.to_dict("records"):
        r["label"] = S.strategy_label(r["strategy"])
        rows.append(r)
    return rows


def _robust(tables: dict[str, pd.DataFrame]) -> dict:
    """The robust comparison: tuned levers, frontier, robustness, boxes and extremes."""
    robustness = tables["robust_robustness"]
    objective = str(robustness["outcome"].iloc[0])
    levers = [{"label": S.strategy_label(s), "rows": g.to_dict("records")}
              for s, g in tables["robust_tuned_levers"].groupby("strategy", sort=False)]
    frontier = tables["robust_frontier"]
    frontier_rows = [{"label": S.strategy_label(s), "rows": g.sort_values(
        "spend_cap_gbp_m", na_position="last", kind="stable").to_dict("records")}
        for s, g in frontier.groupby("strategy", sort=False)]
    judged = []
    for (outcome, kind), group in robustness.groupby(["outcome", "futures_kind"], sort=False):
        entries = []
        for r in group.to_dict("records"):
            r["label"] = S.strategy_label(r["strategy"])
            entries.append(r)
        judged.append({"outcome": outcome, "kind": kind.replace("_", " "),
                       "futures": int(group["futures"].iloc[0]), "rows": entries})
    extremes = tables["robust_extremes"]
    found = extremes[extremes["found"].astype(bool)].drop_duplicates(["strategy", "direction"])
    cases = []
    for r in found.to_dict("records"):
        searched = str(r["searched"]).split()
        cases.append({"label": S.strategy_label(r["strategy"]), "direction": r["direction"],
                      "lead": r["lead"], "start_lead": r["start_lead"],
                      "winner": S.strategy_label(r["winner"]),
                      "conditions": [(short_parameter(p), r[p]) for p in searched[:3]]})
    boxes = tables["robust_boxes"]
    tuned = boxes[boxes["levers"] == "tuned"]
    discovery = []
    for (strategy, judged_on), group in tuned.groupby(["strategy", "judged"], sort=False):
        densest = group.sort_values(["density", "coverage"], ascending=False,
                                    kind="stable").iloc[0]
        discovery.append({"label": S.strategy_label(strategy), "judged": judged_on,
                          "share": group["share_of_futures"].iloc[0],
                          "rule": densest["rule"], "density": densest["density"],
                          "coverage": densest["coverage"]})
    return {"objective": objective, "levers": levers, "frontier": frontier_rows,
            "judged": judged, "cases": cases, "discovery": discovery,
            "never_wins": [c["label"] for c in cases
                           if c["direction"] == "best" and c["lead"] < 0],
            "never_loses": [c["label"] for c in cases
                            if c["direction"] == "worst" and c["lead"] > 0]}


def _bass(frame: pd.DataFrame) -> dict:
    rows = [{"label": S.strategy_label(s), "innovations": int(g["innovation"].nunique()),
             "fitted": int((g["replications"] > 0).sum()), "p": g["p"].median(),
             "q": g["q"].median()}
            for s, g in frame.groupby("strategy", sort=False)]
    return {"rows": rows, "literature_p": frame["literature_p"].iloc[0],
            "literature_q": frame["literature_q"].iloc[0]}


def _calibration(tables: dict[str, pd.DataFrame]) -> dict:
    targets = tables["calibration_targets"]
    fit, held = targets[targets["role"] == "fit"], targets[targets["role"] == "holdout"]
    return {"targets": targets.to_dict("records"), "fit": len(fit),
            "fit_consistent": int(fit["consistent"].astype(bool).sum()),
            "holdout": len(held), "holdout_consistent": int(held["consistent"].astype(bool).sum()),
            "parameters": tables["calibration_parameters"].to_dict("records"),
            "simulations": _simulations(tables["calibration_history"]),
            "generations": len(tables["calibration_history"]),
            "recovery": coverage_table(tables["calibration_recovery"]).to_dict("records"),
            "recovery_checks": int(tables["calibration_recovery"]["check"].nunique()),
            "recovery_simulations": int(tables["calibration_recovery"]["simulations"].max())}


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
        "baseline": next(r for r in strategies if r["name"] == BASELINE_STRATEGY),
        "others": [r for r in strategies if r["name"] != BASELINE_STRATEGY],
        "win_maps": [_win_map(n, tables[n]) for n in WIN_MAPS],
        "tuned_win_maps": [_win_map(n, tables[n]) for n in TUNED_WIN_MAPS],
        "appraisal": _appraisal(tables["appraisal"]),
        "robust": _robust(tables),
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
              ("benefit_gbp_m", "Innovations' benefit (GBP m)"),
              ("net_benefit_gbp_m", "Net benefit (GBP m)"))
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[t for _, t in panels],
                        horizontal_spacing=0.12)
    strategies = S.strategies_in(comparison)
    colours = S.strategy_colours([BASELINE_STRATEGY, *strategies])
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
        fig.update_xaxes(title_text="Minus the status quo", row=1, col=col)
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
    ("hindcast", "The record's dated points over the calibrated status quo's predictive bands",
     lambda t: H.hindcast_figure(t["hindcast"], t["hindcast_bands"])),
    ("calibration-parameters", "Calibrated parameters over their prior ranges",
     lambda t: C.parameters_figure(t["calibration_draws"], t["calibration_parameters"])),
    ("calibration-recovery", "Recovery of known parameter values",
     lambda t: C.recovery_figure(t["calibration_recovery"])),
    ("appraisal", "Present values by payer and net present social value",
     lambda t: R.appraisal_figure(t["appraisal"])),
    ("frontier", "Cost-effectiveness frontier of the tuned strategies",
     lambda t: R.frontier_figure(t["robust_frontier"])),
    ("pareto", "Pareto fronts of each strategy's levers",
     lambda t: R.pareto_figure(t["robust_pareto"])),
    ("robustness", "Satisficing and regret across the futures",
     lambda t: R.robustness_figure(t["robust_robustness"])),
    ("win-map-tuned", "Where each strategy wins at tuned levers: pressure and digital maturity",
     _win_map_figure("win_map_tuned")),
    ("win-map-scaler-price-tuned", "Where each strategy wins at tuned levers: scaler price and "
     "risk aversion", _win_map_figure("win_map_scaler_price_tuned")),
    ("win-map-pooled-budgets-tuned", "Where each strategy wins at tuned levers: silo discount "
     "and pooled budgets", _win_map_figure("win_map_pooled_budgets_tuned")),
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
    """The Markdown of ``reports/README.md`` from the tables (``templates/published_page.md``).

    Raises:
        PublishError: If the tables do not fit together (e.g. a comparison without the
            status quo's summary row).
    """
    try:
        context = page_context(tables)
    except (KeyError, IndexError, ValueError, StopIteration) as exc:  # rows one table expects
        raise PublishError(f"the tables do not fit together: {exc!r}") from None
    return _environment().get_template(PAGE_TEMPLATE).render(**context)


@cache
def _environment() -> jinja2.Environment:
    """The page's template (Markdown, nothing escaped) with the number formats as filters."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("abm.report", "templates"),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True,
                             autoescape=False)
    env.filters.update(fixed=fixed, sig=sig, interval=interval, sig_interval=sig_interval,
                       share=share, label=S.strategy_label, short=short_parameter)
    return env


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


if __name__ == "__main__":
    main()
