"""The report's views: one function per chart, DataFrames in, a Plotly figure out.

Every function aggregates before plotting (means and 95 % t intervals over
replications, quantiles, cumulative sums), so a figure's size does not grow with
the number of replications. Each figure has a title, axis titles with units, and
a one-line reading of what it shows in ``fig.layout.meta["reading"]`` (the report
prints it under the chart). Colours are the Okabe-Ito palette, safe for the
common forms of colour blindness.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
STRATEGY_ORDER = ("status_quo", "scaler_led", "open_platform", "consolidation")
STRATEGY_LABELS = {"status_quo": "Status quo", "scaler_led": "Scaler-led",
                   "open_platform": "Open platform", "consolidation": "Consolidation"}
STRATEGY_COLOURS = {"status_quo": OKABE_ITO["black"], "scaler_led": OKABE_ITO["orange"],
                    "open_platform": OKABE_ITO["blue"], "consolidation": OKABE_ITO["vermillion"]}
SPARE_COLOURS = (OKABE_ITO["sky_blue"], OKABE_ITO["green"], OKABE_ITO["purple"],
                 OKABE_ITO["yellow"])
NO_WINNER_COLOUR = "#BBBBBB"
CITED_COLOUR = OKABE_ITO["green"]
START_DATE = "2025-04-01"  # month 1 of a run is April 2025 (abm.inputs.START_MONTH_OF_YEAR)
REGION_ORDER = ("North West", "North East and Yorkshire", "Midlands", "East of England",
                "London", "South West", "South East")
FONT = dict(family="Helvetica, Arial, sans-serif", size=13, color="#222222")
INTERVAL = "95 % t interval over replications"


# ---------------------------------------------------------------------------- helpers

def strategy_label(name: str) -> str:
    """Human-readable strategy name."""
    return STRATEGY_LABELS.get(name, name.replace("_", " ").capitalize())


def strategies_in(*frames: pd.DataFrame) -> list[str]:
    """Strategies present in the frames: the four shipped ones first, in their usual order."""
    seen: list[str] = []
    for frame in frames:
        for name in pd.unique(frame["strategy"]):
            if name not in seen:
                seen.append(str(name))
    known = [s for s in STRATEGY_ORDER if s in seen]
    return known + [s for s in seen if s not in known]


def strategy_colours(strategies: Sequence[str]) -> dict[str, str]:
    """A colour per strategy: fixed for the shipped four, the rest of Okabe-Ito otherwise."""
    spare = iter(SPARE_COLOURS * (1 + len(strategies) // len(SPARE_COLOURS)))
    return {s: STRATEGY_COLOURS.get(s) or next(spare) for s in strategies}


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def t_summary(frame: pd.DataFrame, by: list[str], value: str,
              level: float = 0.95) -> pd.DataFrame:
    """Mean and two-sided t interval of ``value`` over the rows of each group.

    Args:
        frame: One row per replication (and whatever ``by`` names).
        by: Grouping columns.
        value: Column to summarise.
        level: Confidence level.

    Returns:
        ``by`` columns plus ``mean``, ``low``, ``high`` and ``n``; with fewer than two
        rows in a group the bounds equal the mean.
    """
    grouped = frame.groupby(by, sort=False)[value].agg(["mean", "std", "count"]).reset_index()
    n = grouped["count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
        half = np.where(n >= 2, tq * grouped["std"].fillna(0).to_numpy() / np.sqrt(n), 0.0)
    grouped["low"] = grouped["mean"] - half
    grouped["high"] = grouped["mean"] + half
    return grouped.rename(columns={"count": "n"}).drop(columns="std")


@lru_cache(maxsize=8)
def _calendar(months: int) -> tuple[str, ...]:
    return tuple(pd.date_range(START_DATE, periods=months, freq="MS").strftime("%Y-%m-%d"))


def month_dates(steps: Iterable[int]) -> list[str]:
    """Calendar month (ISO date of its first day) of each model step (step 1 = April 2025)."""
    steps = [int(s) for s in steps]
    calendar = _calendar(max(steps, default=1) + 1)
    return [calendar[s - 1] for s in steps]


def month_label(step: int) -> str:
    """'Apr 2025' for step 1."""
    return (pd.Timestamp(START_DATE) + pd.DateOffset(months=int(step) - 1)).strftime("%b %Y")


def _n_text(counts: dict[str, int]) -> str:
    values = set(counts.values())
    if len(values) == 1:
        return f"n = {values.pop()} replications per strategy"
    return "n = " + ", ".join(f"{n} ({strategy_label(s)})" for s, n in counts.items())


def _replications(frame: pd.DataFrame, strategies: Sequence[str]) -> dict[str, int]:
    counts = frame.groupby("strategy")["replication"].nunique()
    return {s: int(counts.get(s, 0)) for s in strategies}


def _base_layout(fig: go.Figure, title: str, subtitle: str, reading: str,
                 height: int = 480) -> go.Figure:
    fig.update_layout(
        template="plotly_white", font=FONT, height=height,
        title=dict(text=title, subtitle=dict(text=subtitle, font=dict(size=12, color="#555555")),
                   x=0.01, xanchor="left", font=dict(size=18), yref="container", y=1,
                   yanchor="top", pad=dict(t=12)),
        margin=dict(t=100, l=80, r=30, b=70),
        legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02,
                    title=None, bgcolor="rgba(255,255,255,0.8)"),
        hoverlabel=dict(font_size=12),
        meta={"reading": reading},
    )
    return fig


def _pct(x: float, digits: int = 1) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f} %"


def _round(values: Iterable[float], digits: int = 5) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]


def _band_and_line(summary: pd.DataFrame, x: list, colour: str, name: str, fmt: str,
                   unit_hover: str = "", showlegend: bool = True, legendgroup: str = "",
                   xaxis_hover: str = "%{x|%b %Y}") -> list[go.Scatter]:
    """A shaded interval band and the mean line on top of it."""
    low, high, mean = (_round(summary[c]) for c in ("low", "high", "mean"))
    band = go.Scatter(
        x=list(x) + list(x)[::-1], y=high + low[::-1], fill="toself",
        fillcolor=_rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip",
        showlegend=False, legendgroup=legendgroup or name, name=f"{name} 95 % interval")
    line = go.Scatter(
        x=list(x), y=mean, mode="lines", name=name, line=dict(color=colour, width=2.2),
        legendgroup=legendgroup or name, showlegend=showlegend,
        customdata=np.column_stack([low, high]).tolist(),
        hovertemplate=(f"<b>{name}</b><br>{xaxis_hover}: %{{y:{fmt}}}{unit_hover}"
                       f"<br>95 % CI %{{customdata[0]:{fmt}}} to %{{customdata[1]:{fmt}}}"
                       "<extra></extra>"))
    return [band, line]


def _winter_shading(fig: go.Figure, first_step: int, last_step: int, **where) -> None:
    """Shade November to February of every winter in the horizon."""
    start = pd.Timestamp(START_DATE) + pd.DateOffset(months=first_step - 1)
    end = pd.Timestamp(START_DATE) + pd.DateOffset(months=last_step)
    for year in range(start.year - 1, end.year + 1):
        x0, x1 = pd.Timestamp(f"{year}-11-01"), pd.Timestamp(f"{year + 1}-03-01")
        x0, x1 = max(x0, start), min(x1, end)
        if x0 < x1:
            fig.add_vrect(x0=x0.strftime("%Y-%m-%d"), x1=x1.strftime("%Y-%m-%d"),
                          fillcolor="#DDDDDD", opacity=0.45, line_width=0, layer="below",
                          **where)


def wrap_label(text: str, width: int = 14, lines: int = 3) -> str:
    """Wrap a label onto at most ``lines`` lines joined by <br> (ellipsis if cut)."""
    parts = textwrap.wrap(text, width=width)
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: max(1, width - 1)] + "…"
    return "<br>".join(parts)


def short_icb_name(name: str) -> str:
    """'NHS Devon Integrated Care Board' -> 'Devon'; 'and' -> '&'."""
    short = name.removeprefix("NHS ").removesuffix(" Integrated Care Board")
    return short.replace(" and ", " & ")


def pretty_domain(domain: str) -> str:
    """'urgent_emergency_care' -> 'Urgent emergency care'."""
    return domain.replace("_", " ").capitalize()


# ------------------------------------------------------------------------- adoption

def _adoption_series(frame: pd.DataFrame) -> pd.DataFrame:
    per_rep = (frame.groupby(["strategy", "replication", "step"], sort=False)["embedded_share"]
               .mean().reset_index())
    return t_summary(per_rep, ["strategy", "step"], "embedded_share").sort_values(
        ["strategy", "step"])


def adoption_curves(innovation_steps: pd.DataFrame, catalogue: pd.DataFrame) -> go.Figure:
    """Mean share of relevant trusts with innovations embedded, by month and strategy.

    A dropdown chooses all innovations (the default), one domain or one innovation;
    the band is the 95 % t interval over the replications present in the table.

    Args:
        innovation_steps: ``innovation_steps.parquet`` (strategy, replication, step,
            innovation, embedded_share, ...).
        catalogue: ``abm/data/innovations.csv`` (innovation_id, name, domain).

    Returns:
        The figure.
    """
    frame = innovation_steps[["strategy", "replication", "step", "innovation",
                              "embedded_share"]]
    strategies = strategies_in(frame)
    colours = strategy_colours(strategies)
    present = list(pd.unique(frame["innovation"]))
    names = dict(zip(catalogue["innovation_id"], catalogue["name"], strict=False))
    domains = dict(zip(catalogue["innovation_id"], catalogue["domain"], strict=False))
    options: list[tuple[str, list[str]]] = [("All innovations", present)]
    for domain in sorted({domains.get(i, "other") for i in present}):
        members = [i for i in present if domains.get(i, "other") == domain]
        options.append((f"Domain: {pretty_domain(domain)} ({len(members)})", members))
    for innovation in sorted(present, key=lambda i: names.get(i, i)):
        options.append((names.get(innovation, innovation), [innovation]))

    by_innovation = {k: g for k, g in frame.groupby("innovation", sort=False)}
    series = []
    for _, members in options:
        subset = frame if len(members) == len(present) else pd.concat(
            [by_innovation[i] for i in members])
        series.append(_adoption_series(subset))

    counts = frame.groupby("strategy")["replication"].nunique().to_dict()
    counts = {s: int(counts[s]) for s in strategies}
    fig = go.Figure()
    for strategy in strategies:
        summary = series[0][series[0]["strategy"] == strategy]
        fig.add_traces(_band_and_line(summary, month_dates(summary["step"]), colours[strategy],
                                      strategy_label(strategy), ".1%"))

    buttons = []
    for label, summary in zip((o[0] for o in options), series, strict=True):
        xs, ys, cds = [], [], []
        for strategy in strategies:
            part = summary[summary["strategy"] == strategy]
            dates = month_dates(part["step"])
            low, high, mean = (_round(part[c]) for c in ("low", "high", "mean"))
            xs += [dates + dates[::-1], dates]
            ys += [high + low[::-1], mean]
            cds += [None, np.column_stack([low, high]).tolist()]
        buttons.append(dict(label=label, method="update",
                            args=[{"x": xs, "y": ys, "customdata": cds},
                                  {"title.text": f"Adoption over time: {label.lower()
                                                  if label == 'All innovations' else label}"}]))

    final = series[0][series[0]["step"] == series[0]["step"].max()].set_index("strategy")
    best, worst = final["mean"].idxmax(), final["mean"].idxmin()
    years = int(final["step"].max()) / 12
    best_text = (f"{strategy_label(best)} ({_pct(final.loc[best, 'mean'])}, 95 % CI "
                 f"{_pct(final.loc[best, 'low'])} to {_pct(final.loc[best, 'high'])})")
    if len(final) > 1:
        reading = (f"After {years:g} years the mean share of relevant trusts with an innovation "
                   f"embedded is highest under {best_text} and lowest under "
                   f"{strategy_label(worst)} ({_pct(final.loc[worst, 'mean'])}).")
    else:
        reading = (f"After {years:g} years the mean share of relevant trusts with an innovation "
                   f"embedded under {best_text}.")
    _base_layout(fig, "Adoption over time: all innovations",
                 f"Mean over innovations, then over replications; band: {INTERVAL} "
                 f"(t interval, {_n_text(counts)}). Choose an innovation or domain below.",
                 reading, height=540)
    fig.update_layout(
        margin=dict(t=150),
        updatemenus=[dict(buttons=buttons, direction="down", showactive=True, active=0,
                          x=0.0, xanchor="left", y=1.04, yanchor="bottom",
                          bgcolor="#F4F4F4", font=dict(size=12))])
    fig.update_xaxes(title_text="Month (model starts April 2025)")
    fig.update_yaxes(title_text="Relevant trusts with it embedded (%)", tickformat=".0%",
                     rangemode="tozero")
    return fig


# ------------------------------------------------------------------------ pilot funnel

FUNNEL_STAGES = (("pilots_started", "Started"), ("pilots_scaled", "Scaled"),
                 ("pilots_abandoned", "Abandoned (failed or faded)"))


def pilot_funnel(runs: pd.DataFrame) -> go.Figure:
    """Pilots started, scaled and abandoned over the run, per strategy (mean, 95 % t interval).

    Args:
        runs: ``runs.parquet``.

    Returns:
        The figure.
    """
    strategies = strategies_in(runs)
    colours = strategy_colours(strategies)
    fig = go.Figure()
    ratios = {}
    for strategy in strategies:
        group = runs[runs["strategy"] == strategy]
        summaries = [t_summary(group.assign(_k=0), ["_k"], column).iloc[0]
                     for column, _ in FUNNEL_STAGES]
        means = [s["mean"] for s in summaries]
        ratios[strategy] = means[1] / means[0] if means[0] else float("nan")
        fig.add_trace(go.Bar(
            x=[label for _, label in FUNNEL_STAGES], y=_round(means, 1),
            name=strategy_label(strategy), marker_color=colours[strategy],
            error_y=dict(type="data", symmetric=False,
                         array=_round([s["high"] - s["mean"] for s in summaries], 1),
                         arrayminus=_round([s["mean"] - s["low"] for s in summaries], 1),
                         color="#444444", thickness=1.2),
            customdata=[[s["low"], s["high"], ratios[strategy]] for s in summaries],
            hovertemplate=(f"<b>{strategy_label(strategy)}</b><br>%{{x}}: %{{y:,.0f}} pilots"
                           "<br>95 % CI %{customdata[0]:,.0f} to %{customdata[1]:,.0f}"
                           "<br>scaled per pilot started: %{customdata[2]:.0%}<extra></extra>")))
    best = max(ratios, key=lambda s: -1 if math.isnan(ratios[s]) else ratios[s])
    n = runs.groupby("strategy")["replication"].nunique().to_dict()
    reading = ("Scaled pilots per pilot started: " + "; ".join(
        f"{strategy_label(s)} {_pct(r, 0)}" for s, r in ratios.items())
               + (f". {strategy_label(best)} converts the largest share of pilots into scale."
                  if len(ratios) > 1 else "."))
    _base_layout(fig, "Pilot funnel: pilots started, scaled and abandoned",
                 f"Total over the horizon, mean per replication; bars: {INTERVAL} "
                 f"(t interval, {_n_text({s: int(n[s]) for s in strategies})})", reading)
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(title_text="Stage of the pilot")
    fig.update_yaxes(title_text="Pilots over the run (count)", rangemode="tozero")
    return fig


# ---------------------------------------------------------------------- time to 50 %

def time_to_half(run_innovations: pd.DataFrame) -> go.Figure:
    """Distribution of months to 50 % adoption per strategy, and how many never reach it.

    Innovations above 50 % at the start (such as the EPR) are left out. Boxes are
    drawn from precomputed quartiles (whiskers: the furthest values within 1.5 IQR).

    Args:
        run_innovations: ``run_innovations.parquet``.

    Returns:
        The figure.
    """
    frame = run_innovations[~run_innovations["above_50pct_at_start"].astype(bool)]
    strategies = strategies_in(run_innovations)
    colours = strategy_colours(strategies)
    fig = go.Figure()
    notes = []
    never_total = runs_total = 0
    for strategy in strategies:
        values = frame.loc[frame["strategy"] == strategy, "time_to_50pct_months"]
        total, reached = len(values), values.dropna().to_numpy(dtype=float)
        never = total - len(reached)
        never_total, runs_total = never_total + never, runs_total + total
        label = (f"{strategy_label(strategy)}<br>never: {never:,} of {total:,}"
                 f" ({_pct(never / total if total else float('nan'), 0)})")
        notes.append(f"{strategy_label(strategy)} {never:,} of {total:,}")
        if len(reached) == 0:
            fig.add_trace(go.Box(x=[label], q1=[None], median=[None], q3=[None],
                                 name=strategy_label(strategy), marker_color=colours[strategy]))
            continue
        q1, med, q3 = np.percentile(reached, [25, 50, 75])
        iqr = q3 - q1
        low = reached[reached >= q1 - 1.5 * iqr].min()
        high = reached[reached <= q3 + 1.5 * iqr].max()
        fig.add_trace(go.Box(
            x=[label], q1=[q1], median=[med], q3=[q3], lowerfence=[low], upperfence=[high],
            mean=[reached.mean()], boxmean=True, name=strategy_label(strategy),
            marker_color=colours[strategy], line=dict(color=colours[strategy]),
            fillcolor=_rgba(colours[strategy], 0.25), hoverinfo="y+name"))
    share_never = never_total / runs_total if runs_total else float("nan")
    reading = (f"{_pct(share_never, 0)} of innovation-runs never reach 50 % of relevant trusts "
               "in the horizon (never reached: " + "; ".join(notes) + "); the boxes describe "
               "only those that do, so a short box can hide a small number of successes.")
    _base_layout(fig, "Time to 50 % adoption (innovation-runs that reach it)",
                 "Box: quartiles, line: median, dashed: mean, whiskers: furthest values "
                 "within 1.5 IQR; innovations above 50 % at the start are left out", reading,
                 height=500)
    fig.update_layout(showlegend=False)
    fig.update_xaxes(title_text="Strategy (and innovation-runs that never reach 50 %)")
    fig.update_yaxes(title_text="Months to 50 % of relevant trusts embedded",
                     rangemode="tozero")
    return fig


# -------------------------------------------------------------------- benefit vs spend

def _cumulative(steps: pd.DataFrame) -> pd.DataFrame:
    spend_columns = [c for c in steps.columns if c.startswith("spend_")]
    frame = steps[["strategy", "replication", "step", "benefit_gbp_m", "benefit_bed_days"]
                  + spend_columns].sort_values(["strategy", "replication", "step"])
    frame = frame.assign(spend_gbp_m=frame[spend_columns].sum(axis=1))
    grouped = frame.groupby(["strategy", "replication"], sort=False)
    for column in ("benefit_gbp_m", "benefit_bed_days", "spend_gbp_m"):
        frame[f"cum_{column}"] = grouped[column].cumsum()
    return frame


def benefit_vs_spend(steps: pd.DataFrame) -> go.Figure:
    """Cumulative benefit (GBP m and bed days) against cumulative spend, per strategy.

    Args:
        steps: ``steps.parquet`` (benefit_gbp_m, benefit_bed_days and the ``spend_*``
            columns, in GBP m per month).

    Returns:
        The figure: money on the left, bed days on the right; a marker every 12 months.
    """
    frame = _cumulative(steps)
    strategies = strategies_in(steps)
    colours = strategy_colours(strategies)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(
        "Benefit in money", "Benefit in bed days"))
    finals = {}
    max_spend = 0.0
    for strategy in strategies:
        part = frame[frame["strategy"] == strategy]
        spend = t_summary(part, ["step"], "cum_spend_gbp_m").sort_values("step")
        steps_ = spend["step"].to_numpy()
        sizes = [9 if s % 12 == 0 else 0 for s in steps_]
        labels = [month_label(s) for s in steps_]
        max_spend = max(max_spend, float(spend["mean"].max()))
        for col, value, fmt, unit in ((1, "cum_benefit_gbp_m", ",.0f", " GBP m"),
                                      (2, "cum_benefit_bed_days", ",.0f", " bed days")):
            benefit = t_summary(part, ["step"], value).sort_values("step")
            fig.add_trace(go.Scatter(
                x=_round(spend["mean"], 2), y=_round(benefit["mean"], 2), mode="lines+markers",
                name=strategy_label(strategy), legendgroup=strategy, showlegend=col == 1,
                line=dict(color=colours[strategy], width=2.2),
                marker=dict(size=sizes, color=colours[strategy]),
                customdata=np.column_stack([labels, _round(benefit["low"], 1),
                                            _round(benefit["high"], 1)]).tolist(),
                hovertemplate=(f"<b>{strategy_label(strategy)}</b>, %{{customdata[0]}}"
                               f"<br>spend so far: %{{x:,.0f}} GBP m<br>benefit so far: "
                               f"%{{y:{fmt}}}{unit}<br>95 % CI %{{customdata[1]:{fmt}}} to "
                               f"%{{customdata[2]:{fmt}}}<extra></extra>")),
                row=1, col=col)
        benefit_end = t_summary(part, ["step"], "cum_benefit_gbp_m").sort_values("step")
        finals[strategy] = (float(benefit_end["mean"].iloc[-1]), float(spend["mean"].iloc[-1]))
    fig.add_trace(go.Scatter(x=[0, max_spend], y=[0, max_spend], mode="lines",
                             name="benefit = spend (break-even)", hoverinfo="skip",
                             line=dict(color="#888888", dash="dash", width=1.2)), row=1, col=1)
    years = int(frame["step"].max()) / 12
    best = max(finals, key=lambda s: finals[s][0] / finals[s][1] if finals[s][1] else 0)
    reading = (f"Over {years:g} years, GBP benefit per GBP spent (mean totals): " + "; ".join(
        f"{strategy_label(s)} {b / sp:.2f} (benefit {b:,.0f} for {sp:,.0f} GBP m)"
        for s, (b, sp) in finals.items() if sp)
        + (f". Highest: {strategy_label(best)}" if len(finals) > 1 else "")
        + "; points below the dashed line have cost more than they returned so far.")
    _base_layout(fig, "Cumulative benefit against cumulative spend",
                 "Mean over replications of running totals; a marker at each year end; "
                 "hover for the 95 % t interval of the benefit "
                 f"({_n_text(_replications(steps, strategies))})", reading, height=500)
    fig.update_xaxes(title_text="Cumulative spend, all payers (GBP m, 2025 prices)",
                     rangemode="tozero")
    fig.update_yaxes(title_text="Cumulative benefit (GBP m, 2025 prices)", rangemode="tozero",
                     row=1, col=1)
    fig.update_yaxes(title_text="Cumulative benefit (bed days)", rangemode="tozero",
                     row=1, col=2)
    return fig


# --------------------------------------------------------------------------- pressure

def _fact_value(facts: pd.DataFrame | None, key: str) -> float | None:
    if facts is None or key not in set(facts["key"]):
        return None
    try:
        return float(facts.loc[facts["key"] == key, "value"].iloc[0])
    except (TypeError, ValueError):
        return None


def pressure_over_time(steps: pd.DataFrame, facts: pd.DataFrame | None = None) -> go.Figure:
    """Mean operational pressure and bed occupancy by month, with winters shaded.

    Cited NHS England occupancy values (winter peak, summer trough) from
    ``facts.csv`` are drawn as dashed reference lines when ``facts`` is given.

    Args:
        steps: ``steps.parquet`` (mean_pressure, mean_bed_occupancy_share).
        facts: ``abm/data/facts.csv`` (key, value, ...), or None.

    Returns:
        The figure.
    """
    strategies = strategies_in(steps)
    colours = strategy_colours(strategies)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Operational pressure", "General and acute bed occupancy"))
    occupancy_by_month = None
    last_year = {}
    for strategy in strategies:
        part = steps[steps["strategy"] == strategy]
        for row, column, fmt in ((1, "mean_pressure", ".3f"),
                                 (2, "mean_bed_occupancy_share", ".1%")):
            summary = t_summary(part, ["step"], column).sort_values("step")
            if row == 2:
                if occupancy_by_month is None:
                    occupancy_by_month = summary
                last_year[strategy] = float(summary["mean"].tail(12).mean())
            fig.add_traces(_band_and_line(summary, month_dates(summary["step"]),
                                          colours[strategy], strategy_label(strategy), fmt,
                                          showlegend=row == 1, legendgroup=strategy),
                           rows=row, cols=1)
    first, last = int(steps["step"].min()), int(steps["step"].max())
    _winter_shading(fig, first, last, row="all", col=1)
    cited = []
    for key, label in (("ga_bed_occupancy_winter_peak", "winter peak"),
                       ("ga_bed_occupancy_summer_trough", "summer trough")):
        value = _fact_value(facts, key)
        if value is not None:
            cited.append(f"{label} {value:g} %")
            fig.add_hline(y=value / 100, line=dict(color=CITED_COLOUR, dash="dash", width=1.5),
                          row=2, col=1)
            fig.add_annotation(x=1.01, xref="paper", xanchor="left", y=value / 100, yref="y2",
                               text=f"Cited: NHS England<br>G&A occupancy,<br>{label} "
                                    f"{value:g} %", showarrow=False, align="left",
                               font=dict(color=CITED_COLOUR, size=11))
    peak_month = trough_month = ""
    if occupancy_by_month is not None:
        by_calendar = occupancy_by_month.assign(
            m=[pd.Timestamp(d).month for d in month_dates(occupancy_by_month["step"])])
        peak = by_calendar.groupby("m")["mean"].mean()
        peak_month = pd.Timestamp(2025, int(peak.idxmax()), 1).strftime("%B")
        trough_month = pd.Timestamp(2025, int(peak.idxmin()), 1).strftime("%B")
    spread = (max(last_year.values()) - min(last_year.values())) * 100 if last_year else 0.0
    reading = (f"Pressure and occupancy are highest on average in {peak_month} and lowest in "
               f"{trough_month}, following the cited NHS England monthly occupancy profile"
               + (f"; in the last 12 months the strategies' mean occupancy differs by "
                  f"{spread:.2f} percentage points." if len(last_year) > 1 else "."))
    _base_layout(fig, "Operational pressure over time: winter peaks",
                 f"Mean over trusts, then over replications; band: {INTERVAL} "
                 f"(t interval, {_n_text(_replications(steps, strategies))}); grey: "
                 "November to February; green dashed: cited values", reading, height=640)
    fig.update_xaxes(title_text="Month (model starts April 2025)", row=2, col=1)
    fig.update_yaxes(title_text="Pressure index (0 = none, 1 = max)", row=1, col=1)
    fig.update_yaxes(title_text="Beds occupied (%)", tickformat=".0%", row=2, col=1)
    return fig


# -------------------------------------------------------------------------- ICB tiles

def _tile_layout(icbs: pd.DataFrame, present: Sequence[str]) -> tuple[list[str], dict]:
    """Regions (columns) and each ICB's (row, column) slot, alphabetical within a region."""
    frame = icbs[icbs["icb_ods_code"].isin(present)]
    regions = [r for r in REGION_ORDER if r in set(frame["nhs_region_name"])]
    regions += sorted(set(frame["nhs_region_name"]) - set(regions))
    slots = {}
    for col, region in enumerate(regions):
        members = frame[frame["nhs_region_name"] == region].sort_values("icb_name")
        for row, code in enumerate(members["icb_ods_code"]):
            slots[code] = (row, col)
    return regions, slots


def icb_tile_map(icb_steps: pd.DataFrame, icbs: pd.DataFrame,
                 frame_steps: Sequence[int] | None = None) -> go.Figure:
    """ICBs as tiles in one column per NHS region, coloured by share embedded, with a slider.

    Each tile is the mean over replications of the ICB's embedded share (over its
    relevant trust-innovation pairs). Buttons choose the strategy; the slider moves
    through the months in ``frame_steps`` (default: the first month and every year end).

    Args:
        icb_steps: ``icb_steps.parquet`` (strategy, replication, step, icb, embedded_share).
        icbs: ``abm/data/icbs.csv`` (icb_ods_code, icb_name, nhs_region_name).
        frame_steps: Months offered by the slider.

    Returns:
        The figure, with Plotly frames and a slider; it opens on the last month.
    """
    strategies = strategies_in(icb_steps)
    last = int(icb_steps["step"].max())
    if frame_steps is None:
        frame_steps = sorted({int(icb_steps["step"].min())}
                             | set(range(12, last + 1, 12)) | {last})
    available = set(pd.unique(icb_steps["step"]).tolist())
    frame_steps = [s for s in frame_steps if s in available]
    wanted = icb_steps[icb_steps["step"].isin(frame_steps)]
    means = wanted.groupby(["strategy", "step", "icb"], sort=False)["embedded_share"].mean()
    lookup = means.to_dict()
    present = list(pd.unique(icb_steps["icb"]))
    known = icbs[icbs["icb_ods_code"].isin(present)]
    missing = [c for c in present if c not in set(known["icb_ods_code"])]
    if missing:  # ICBs not in the catalogue: keep them, under an 'Other' region
        known = pd.concat([known, pd.DataFrame({"icb_ods_code": missing, "icb_name": missing,
                                                "nhs_region_name": "Other"})])
    regions, slots = _tile_layout(known, present)
    names = dict(zip(known["icb_ods_code"], known["icb_name"], strict=False))
    n_rows = 1 + max(r for r, _ in slots.values())
    region_labels = [wrap_label(r, 18, 2) for r in regions]
    text = [[""] * len(regions) for _ in range(n_rows)]
    hover = [[""] * len(regions) for _ in range(n_rows)]
    for code, (r, c) in slots.items():
        text[r][c] = wrap_label(short_icb_name(names[code]), 19, 3)
        hover[r][c] = f"{short_icb_name(names[code])} ({code})"

    def grid(strategy: str, step: int) -> list[list[float | None]]:
        z: list[list[float | None]] = [[None] * len(regions) for _ in range(n_rows)]
        for code, (r, c) in slots.items():
            value = lookup.get((strategy, step, code), np.nan)
            z[r][c] = None if not np.isfinite(value) else round(float(value), 4)
        return z

    fig = go.Figure()
    values = means.to_numpy(dtype=float)
    zmax = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
    zmin = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    zmax = max(0.05, math.ceil(zmax * 20) / 20)
    zmin = min(zmax - 0.05, math.floor(zmin * 20) / 20)
    for i, strategy in enumerate(strategies):
        fig.add_trace(go.Heatmap(
            z=grid(strategy, frame_steps[-1]), x=region_labels, y=list(range(n_rows)),
            text=text, customdata=hover, texttemplate="%{text}", textfont=dict(size=11),
            coloraxis="coloraxis", xgap=4, ygap=4, name=strategy_label(strategy),
            visible=i == 0,
            hovertemplate=(f"<b>%{{customdata}}</b><br>{strategy_label(strategy)}: "
                           "%{z:.1%} of relevant trust-innovation pairs embedded"
                           "<extra></extra>")))
    fig.frames = [go.Frame(name=str(step), traces=list(range(len(strategies))),
                           data=[go.Heatmap(z=grid(s, step)) for s in strategies])
                  for step in frame_steps]
    slider_steps = [dict(method="animate", label=month_label(step),
                         args=[[str(step)], dict(mode="immediate",
                                                 frame=dict(duration=0, redraw=True),
                                                 transition=dict(duration=0))])
                    for step in frame_steps]
    buttons = [dict(label=strategy_label(s), method="restyle",
                    args=[{"visible": [j == i for j in range(len(strategies))]}])
               for i, s in enumerate(strategies)]
    end = means.xs(frame_steps[-1], level="step")
    spread = "; ".join(f"{strategy_label(s)} {_pct(end.xs(s).min())} to {_pct(end.xs(s).max())}"
                       for s in strategies if s in end.index.get_level_values("strategy"))
    reading = (f"In {month_label(frame_steps[-1])} the ICBs' shares embedded range: {spread}. "
               "Choose a strategy with the buttons and move the slider to see where adoption "
               "starts and how it spreads.")
    _base_layout(fig, "Where innovations are embedded: ICBs by NHS region",
                 "Tile colour: share of the ICB's relevant trust-innovation pairs embedded, "
                 f"mean over replications ({_n_text(_replications(icb_steps, strategies))}); "
                 "columns: the NHS regions", reading,
                 height=60 * n_rows + 330)
    fig.update_layout(
        coloraxis=dict(colorscale="Cividis", cmin=zmin, cmax=zmax,
                       colorbar=dict(title=dict(text="Share embedded", side="right"),
                                     tickformat=".0%", len=0.8, thickness=16)),
        updatemenus=[dict(type="buttons", direction="right", buttons=buttons, active=0,
                          showactive=True, x=0.0, xanchor="left", y=1.0, yanchor="bottom",
                          pad=dict(b=50), bgcolor="#F4F4F4", font=dict(size=13))],
        sliders=[dict(active=len(frame_steps) - 1, steps=slider_steps, x=0.0, len=1.0,
                      y=0, yanchor="top", pad=dict(t=20),
                      currentvalue=dict(prefix="Month shown: ", font=dict(size=14)))],
        margin=dict(b=110, t=160, l=30),
        showlegend=False)
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False,
                     zeroline=False)
    fig.update_xaxes(side="top", showgrid=False, tickfont=dict(size=12), tickangle=0)
    return fig


def icb_inequality(steps: pd.DataFrame) -> go.Figure:
    """Inequality of adoption between ICBs over time: Gini coefficient and variance.

    Args:
        steps: ``steps.parquet`` (icb_embedded_share_gini, icb_embedded_share_variance).

    Returns:
        The figure.
    """
    strategies = strategies_in(steps)
    colours = strategy_colours(strategies)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(
        "Gini coefficient", "Variance"))
    finals = {}
    for strategy in strategies:
        part = steps[steps["strategy"] == strategy]
        for col, column, fmt in ((1, "icb_embedded_share_gini", ".3f"),
                                 (2, "icb_embedded_share_variance", ".5f")):
            summary = t_summary(part, ["step"], column).sort_values("step")
            if col == 1:
                finals[strategy] = float(summary["mean"].iloc[-1])
            fig.add_traces(_band_and_line(summary, month_dates(summary["step"]),
                                          colours[strategy], strategy_label(strategy), fmt,
                                          showlegend=col == 1, legendgroup=strategy),
                           rows=1, cols=col)
    most, least = max(finals, key=finals.get), min(finals, key=finals.get)
    if len(finals) > 1:
        reading = (f"At the end, adoption is most unequal between ICBs under "
                   f"{strategy_label(most)} (Gini {finals[most]:.3f}) and least under "
                   f"{strategy_label(least)} (Gini {finals[least]:.3f}).")
    else:
        reading = (f"At the end, the Gini coefficient of adoption between ICBs under "
                   f"{strategy_label(most)} is {finals[most]:.3f} (0 = all ICBs equal).")
    _base_layout(fig, "Inequality of adoption between ICBs",
                 f"Across the ICBs' embedded shares each month; band: {INTERVAL} "
                 f"(t interval, {_n_text(_replications(steps, strategies))})",
                 reading, height=460)
    fig.update_xaxes(title_text="Month (model starts April 2025)")
    fig.update_yaxes(title_text="Gini coefficient (0 = all ICBs equal)", rangemode="tozero",
                     row=1, col=1)
    fig.update_yaxes(title_text="Variance of ICB share (share squared)", rangemode="tozero",
                     row=1, col=2)
    return fig


# ------------------------------------------------------------------ optional sections

WIN_MAP_COLUMNS = ("x_parameter", "x_value", "y_parameter", "y_value", "strategy", "outcome",
                   "outcome_mean", "outcome_ci_low", "outcome_ci_high", "replications",
                   "winner", "margin", "margin_ci_low", "margin_ci_high")
SENSITIVITY_COLUMNS = ("method", "outcome", "parameter", "mu_star", "mu_star_conf", "sigma",
                       "S1", "S1_conf", "ST", "ST_conf", "samples")
BASS_COLUMNS = ("strategy", "innovation", "p", "p_ci_low", "p_ci_high", "q", "q_ci_low",
                "q_ci_high", "replications")


def _fmt_value(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


def win_maps(win_map: pd.DataFrame) -> list[go.Figure]:
    """Heatmaps of the winning strategy over two parameters, one per outcome and pair.

    Args:
        win_map: ``win_map.parquet`` (one row per cell and strategy; ``winner`` and the
            margin with its interval repeated on each row of a cell).

    Returns:
        One figure per (outcome, x_parameter, y_parameter).
    """
    figures = []
    keys = ["outcome", "x_parameter", "y_parameter"]
    for (outcome, xp, yp), block in win_map.groupby(keys, sort=False):
        strategies = strategies_in(block)
        winners = [w for w in pd.unique(block["winner"].dropna()) if w in strategies]
        winners = [s for s in strategies if s in winners]
        categories = winners + ["no clear winner"]
        colours = strategy_colours(strategies)
        palette = [colours[s] for s in winners] + [NO_WINNER_COLOUR]
        n = len(categories)
        colorscale = []
        for i, colour in enumerate(palette):
            colorscale += [[i / n, colour], [(i + 1) / n, colour]]
        xs = sorted(pd.unique(block["x_value"]))
        ys = sorted(pd.unique(block["y_value"]))
        z = [[None] * len(xs) for _ in ys]
        hover = [[""] * len(xs) for _ in ys]
        counts = dict.fromkeys(categories, 0)
        for (xv, yv), cell in block.groupby(["x_value", "y_value"], sort=False):
            first = cell.iloc[0]
            winner = first["winner"] if first["winner"] in winners else "no clear winner"
            counts[winner] += 1
            i, j = ys.index(yv), xs.index(xv)
            z[i][j] = categories.index(winner)
            lines = [f"<b>{strategy_label(winner) if winner in winners else winner}</b>",
                     f"margin {first['margin']:.4g} (95 % CI {first['margin_ci_low']:.4g} to "
                     f"{first['margin_ci_high']:.4g})"]
            for row in cell.itertuples():
                lines.append(f"{strategy_label(row.strategy)}: {row.outcome_mean:.4g} "
                             f"[{row.outcome_ci_low:.4g}, {row.outcome_ci_high:.4g}]")
            lines.append(f"replications: {int(first['replications'])}")
            hover[i][j] = "<br>".join(lines)
        fig = go.Figure(go.Heatmap(
            z=z, x=[_fmt_value(v) for v in xs], y=[_fmt_value(v) for v in ys], text=hover,
            colorscale=colorscale, zmin=-0.5, zmax=n - 0.5, showscale=False, xgap=1, ygap=1,
            hovertemplate=(f"{xp} = %{{x}}<br>{yp} = %{{y}}<br>%{{text}}<extra></extra>")))
        for category, colour in zip(categories, palette, strict=True):
            fig.add_trace(go.Scatter(
                x=[None], y=[None], mode="markers", marker=dict(size=12, color=colour,
                                                                symbol="square"),
                name=strategy_label(category) if category in winners else category))
        cells = sum(counts.values())
        reading = (f"Of {cells} parameter combinations, " + "; ".join(
            f"{strategy_label(c) if c in winners else c} wins {k}" for c, k in counts.items()
            if k) + f" on {outcome} (hover a cell for the margin and its interval).")
        _base_layout(fig, f"Which strategy wins where: {outcome}",
                     f"Winner by mean {outcome} in each cell of {xp} by {yp}; grey: no "
                     "strategy ahead with 95 % confidence", reading, height=520)
        fig.update_xaxes(title_text=f"{xp} (parameter value)", type="category")
        fig.update_yaxes(title_text=f"{yp} (parameter value)", type="category")
        figures.append(fig)
    return figures


def sensitivity_bars(sensitivity: pd.DataFrame) -> list[go.Figure]:
    """Parameter importance bars per method: Morris mu* or Sobol S1 and ST.

    A dropdown chooses the outcome when there are several.

    Args:
        sensitivity: ``sensitivity.parquet``.

    Returns:
        One figure per method present.
    """
    figures = []
    for method, block in sensitivity.groupby("method", sort=False):
        outcomes = list(pd.unique(block["outcome"]))
        fig = go.Figure()
        visibility = []
        morris = str(method).lower() == "morris"
        series = (("mu_star", "mu_star_conf", "μ*", OKABE_ITO["blue"]),) if morris else (
            ("S1", "S1_conf", "first order S1", OKABE_ITO["sky_blue"]),
            ("ST", "ST_conf", "total order ST", OKABE_ITO["blue"]))
        top = {}
        for k, outcome in enumerate(outcomes):
            part = block[block["outcome"] == outcome].sort_values(series[-1][0])
            top[outcome] = part.iloc[-1]["parameter"] if len(part) else ""
            for column, conf, label, colour in series:
                fig.add_trace(go.Bar(
                    y=part["parameter"], x=_round(part[column], 5), orientation="h",
                    name=label, marker_color=colour, visible=k == 0, legendgroup=label,
                    error_x=dict(type="data", array=_round(part[conf].fillna(0), 5),
                                 color="#444444"),
                    customdata=np.column_stack([part["samples"]]).tolist(),
                    hovertemplate=(f"%{{y}}<br>{label}: %{{x:.3g}} ± %{{error_x.array:.2g}}"
                                   "<br>samples: %{customdata[0]}<extra></extra>")))
                visibility.append(k)
        buttons = [dict(label=outcome, method="update",
                        args=[{"visible": [v == k for v in visibility]},
                              {"title.text": f"Sensitivity ({method}): {outcome}"}])
                   for k, outcome in enumerate(outcomes)]
        n_params = block.groupby("outcome")["parameter"].nunique().max()
        reading = ("Most influential parameter: " + "; ".join(
            f"{o}: {top[o]}" for o in outcomes) + ". Longer bars: the outcome moves more "
                   "with that parameter over its plausible range.")
        unit = ("μ*: mean absolute elementary effect, in outcome units" if morris
                else "share of the outcome's variance (0 to 1)")
        _base_layout(fig, f"Sensitivity ({method}): {outcomes[0]}",
                     f"{'Morris screening' if morris else 'Sobol indices'}; error bars: "
                     "95 % confidence from the method", reading,
                     height=max(420, 28 * int(n_params) + 200))
        fig.update_layout(barmode="group", margin=dict(l=260, t=140))
        if len(outcomes) > 1:
            fig.update_layout(updatemenus=[dict(buttons=buttons, direction="down", x=0.0,
                                                xanchor="left", y=1.18, yanchor="bottom")])
        fig.update_xaxes(title_text=unit, rangemode="tozero")
        fig.update_yaxes(title_text="Parameter")
        figures.append(fig)
    return figures


def bass_coefficients(bass_fit: pd.DataFrame, facts: pd.DataFrame | None = None,
                      catalogue: pd.DataFrame | None = None) -> go.Figure:
    """Bass p and q fitted to the model's adoption, against the cited literature means.

    Args:
        bass_fit: ``bass_fit.parquet`` (p and q in per year, with 95 % intervals).
        facts: ``abm/data/facts.csv``, for the literature values (bass_p_mean,
            bass_q_mean, bass_q_mean_vdb_2004).
        catalogue: ``abm/data/innovations.csv``, to show innovation names.

    Returns:
        The figure.
    """
    strategies = strategies_in(bass_fit)
    colours = strategy_colours(strategies)
    names = {} if catalogue is None else dict(
        zip(catalogue["innovation_id"], catalogue["name"], strict=False))
    bass_fit = bass_fit.assign(innovation=[
        wrap_label(names.get(i, i), 22, 2) for i in bass_fit["innovation"]])
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("Coefficient of innovation p (external influence)",
                                        "Coefficient of imitation q (peer influence)"))
    for strategy in strategies:
        part = bass_fit[bass_fit["strategy"] == strategy]
        for row, coef in ((1, "p"), (2, "q")):
            fig.add_trace(go.Scatter(
                x=part["innovation"], y=_round(part[coef], 5), mode="markers",
                name=strategy_label(strategy), legendgroup=strategy, showlegend=row == 1,
                marker=dict(color=colours[strategy], size=8),
                error_y=dict(type="data", symmetric=False,
                             array=_round(part[f"{coef}_ci_high"] - part[coef], 5),
                             arrayminus=_round(part[coef] - part[f"{coef}_ci_low"], 5),
                             color=colours[strategy], thickness=1),
                customdata=np.column_stack([part[f"{coef}_ci_low"], part[f"{coef}_ci_high"],
                                            part["replications"]]).tolist(),
                hovertemplate=(f"<b>{strategy_label(strategy)}</b> %{{x}}<br>{coef} = "
                               "%{y:.3f} per year<br>95 % CI %{customdata[0]:.3f} to "
                               "%{customdata[1]:.3f}<br>replications: %{customdata[2]}"
                               "<extra></extra>")), row=row, col=1)
    cited = []
    for key, row, label in (("bass_p_mean", 1, "p"), ("bass_q_mean", 2, "q"),
                            ("bass_q_mean_vdb_2004", 2, "q")):
        value = _fact_value(facts, key)
        if value is None:
            continue
        source = "Sultan, Farley & Lehmann 1990" if "vdb" not in key else \
            "Van den Bulte & Stremersch 2004"
        cited.append(f"{label} = {value:g} ({source})")
        fig.add_hline(y=value, line=dict(color=CITED_COLOUR, dash="dash", width=1.5),
                      annotation_text=f"Cited: mean {label} = {value:g} per year ({source})",
                      annotation_position="top right" if "vdb" in key else "bottom right",
                      annotation_font=dict(color=CITED_COLOUR, size=11), row=row, col=1)
    med_p, med_q = bass_fit["p"].median(), bass_fit["q"].median()
    q_cited = _fact_value(facts, "bass_q_mean")
    ratio = (f"; the fitted q is {med_q / q_cited:.2f} times the cited mean q"
             if q_cited and np.isfinite(med_q) else "")
    reading = (f"Median fitted p = {med_p:.3f} and q = {med_q:.3f} per year"
               + (f", against the cited literature means {', '.join(cited)}" if cited else "")
               + ratio + ". The cited values come from consumer and drug markets, not the NHS.")
    _base_layout(fig, "Bass diffusion coefficients fitted to the model's adoption curves",
                 "Points: fitted value, bars: 95 % interval; green dashed: cited literature "
                 "means (not NHS-specific)", reading, height=680)
    fig.update_layout(scattermode="group", margin=dict(b=170))
    fig.update_xaxes(title_text="Innovation", tickangle=-45, row=2, col=1)
    fig.update_yaxes(title_text="p (per year)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="q (per year)", rangemode="tozero", row=2, col=1)
    return fig
