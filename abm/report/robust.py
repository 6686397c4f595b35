"""The report's appraisal and robust-comparison sections (DataFrames in, Plotly figures out).

``appraisal_figure`` reads a run's ``runs`` table (present values by payer, NPSV);
the others read the tables of ``nhs-abm experiment=robust_comparison``: the
cost-effectiveness frontier, the Pareto fronts, regret and satisficing across the
futures, and each strategy's best and worst conditions. Nothing is computed here
beyond means of the runs and picking rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import BASELINE_STRATEGY
from .style import base_layout, rgba, round_values, strategies_in, strategy_colours, strategy_label

TABLES = {
    "frontier": ("strategy", "spend_cap_gbp_m", "capped", "extra_pv_cost_gbp_m",
                 "extra_pv_benefit_gbp_m", "extra_pv_benefit_gbp_m_low",
                 "extra_pv_benefit_gbp_m_high", "extra_npsv_gbp_m", "strategy_spend_gbp_m"),
    "pareto": ("strategy", "trial", "on_front"),
    "robustness": ("outcome", "levers", "futures_kind", "strategy", "futures", "mean_regret",
                   "mean_regret_low", "mean_regret_high", "max_regret", "best_share"),
    "extremes": ("strategy", "direction", "trial", "lead", "searched", "start_lead", "winner",
                 "found"),
    "robust_boxes": ("levers", "strategy", "judged", "share_of_futures", "rule", "density",
                     "coverage"),
    "tuned_levers": ("strategy", "lever", "default", "tuned", "low", "high"),
}
PAYERS = (("pv_cost_trust_gbp_m", "trusts"), ("pv_cost_icb_gbp_m", "ICBs' funds"),
          ("pv_cost_national_gbp_m", "the centre"))
LEVER_DASH = {"default": "dot", "tuned": "solid"}


def appraisal_figure(table: pd.DataFrame) -> go.Figure:
    """Each strategy's present values: benefits (in the run, after it) against costs by payer.

    ``table`` is ``summary.appraisal_table`` of a run's ``runs``. Bars to the right of
    zero are benefits, to the left costs; a diamond marks the net present social value
    with its 95 % t interval over replications.
    """
    strategies = list(table["strategy"])
    labels = [strategy_label(s) for s in strategies]
    fig = go.Figure()
    in_run = table["pv_benefit_gbp_m"] - table["pv_residual_value_gbp_m"]
    benefit_parts = ((in_run, "benefit and savings in the run", "#009E73"),
                     (table["pv_residual_value_gbp_m"], "benefit after it (residual value)",
                      rgba("#009E73", 0.45)))
    for values, name, colour in benefit_parts:
        fig.add_trace(go.Bar(y=labels, x=round_values(values, 1), name=name, orientation="h",
                             marker_color=colour, hovertemplate="%{y}: %{x:.0f} GBP m<extra>"
                             + name + "</extra>"))
    greys = ("#555555", "#888888", "#BBBBBB")
    for (column, payer), colour in zip(PAYERS, greys, strict=True):
        fig.add_trace(go.Bar(y=labels, x=round_values(-table[column], 1),
                             name=f"cost to {payer}", orientation="h", marker_color=colour,
                             hovertemplate="%{y}: %{x:.0f} GBP m<extra>cost to " + payer
                             + "</extra>"))
    fig.add_trace(go.Scatter(
        y=labels, x=round_values(table["npsv_gbp_m"], 1), mode="markers", name="NPSV",
        marker=dict(symbol="diamond", size=12, color="#000000"),
        error_x=dict(type="data", symmetric=False,
                     array=round_values(table["npsv_gbp_m_high"] - table["npsv_gbp_m"], 1),
                     arrayminus=round_values(table["npsv_gbp_m"] - table["npsv_gbp_m_low"], 1)),
        hovertemplate="%{y}: NPSV %{x:.0f} GBP m<extra></extra>"))
    notes = [f"{strategy_label(r.strategy)} NPSV {r.npsv_gbp_m:.0f}, BCR {r.bcr:.2f}"
             + ("" if r.strategy == BASELINE_STRATEGY or np.isnan(r.extra_npsv_gbp_m) else
                f" ({r.extra_npsv_gbp_m:+.0f} against the status quo, {r.value_for_money} "
                "value for money)")
             for r in table.itertuples()]
    reading = ("Present values over the run and its residual value, GBP m: " + "; ".join(notes)
               + ". Costs to the left of zero, split by who pays.")
    base_layout(fig, "Appraisal: present values by payer",
                "HM Treasury Green Book: real 2025 prices, discounted at the social time "
                "preference rate; residual value of what is embedded at the end", reading,
                height=140 + 70 * len(strategies))
    fig.update_layout(barmode="relative")
    fig.update_xaxes(title_text="Present value, GBP m (costs negative)", zeroline=True,
                     zerolinewidth=2, zerolinecolor="#222222")
    fig.update_yaxes(title_text="Strategy", autorange="reversed")
    return fig


def frontier_figure(frontier: pd.DataFrame) -> go.Figure:
    """Extra present benefit against extra present cost of each tuned strategy, by spend cap.

    Reading a vertical line gives the strategies at the same cost; the dashed lines
    are benefit-cost ratios of 1 (break-even) and 2 (high value for money).
    """
    strategies = strategies_in(frontier)
    colours = strategy_colours(strategies)
    fig = go.Figure()
    costs = frontier["extra_pv_cost_gbp_m"].to_numpy()
    ends = [min(0.0, float(np.nanmin(costs))), max(0.0, float(np.nanmax(costs)))]
    for ratio, name in ((1.0, "benefit = cost"), (2.0, "benefit = 2 x cost")):
        fig.add_trace(go.Scatter(x=ends, y=[ratio * e for e in ends], mode="lines",
                                 name=name, line=dict(color="#999999", dash="dash", width=1),
                                 hoverinfo="skip"))
    notes = []
    for strategy in strategies:
        rows = frontier[frontier["strategy"] == strategy].sort_values("extra_pv_cost_gbp_m")
        caps = ["no cap" if not c else f"cap {v:g}" for c, v in
                zip(rows["capped"], rows["spend_cap_gbp_m"], strict=True)]
        fig.add_trace(go.Scatter(
            x=round_values(rows["extra_pv_cost_gbp_m"], 1),
            y=round_values(rows["extra_pv_benefit_gbp_m"], 1), mode="lines+markers",
            name=strategy_label(strategy), line=dict(color=colours[strategy]),
            error_y=dict(type="data", symmetric=False,
                         array=round_values(rows["extra_pv_benefit_gbp_m_high"]
                                            - rows["extra_pv_benefit_gbp_m"], 1),
                         arrayminus=round_values(rows["extra_pv_benefit_gbp_m"]
                                                 - rows["extra_pv_benefit_gbp_m_low"], 1)),
            customdata=np.column_stack([caps, round_values(rows["extra_npsv_gbp_m"], 1)]),
            hovertemplate=("<b>" + strategy_label(strategy) + "</b>, %{customdata[0]}<br>extra "
                           "cost %{x:.0f}, extra benefit %{y:.0f}, NPSV %{customdata[1]} GBP m"
                           "<extra></extra>")))
        top = rows.iloc[-1]
        notes.append(f"{strategy_label(strategy)} {top.extra_pv_benefit_gbp_m:.0f} for "
                     f"{top.extra_pv_cost_gbp_m:.0f}")
    reading = ("Each tuned strategy under spend caps on its own programme, against the status "
               "quo (GBP m, present values); uncapped: " + "; ".join(notes) + ". Above the "
               "dashed line of 1, a strategy returns more than it costs.")
    base_layout(fig, "Cost-effectiveness frontier",
                "Extra present benefit against extra present cost over the status quo, each "
                "point a spend cap; bars: 95 % t interval over replications", reading, height=520)
    fig.update_xaxes(title_text="Extra present cost over the status quo, GBP m")
    fig.update_yaxes(title_text="Extra present benefit, GBP m")
    return fig


def pareto_figure(pareto: pd.DataFrame) -> go.Figure:
    """Each strategy's searched lever settings: NPSV against adoption, the front filled."""
    strategies = strategies_in(pareto)
    colours = strategy_colours(strategies)
    x, y = "mean_embedded_share_y10", "mean_npsv_gbp_m"
    fig = go.Figure()
    notes = []
    levers = [c for c in pareto.columns if c.startswith("strategy.")]
    for strategy in strategies:
        rows = pareto[pareto["strategy"] == strategy]
        for front in (False, True):
            part = rows[rows["on_front"] == front]
            if part.empty:
                continue
            hover = [", ".join(f"{c.rsplit('.', 1)[-1]} {v:.3g}" for c, v in r.items()
                               if np.isfinite(v))
                     for r in part[levers].to_dict("records")]
            gini = round_values(part.get("mean_icb_benefit_gini", pd.Series(np.nan,
                                                                             part.index)), 3)
            fig.add_trace(go.Scatter(
                x=round_values(part[x], 4), y=round_values(part[y], 1), mode="markers",
                name=strategy_label(strategy) + (" (front)" if front else " (dominated)"),
                legendgroup=strategy, showlegend=True,
                marker=dict(color=colours[strategy] if front else rgba(colours[strategy], 0.25),
                            size=10 if front else 7, line=dict(width=0)),
                customdata=np.column_stack([hover, gini]),
                hovertemplate=("<b>" + strategy_label(strategy) + "</b><br>%{customdata[0]}"
                               "<br>Gini between ICBs %{customdata[1]}<extra></extra>")))
        notes.append(f"{strategy_label(strategy)} {int(rows['on_front'].sum())} of {len(rows)}")
    reading = ("Lever settings searched by NSGA-II; filled: not dominated on every objective "
               "at once (" + "; ".join(notes) + "). Hover for the levers.")
    base_layout(fig, "Pareto fronts of each strategy's levers",
                "Mean NPSV against mean year-10 adoption; the front also trades inequality "
                "between ICBs and present cost", reading, height=520)
    fig.update_xaxes(title_text="Year-10 embedded share (mean)", tickformat=".1%")
    fig.update_yaxes(title_text="NPSV, GBP m (mean)")
    return fig


def robustness_figure(robustness: pd.DataFrame) -> go.Figure:
    """Satisficing share and mean regret of each strategy across the futures, default and tuned."""
    first = robustness.iloc[0]  # the objective, over the Latin hypercube
    table = robustness[(robustness["futures_kind"] == first["futures_kind"])
                       & (robustness["outcome"] == first["outcome"])]
    kind = first["futures_kind"].replace("_", " ")
    strategies = strategies_in(table)
    colours = strategy_colours(strategies)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.3, subplot_titles=(
        "Beats the status quo (share of futures)", f"Mean regret on {first['outcome']}"))
    notes = []
    for levers in ("default", "tuned"):
        part = table[table["levers"] == levers].set_index("strategy")
        others = [s for s in strategies if s in part.index and s != BASELINE_STRATEGY]
        if "satisficing_share" in part:
            fig.add_trace(_interval_bars(part.loc[others], "satisficing_share", levers, colours,
                                         4, "%{x:.0%}"), row=1, col=1)
        present = [s for s in strategies if s in part.index]
        fig.add_trace(_interval_bars(part.loc[present], "mean_regret", levers, colours, 1,
                                     "%{x:.0f}"), row=1, col=2)
        for s in others:
            notes.append(f"{strategy_label(s)} ({levers}) {part.loc[s, 'satisficing_share']:.0%}")
    reading = (f"Across {int(table['futures'].iloc[0])} {kind} futures, share in which each "
               "strategy beats the status quo: " + "; ".join(notes) + ". Regret: the best "
               "strategy's outcome in the future less this one's (0 where it is best).")
    base_layout(fig, "Robustness across plausible futures",
                "Pale: default levers; solid: tuned levers. Bars: Wilson 95 % interval "
                "(shares), bootstrap 95 % interval over futures (regret)", reading,
                height=200 + 45 * len(table))
    fig.update_xaxes(title_text="Share of futures", tickformat=".0%", range=[0, 1], row=1,
                     col=1)
    fig.update_xaxes(title_text=first["outcome"], row=1, col=2)
    fig.update_yaxes(title_text="Strategy", autorange="reversed")
    return fig


def _interval_bars(rows: pd.DataFrame, column: str, levers: str, colours: dict[str, str],
                   digits: int, value_format: str) -> go.Bar:
    """Horizontal bars of ``column`` per strategy (the index) with its _low/_high interval."""
    values = rows[column]
    return go.Bar(
        y=[f"{strategy_label(s)} ({levers})" for s in rows.index],
        x=round_values(values, digits), orientation="h", showlegend=False,
        marker_color=[colours[s] if levers == "tuned" else rgba(colours[s], 0.4)
                      for s in rows.index],
        error_x=dict(type="data", symmetric=False,
                     array=round_values(rows[f"{column}_high"] - values, digits),
                     arrayminus=round_values(values - rows[f"{column}_low"], digits)),
        hovertemplate="%{y}: " + value_format + "<extra></extra>")


def extremes_figure(extremes: pd.DataFrame) -> go.Figure:
    """A table: each strategy's best and worst conditions found, and who wins there."""
    found = extremes[extremes["found"]].drop_duplicates(["strategy", "direction"])
    conditions = []
    for row in found.to_dict("records"):  # the uncertainties searched, most influential first
        text = [f"{p.rsplit('.', 1)[-1]} = {row[p]:.3g}" for p in row["searched"].split()]
        conditions.append("; ".join(text[:4]))
    fig = go.Figure(go.Table(
        columnwidth=[1.2, 0.7, 0.8, 0.8, 1.2, 4.0],
        header=dict(values=["Strategy (tuned)", "Case", "Lead found", "Lead in the futures",
                            "Winner there", "Conditions (the four most tied to its lead)"],
                    fill_color="#EEEEEE", align="left"),
        cells=dict(values=[[strategy_label(s) for s in found["strategy"]],
                           list(found["direction"]), [f"{v:.0f}" for v in found["lead"]],
                           [f"{v:.0f}" for v in found["start_lead"]],
                           [strategy_label(s) for s in found["winner"]], conditions],
                   align="left", height=28)))
    wins = [f"{strategy_label(r.strategy)} {r.direction}: lead {r.lead:.0f}"
            for r in found.itertuples()]
    reading = ("Lead: the strategy's outcome less the best other strategy's (positive: it "
               "wins there). " + "; ".join(wins) + ".")
    base_layout(fig, "Each strategy's best and worst conditions",
                "Directed search (Optuna TPE) over the uncertainties most tied to each "
                "strategy's lead, from the futures where it led most and least", reading,
                height=160 + 60 * len(found))
    return fig


def robust_views(optional: dict[str, pd.DataFrame]) -> list[tuple[str, str, go.Figure]]:
    """The robust comparison's views, for the tables present."""
    views = []
    if "frontier" in optional:
        views.append(("frontier", "Cost-effectiveness frontier",
                      frontier_figure(optional["frontier"])))
    if "pareto" in optional:
        views.append(("pareto", "Pareto fronts", pareto_figure(optional["pareto"])))
    if "robustness" in optional:
        views.append(("robustness", "Robustness across futures",
                      robustness_figure(optional["robustness"])))
    if "extremes" in optional:
        views.append(("extremes", "Best and worst conditions",
                      extremes_figure(optional["extremes"])))
    return views
