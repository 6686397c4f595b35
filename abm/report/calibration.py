"""The report's calibration section: targets against posterior predictive bands.

Shown when a run directory holds the tables of ``nhs-abm experiment=calibrate``
(``calibration_targets``, ``calibration_parameters``, ``calibration_draws`` and
``calibration_history``). DataFrames in, Plotly figures out; no statistics are
computed here beyond weighted histograms of the saved draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import CITED_COLOUR, OKABE_ITO, base_layout

TABLES = {
    "calibration_targets": ("target", "description", "role", "observed", "unit", "confidence",
                            "simulated_median", "band_low", "band_high", "consistent",
                            "at_defaults"),
    "calibration_parameters": ("parameter", "prior_low", "prior_high", "default",
                               "posterior_median", "ci_low", "ci_high"),
    "calibration_draws": ("particle", "weight", "distance"),
    "calibration_history": ("generation", "epsilon", "simulations", "acceptance_rate"),
}
# Written when the calibration ran recovery checks (experiment.recovery_checks > 0).
RECOVERY_TABLE = {"calibration_recovery": ("check", "parameter", "truth", "posterior_median",
                                           "ci_low", "ci_high", "covered", "rank")}
MODEL_COLOUR = OKABE_ITO["blue"]
DEFAULT_COLOUR = "#888888"
ROLE_LABELS = {"fit": "in the fit", "holdout": "held out (predicted)",
               "check": "check (not in the fit)"}


def _short(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def targets_figure(targets: pd.DataFrame) -> go.Figure:
    """Each target from the record against the calibrated model's predictive band.

    Args:
        targets: ``calibration_targets.parquet``.

    Returns:
        One panel per target: the cited value (green diamond), the posterior predictive
        median and 95 % band (blue) and the value at the uncalibrated defaults (grey).
    """
    n = len(targets)
    titles = [f"{row.target} ({ROLE_LABELS.get(row.role, row.role)}; {row.unit}; record "
              f"confidence: {row.confidence})" for row in targets.itertuples()]
    fig = make_subplots(rows=n, cols=1, subplot_titles=titles, vertical_spacing=0.35 / n)
    for i, row in enumerate(targets.itertuples(), start=1):
        first = i == 1
        fig.add_trace(go.Scatter(
            x=[row.simulated_median], y=[""], mode="markers", name="Calibrated model: median "
            "and 95 % predictive band", legendgroup="model", showlegend=first,
            marker=dict(color=MODEL_COLOUR, size=11),
            error_x=dict(type="data", symmetric=False,
                         array=[max(row.band_high - row.simulated_median, 0.0)],
                         arrayminus=[max(row.simulated_median - row.band_low, 0.0)],
                         color=MODEL_COLOUR, thickness=3),
            hovertemplate=(f"<b>{row.target}</b><br>model median %{{x:.4g}}<br>95 % band "
                           f"{row.band_low:.4g} to {row.band_high:.4g}<extra></extra>")),
            row=i, col=1)
        fig.add_trace(go.Scatter(
            x=[row.observed], y=[""], mode="markers", name="Cited value (NHS record)",
            legendgroup="cited", showlegend=first,
            marker=dict(color=CITED_COLOUR, size=13, symbol="diamond-open", line=dict(width=3)),
            hovertemplate=(f"<b>{row.target}</b><br>cited %{{x:.4g}} {row.unit}<br>confidence: "
                           f"{row.confidence}<extra></extra>")), row=i, col=1)
        if np.isfinite(row.at_defaults):
            fig.add_trace(go.Scatter(
                x=[row.at_defaults], y=[""], mode="markers", name="Uncalibrated defaults",
                legendgroup="defaults", showlegend=first,
                marker=dict(color=DEFAULT_COLOUR, size=10, symbol="x"),
                hovertemplate=f"<b>{row.target}</b><br>at the defaults %{{x:.4g}}<extra></extra>"),
                row=i, col=1)
        if row.target == "bass_q_over_p":  # a ratio spanning orders of magnitude
            fig.update_xaxes(type="log", row=i, col=1)
    fit = targets[targets["role"] == "fit"]
    held = targets[targets["role"] != "fit"]
    reading = (f"{int(fit['consistent'].sum())} of {len(fit)} fitted targets lie inside the "
               f"calibrated model's 95 % predictive band; of the held-out targets and checks, "
               f"{int(held['consistent'].sum())} of {len(held)} are consistent"
               + (" (" + ", ".join(held.loc[held["consistent"], "target"]) + ")"
                  if held["consistent"].any() else "")
               + ". Targets outside their band are where the status quo, within the plausible "
               "ranges of its parameters, does not behave like the record.")
    base_layout(fig, "Calibration: the NHS record against the calibrated status quo",
                 "Green diamond: cited value; blue: posterior predictive median and 95 % band "
                 "(per posterior draw, its replications averaged as in the fit); grey cross: "
                 "uncalibrated defaults", reading, height=130 * n + 160)
    fig.update_layout(legend=dict(orientation="h", y=-0.04, x=0, yanchor="top"),
                      margin=dict(b=90))
    fig.update_annotations(font_size=12)
    return fig


def parameters_figure(draws: pd.DataFrame, parameters: pd.DataFrame) -> go.Figure:
    """Weighted posterior histograms of the fitted parameters over their prior ranges.

    Args:
        draws: ``calibration_draws.parquet`` (final ABC-SMC population with weights).
        parameters: ``calibration_parameters.parquet`` (prior range, default, summary).

    Returns:
        One panel per parameter; the x axis spans the prior (uniform) range.
    """
    n = len(parameters)
    cols = 2
    rows = -(-n // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_short(p) for p in
                                                              parameters["parameter"]],
                        vertical_spacing=0.5 / rows, horizontal_spacing=0.1)
    weights = draws["weight"].to_numpy()
    for i, row in enumerate(parameters.itertuples()):
        r, c = divmod(i, cols)
        edges = np.linspace(row.prior_low, row.prior_high, 13)
        density, _ = np.histogram(draws[row.parameter].to_numpy(), bins=edges, weights=weights)
        fig.add_trace(go.Bar(
            x=(edges[:-1] + edges[1:]) / 2, y=density, width=np.diff(edges), name="Posterior",
            legendgroup="post", showlegend=i == 0, marker_color=MODEL_COLOUR, opacity=0.8,
            hovertemplate="%{x:.4g}: weight %{y:.3f}<extra></extra>"), row=r + 1, col=c + 1)
        fig.add_vline(x=row.default, line=dict(color=DEFAULT_COLOUR, dash="dot"),
                      row=r + 1, col=c + 1)
        fig.update_xaxes(range=[row.prior_low, row.prior_high], row=r + 1, col=c + 1)
    summary = "; ".join(f"{_short(row.parameter)} {row.posterior_median:.3g} "
                        f"[{row.ci_low:.3g}, {row.ci_high:.3g}]"
                        for row in parameters.itertuples())
    reading = (f"Posterior medians with 95 % intervals: {summary}. A histogram as wide as its "
               "axis means the targets do not pin that parameter down.")
    base_layout(fig, "Calibrated parameters: posterior over the prior range",
                 "Bars: weighted ABC-SMC posterior; axis: the uniform prior (plausible range); "
                 "dotted: default", reading, height=220 * rows + 140)
    fig.update_layout(bargap=0.05)
    fig.update_annotations(font_size=12)
    return fig


def history_figure(history: pd.DataFrame) -> go.Figure:
    """The ABC-SMC tolerance and acceptance rate by generation."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=history["generation"], y=history["epsilon"], mode="lines+markers",
                             name="Tolerance (epsilon)", marker_color=MODEL_COLOUR),
                  secondary_y=False)
    fig.add_trace(go.Bar(x=history["generation"], y=history["acceptance_rate"],
                         name="Acceptance rate", marker_color=OKABE_ITO["sky_blue"],
                         opacity=0.5), secondary_y=True)
    total = int(history["simulations"].sum())
    reading = (f"{len(history)} generations, {total} simulations in the populations; the "
               f"tolerance fell from {history['epsilon'].iloc[0]:.3g} to "
               f"{history['epsilon'].iloc[-1]:.3g} (distance in units of each target's scale).")
    base_layout(fig, "ABC-SMC convergence", "Tolerance per generation (median of the previous "
                 "generation's distances) and share of proposals accepted", reading, height=380)
    fig.update_xaxes(title_text="Generation", dtick=1)
    fig.update_yaxes(title_text="Epsilon (distance)", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title_text="Acceptance rate", secondary_y=True, rangemode="tozero")
    return fig


def recovery_figure(recovery: pd.DataFrame) -> go.Figure:
    """Recovery checks: each known value against the posterior the method found for it.

    Args:
        recovery: ``calibration_recovery.parquet`` (one row per check and parameter).

    Returns:
        One panel per parameter: posterior median with its 95 % interval against the
        true value; points on the diagonal are recovered exactly.
    """
    parameters = list(pd.unique(recovery["parameter"]))
    cols = 2 if len(parameters) <= 8 else 3  # many parameters: a compact grid
    rows = -(-len(parameters) // cols)
    coverage = recovery.groupby("parameter", sort=False)["covered"].mean()
    fig = make_subplots(rows=rows, cols=cols, vertical_spacing=0.5 / rows,
                        horizontal_spacing=0.1, subplot_titles=[
                            f"{_short(p)} (covered {coverage[p]:.0%})" for p in parameters])
    for i, parameter in enumerate(parameters):
        r, c = divmod(i, cols)
        part = recovery[recovery["parameter"] == parameter]
        low = min(part["truth"].min(), part["ci_low"].min())
        high = max(part["truth"].max(), part["ci_high"].max())
        fig.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", showlegend=False,
                                 line=dict(color=DEFAULT_COLOUR, dash="dot"), hoverinfo="skip"),
                      row=r + 1, col=c + 1)
        fig.add_trace(go.Scatter(
            x=part["truth"], y=part["posterior_median"], mode="markers", name="Check",
            legendgroup="check", showlegend=i == 0,
            marker=dict(color=np.where(part["covered"], MODEL_COLOUR, OKABE_ITO["vermillion"]),
                        size=8),
            error_y=dict(type="data", symmetric=False, color="#444444",
                         array=part["ci_high"] - part["posterior_median"],
                         arrayminus=part["posterior_median"] - part["ci_low"]),
            hovertemplate="true %{x:.4g}: median %{y:.4g}<extra></extra>"),
            row=r + 1, col=c + 1)
    checks = int(recovery["check"].nunique())
    reading = (f"{checks} parameter sets drawn from the prior; the model's own statistics "
               "there were fitted as the record is. Share of 95 % intervals holding the true "
               "value: " + "; ".join(f"{_short(p)} {coverage[p]:.0%}" for p in parameters)
               + " (about 95 % expected; red: missed).")
    base_layout(fig, "Calibration: does the method recover known values?",
                "Simulation-based calibration: posterior median and 95 % interval against "
                "the value that made the data; dotted: recovered exactly", reading,
                height=(240 if cols == 2 else 150) * rows + 140)
    fig.update_xaxes(title_text="true value", title_font_size=11)
    fig.update_yaxes(title_text="posterior", title_font_size=11)
    fig.update_annotations(font_size=12)
    return fig


def calibration_views(optional: dict[str, pd.DataFrame]) -> list[tuple[str, str, go.Figure]]:
    """(anchor, heading, figure) of each calibration chart, if the tables are present."""
    if not all(name in optional for name in TABLES):
        return []
    views = [("calibration-targets", "Calibration: the NHS record against the model",
              targets_figure(optional["calibration_targets"])),
             ("calibration-parameters", "Calibration: fitted parameters",
              parameters_figure(optional["calibration_draws"],
                                optional["calibration_parameters"])),
             ("calibration-history", "Calibration: convergence",
              history_figure(optional["calibration_history"]))]
    if "calibration_recovery" in optional:
        views.append(("calibration-recovery", "Calibration: recovery of known values",
                      recovery_figure(optional["calibration_recovery"])))
    return views
