"""The report's views of a run over time: one function per chart, DataFrames in, a figure out.

Every function aggregates before plotting (means and 95 % t intervals over
replications, quantiles, cumulative sums), so a figure's size does not grow with
the number of replications. Each figure has a title, axis titles with units, and
a one-line reading of what it shows in ``fig.layout.meta["reading"]`` (the report
prints it under the chart). Colours are the Okabe-Ito palette, safe for the
common forms of colour blindness. The views by ICB are in :mod:`abm.report.icb_figures`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import (
    CITED_COLOUR,
    INTERVAL,
    band_and_line,
    base_layout,
    fact_value,
    month_dates,
    month_label,
    n_text,
    pct,
    pretty_domain,
    replication_counts,
    rgba,
    round_values,
    strategies_in,
    strategy_colours,
    strategy_label,
    t_summary,
    winter_shading,
)

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
        fig.add_traces(band_and_line(summary, month_dates(summary["step"]), colours[strategy],
                                      strategy_label(strategy), ".1%"))

    buttons = []
    for label, summary in zip((o[0] for o in options), series, strict=True):
        xs, ys, cds = [], [], []
        for strategy in strategies:
            part = summary[summary["strategy"] == strategy]
            dates = month_dates(part["step"])
            low, high, mean = (round_values(part[c]) for c in ("low", "high", "mean"))
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
    best_text = (f"{strategy_label(best)} ({pct(final.loc[best, 'mean'])}, 95 % CI "
                 f"{pct(final.loc[best, 'low'])} to {pct(final.loc[best, 'high'])})")
    if len(final) > 1:
        reading = (f"After {years:g} years the mean share of relevant trusts with an innovation "
                   f"embedded is highest under {best_text} and lowest under "
                   f"{strategy_label(worst)} ({pct(final.loc[worst, 'mean'])}).")
    else:
        reading = (f"After {years:g} years the mean share of relevant trusts with an innovation "
                   f"embedded under {best_text}.")
    base_layout(fig, "Adoption over time: all innovations",
                 f"Mean over innovations, then over replications; band: {INTERVAL} "
                 f"(t interval, {n_text(counts)}). Choose an innovation or domain below.",
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
            x=[label for _, label in FUNNEL_STAGES], y=round_values(means, 1),
            name=strategy_label(strategy), marker_color=colours[strategy],
            error_y=dict(type="data", symmetric=False,
                         array=round_values([s["high"] - s["mean"] for s in summaries], 1),
                         arrayminus=round_values([s["mean"] - s["low"] for s in summaries], 1),
                         color="#444444", thickness=1.2),
            customdata=[[s["low"], s["high"], ratios[strategy]] for s in summaries],
            hovertemplate=(f"<b>{strategy_label(strategy)}</b><br>%{{x}}: %{{y:,.0f}} pilots"
                           "<br>95 % CI %{customdata[0]:,.0f} to %{customdata[1]:,.0f}"
                           "<br>scaled per pilot started: %{customdata[2]:.0%}<extra></extra>")))
    best = max(ratios, key=lambda s: -1 if math.isnan(ratios[s]) else ratios[s])
    n = runs.groupby("strategy")["replication"].nunique().to_dict()
    reading = ("Scaled pilots per pilot started: " + "; ".join(
        f"{strategy_label(s)} {pct(r, 0)}" for s, r in ratios.items())
               + (f". {strategy_label(best)} converts the largest share of pilots into scale."
                  if len(ratios) > 1 else "."))
    base_layout(fig, "Pilot funnel: pilots started, scaled and abandoned",
                 f"Total over the horizon, mean per replication; bars: {INTERVAL} "
                 f"(t interval, {n_text({s: int(n[s]) for s in strategies})})", reading)
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
                 f" ({pct(never / total if total else float('nan'), 0)})")
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
            fillcolor=rgba(colours[strategy], 0.25), hoverinfo="y+name"))
    share_never = never_total / runs_total if runs_total else float("nan")
    reading = (f"{pct(share_never, 0)} of innovation-runs never reach 50 % of relevant trusts "
               "in the horizon (never reached: " + "; ".join(notes) + "); the boxes describe "
               "only those that do, so a short box can hide a small number of successes.")
    base_layout(fig, "Time to 50 % adoption (innovation-runs that reach it)",
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
                x=round_values(spend["mean"], 2), y=round_values(benefit["mean"], 2),
                mode="lines+markers",
                name=strategy_label(strategy), legendgroup=strategy, showlegend=col == 1,
                line=dict(color=colours[strategy], width=2.2),
                marker=dict(size=sizes, color=colours[strategy]),
                customdata=np.column_stack([labels, round_values(benefit["low"], 1),
                                            round_values(benefit["high"], 1)]).tolist(),
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
    base_layout(fig, "Cumulative benefit against cumulative spend",
                 "Mean over replications of running totals; a marker at each year end; "
                 "hover for the 95 % t interval of the benefit "
                 f"({n_text(replication_counts(steps, strategies))})", reading, height=500)
    fig.update_xaxes(title_text="Cumulative spend, all payers (GBP m, 2025 prices)",
                     rangemode="tozero")
    fig.update_yaxes(title_text="Cumulative benefit (GBP m, 2025 prices)", rangemode="tozero",
                     row=1, col=1)
    fig.update_yaxes(title_text="Cumulative benefit (bed days)", rangemode="tozero",
                     row=1, col=2)
    return fig


# --------------------------------------------------------------------------- pressure

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
            fig.add_traces(band_and_line(summary, month_dates(summary["step"]),
                                          colours[strategy], strategy_label(strategy), fmt,
                                          showlegend=row == 1, legendgroup=strategy),
                           rows=row, cols=1)
    first, last = int(steps["step"].min()), int(steps["step"].max())
    winter_shading(fig, first, last, row="all", col=1)
    cited = []
    for key, label in (("ga_bed_occupancy_winter_peak", "winter peak"),
                       ("ga_bed_occupancy_summer_trough", "summer trough")):
        value = fact_value(facts, key)
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
    base_layout(fig, "Operational pressure over time: winter peaks",
                 f"Mean over trusts, then over replications; band: {INTERVAL} "
                 f"(t interval, {n_text(replication_counts(steps, strategies))}); grey: "
                 "November to February; green dashed: cited values", reading, height=640)
    fig.update_xaxes(title_text="Month (model starts April 2025)", row=2, col=1)
    fig.update_yaxes(title_text="Pressure index (0 = none, 1 = max)", row=1, col=1)
    fig.update_yaxes(title_text="Beds occupied (%)", tickformat=".0%", row=2, col=1)
    return fig
