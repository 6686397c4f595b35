"""The report's hindcast section: the record's dated points over the model's bands.

Shown when a run directory holds ``hindcast.parquet`` (``nhs-abm experiment=hindcast``).
DataFrame in, Plotly figure out; nothing is computed here beyond counting points.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..experiments.hindcast import LABELS
from .style import CITED_COLOUR, OKABE_ITO, base_layout

TABLE = {"hindcast": ("series", "date", "role", "record", "facts", "model_median",
                      "model_low", "model_high", "inside_band", "in_run"),
         "hindcast_bands": ("series", "date", "model_median", "model_low", "model_high")}
MODEL_COLOUR = OKABE_ITO["blue"]
BAND_FILL = "rgba(0, 114, 178, 0.18)"
ROLE_LABELS = {"fit": "record, a point a calibration may fit",
               "holdout": "record, held out of any fit"}
SYMBOLS = {"fit": "diamond", "holdout": "diamond-open"}


def hindcast_figure(table: pd.DataFrame, monthly: pd.DataFrame) -> go.Figure:
    """One panel per series: the model's median and 95 % band, the record's points on top.

    Args:
        table: ``hindcast.parquet`` (the record's points and the model at each).
        monthly: ``hindcast_bands.parquet`` (the model's band month by month).

    Returns:
        The figure; its reading counts the points inside the band, by role.
    """
    table = table[table["in_run"]].assign(date=lambda t: pd.to_datetime(t["date"]))
    monthly = monthly.assign(date=lambda t: pd.to_datetime(t["date"]))
    series = list(dict.fromkeys(table["series"]))
    fig = make_subplots(rows=len(series), cols=1, vertical_spacing=0.32 / max(len(series), 1),
                        subplot_titles=[LABELS.get(s, s) for s in series])
    for i, name in enumerate(series, start=1):
        part = table[table["series"] == name].sort_values("date")
        band = monthly[monthly["series"] == name].sort_values("date")
        first = i == 1
        fig.add_trace(go.Scatter(
            x=list(band["date"]) + list(band["date"])[::-1],
            y=list(band["model_high"]) + list(band["model_low"])[::-1], fill="toself",
            mode="lines", fillcolor=BAND_FILL, line=dict(width=0), hoverinfo="skip",
            name="Model: 95 % band over replications", legendgroup="band", showlegend=first),
            row=i, col=1)
        fig.add_trace(go.Scatter(
            x=band["date"], y=band["model_median"], mode="lines",
            line=dict(color=MODEL_COLOUR, width=2),
            name="Model: median", legendgroup="median", showlegend=first,
            customdata=band[["model_low", "model_high"]].to_numpy(),
            hovertemplate=("%{x|%b %Y}<br>model median %{y:,.0f}<br>95 % band "
                           "%{customdata[0]:,.0f} to %{customdata[1]:,.0f}<extra></extra>")),
            row=i, col=1)
        for role in ("fit", "holdout"):
            points = part[part["role"] == role]
            if points.empty:
                continue
            fig.add_trace(go.Scatter(
                x=points["date"], y=points["record"], mode="markers",
                marker=dict(color=CITED_COLOUR, size=11, symbol=SYMBOLS[role],
                            line=dict(width=2, color=CITED_COLOUR)),
                name=ROLE_LABELS[role].capitalize(), legendgroup=role,
                showlegend=not any(t.legendgroup == role for t in fig.data),
                customdata=points[["facts", "role"]].to_numpy(),
                hovertemplate=("%{x|%b %Y}<br>record %{y:,.0f}<br>facts.csv: %{customdata[0]}"
                               "<br>%{customdata[1]}<extra></extra>")), row=i, col=1)
    counts = []
    for role, label in (("fit", "points a calibration may fit"), ("holdout", "held-out points")):
        part = table[table["role"] == role]
        if len(part):
            counts.append(f"{int(part['inside_band'].sum())} of {len(part)} {label}")
    reading = ("The record lies inside the model's 95 % band for " + " and ".join(counts)
               + ". A point outside its band is where the status quo, at these settings, does "
               "not behave like the record.")
    base_layout(fig, "The record's dated points over the model's runs on the same calendar",
                "Blue: the status quo's median and 95 % band over replications; green "
                "diamonds: the record (open: held out of any fit)", reading,
                height=260 * len(series) + 160)
    fig.update_layout(legend=dict(orientation="h", y=-0.03, x=0, yanchor="top"),
                      margin=dict(b=100))
    fig.update_annotations(font_size=13)
    return fig
