"""The report's optional sections: win map, sensitivity, discovery, Bass fit; one per chart.

Each takes the table an experiment wrote (``win_map.parquet``, ``sensitivity.parquet``,
``discovery.parquet``, ``bass_fit.parquet``) and returns Plotly figures with a title, axis
titles and a one-line reading in ``fig.layout.meta["reading"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import (
    CITED_COLOUR,
    NO_WINNER_COLOUR,
    OKABE_ITO,
    base_layout,
    fact_value,
    round_values,
    strategies_in,
    strategy_colours,
    strategy_label,
    wrap_label,
)

WIN_MAP_COLUMNS = ("x_parameter", "x_value", "y_parameter", "y_value", "strategy", "outcome",
                   "outcome_mean", "outcome_ci_low", "outcome_ci_high", "replications",
                   "winner", "margin", "margin_ci_low", "margin_ci_high")
SENSITIVITY_COLUMNS = ("method", "outcome", "parameter", "mu_star", "mu_star_conf", "sigma",
                       "S1", "S1_conf", "ST", "ST_conf", "samples")
DISCOVERY_COLUMNS = ("strategy", "outcome", "margin", "share_of_points_failing", "rule",
                     "points", "failures", "density", "coverage")
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
        base_layout(fig, f"Which strategy wins where: {outcome}",
                     f"Winner by mean {outcome} in each cell of {xp} by {yp}; grey: no "
                     "strategy ahead with 95 % confidence", reading, height=520)
        # Short axis titles: the full paths are in the subtitle and the hover.
        fig.update_xaxes(title_text=xp.rsplit(".", 1)[-1], type="category")
        fig.update_yaxes(title_text=yp.rsplit(".", 1)[-1], type="category")
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
                    y=part["parameter"], x=round_values(part[column], 5), orientation="h",
                    name=label, marker_color=colour, visible=k == 0, legendgroup=label,
                    error_x=dict(type="data", array=round_values(part[conf].fillna(0), 5),
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
        base_layout(fig, f"Sensitivity ({method}): {outcomes[0]}",
                     f"{'Morris screening' if morris else 'Sobol indices'}; error bars: "
                     "95 % confidence from the method", reading,
                     height=max(420, 28 * int(n_params) + 200))
        fig.update_layout(barmode="group", margin=dict(l=260, t=140))
        if len(outcomes) > 1:
            fig.update_layout(updatemenus=[dict(buttons=buttons, direction="down", x=1.0,
                                                xanchor="right", y=1.18, yanchor="bottom")])
        fig.update_xaxes(title_text=unit, rangemode="tozero")
        fig.update_yaxes(title_text="Parameter")
        figures.append(fig)
    return figures


def discovery_bars(discovery: pd.DataFrame) -> go.Figure:
    """Share of the sampled points where each strategy fails, with its densest box of failures.

    Args:
        discovery: ``discovery.parquet`` (one row per outcome judged, strategy and CART box;
            the share of points failing repeated on each row of an outcome and strategy).

    Returns:
        Horizontal bars: one group per outcome judged, a bar per strategy; the hover gives
        the densest box's rule.
    """
    strategies = strategies_in(discovery)
    colours = strategy_colours(strategies)
    outcomes = list(pd.unique(discovery["outcome"]))
    fig = go.Figure()
    notes = []
    for strategy in strategies:
        shares, custom = [], []
        for outcome in outcomes:
            group = discovery[(discovery["strategy"] == strategy)
                              & (discovery["outcome"] == outcome)]
            share = float(group["share_of_points_failing"].iloc[0])
            points = int(group["points"].sum())
            densest = group.sort_values("density", ascending=False, kind="stable").iloc[0]
            rule = densest["rule"] if densest["failures"] > 0 else "no failures"
            shares.append(round(share, 5))
            custom.append([round(share * points), points, rule, densest["density"]])
            notes.append(f"{strategy_label(strategy)} on {outcome} at {round(share * points)} "
                         f"of {points}")
        fig.add_trace(go.Bar(
            y=outcomes, x=shares, orientation="h", name=strategy_label(strategy),
            marker_color=colours[strategy], customdata=custom,
            hovertemplate=("<b>" + strategy_label(strategy) + "</b> on %{y}: fails at "
                           "%{customdata[0]} of %{customdata[1]} points<br>densest box "
                           "(%{customdata[3]:.0%} failing): %{customdata[2]}<extra></extra>")))
    margin = float(discovery["margin"].iloc[0])
    reading = ("Points of the sampled conditions where a strategy does no better than the "
               "status quo: " + "; ".join(notes) + ". Hover for the densest box of failures "
               "(a CART rule on the sampled parameters).")
    base_layout(fig, "Where each strategy fails",
                f"Latin-hypercube points over the sampled parameters; failing: not better than "
                f"the status quo by more than {margin:g}, judged on each outcome", reading,
                height=max(320, 40 * len(strategies) * len(outcomes) + 220))
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="Share of points where the strategy fails", tickformat=".0%",
                     range=[0, 1])
    fig.update_yaxes(title_text="Outcome judged", autorange="reversed")
    return fig


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
                x=part["innovation"], y=round_values(part[coef], 5), mode="markers",
                name=strategy_label(strategy), legendgroup=strategy, showlegend=row == 1,
                marker=dict(color=colours[strategy], size=8),
                error_y=dict(type="data", symmetric=False,
                             array=round_values(part[f"{coef}_ci_high"] - part[coef], 5),
                             arrayminus=round_values(part[coef] - part[f"{coef}_ci_low"], 5),
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
        value = fact_value(facts, key)
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
    q_cited = fact_value(facts, "bass_q_mean")
    ratio = (f"; the fitted q is {med_q / q_cited:.2f} times the cited mean q"
             if q_cited and np.isfinite(med_q) else "")
    reading = (f"Median fitted p = {med_p:.3f} and q = {med_q:.3f} per year"
               + (f", against the cited literature means {', '.join(cited)}" if cited else "")
               + ratio + ". The cited values come from consumer and drug markets, not the NHS.")
    base_layout(fig, "Bass diffusion coefficients fitted to the model's adoption curves",
                 "Points: fitted value, bars: 95 % interval; green dashed: cited literature "
                 "means (not NHS-specific)", reading, height=680)
    fig.update_layout(scattermode="group", margin=dict(b=170))
    fig.update_xaxes(title_text="Innovation", tickangle=-45, row=2, col=1)
    fig.update_yaxes(title_text="p (per year)", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="q (per year)", rangemode="tozero", row=2, col=1)
    return fig
