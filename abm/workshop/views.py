"""Plotly figures of the live model: adoption, the ICB tile map, the pilot funnel, pressure.

The live model's monthly record is turned into the same tidy tables a run writes
(``abm.collect.tables_from_model``), so the report's figure code draws most views;
this module only adds the per-innovation adoption chart and fits the report's
figures to a dashboard (shorter titles, smaller heights, the full horizon on the
time axis so curves grow from left to right).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd
import plotly.graph_objects as go

from ..collect import ReplicationTables, tables_from_model
from ..model import NHSReformModel
from ..report import figures as F
from ..report import style as S
from ..report.icb_figures import icb_tile_map

# Top of the tile map's colour scale: fixed, so a colour means the same share every month.
TILE_MAX_SHARE = 0.6
# One colour per domain (Okabe-Ito, then Tol's muted scheme), repeated if domains outnumber them.
DOMAIN_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7",
                  "#882255", "#999933", "#44AA99", "#332288", "#AA4499", "#888888")


@cache
def package_table(name: str) -> pd.DataFrame:
    """A CSV shipped in ``abm/data`` (``icbs.csv``, ``innovations.csv``, ``facts.csv``)."""
    with resources.files("abm.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


def live_tables(model: NHSReformModel) -> ReplicationTables | None:
    """The tidy tables of the months the model has run so far (None before the first step).

    Args:
        model: The live model.

    Returns:
        Tables keyed by the strategy's name, replication 0.
    """
    if model.month == 0:
        return None
    keys = {"strategy": model.strategy.name, "replication": 0, "seed": 0}
    return tables_from_model(model, keys)


def _horizon(fig: go.Figure, months: int, **where) -> None:
    """Show the whole run on the time axis, so the curves grow from left to right."""
    start, end = S.month_dates([1])[0], S.month_dates([months])[0]
    fig.update_xaxes(range=[start, end], **where)


def _compact(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Fit a figure to a dashboard tile: one-line title, no reading note, tighter margins."""
    fig.update_layout(title=dict(text=title, subtitle=dict(text=""), font=dict(size=15), y=0.98,
                                 yref="container", pad=dict(t=6)),
                      height=height, margin=dict(t=60, l=60, r=20, b=50), uirevision="live")
    return fig


BLANK_VIEWS = {"adoption": ("Adoption per innovation", 460),
               "funnel": ("Pilot funnel so far", 330),
               "tile_map": ("Share embedded by ICB", 620),
               "pressure": ("Operational pressure and bed occupancy", 460)}


def blank_figure(title: str, height: int) -> go.Figure:
    """An empty chart with a title, shown before the first month.

    Args:
        title: Title text.
        height: Height in pixels.

    Returns:
        The figure.
    """
    fig = go.Figure()
    fig.update_layout(template="plotly_white", font=S.FONT)
    return _compact(fig, title, height)


def adoption_by_innovation(innovation_steps: pd.DataFrame, months: int) -> go.Figure:
    """Share of relevant trusts with each innovation embedded, one line per innovation.

    Lines are coloured by domain (click a domain in the legend to hide it); the black
    line is the mean over innovations.

    Args:
        innovation_steps: Tidy per-(step, innovation) table of the live run.
        months: The run's horizon, for the time axis.

    Returns:
        The figure.
    """
    catalogue = package_table("innovations.csv").set_index("innovation_id")
    domains = sorted(catalogue["domain"].unique())
    colours = {d: DOMAIN_COLOURS[i % len(DOMAIN_COLOURS)] for i, d in enumerate(domains)}
    fig = go.Figure()
    shown: set[str] = set()
    for innovation, part in innovation_steps.groupby("innovation", sort=False):
        domain = catalogue.loc[innovation, "domain"]
        name = catalogue.loc[innovation, "name"]
        fig.add_trace(go.Scatter(
            x=S.month_dates(part["step"]), y=part["embedded_share"].round(4), mode="lines",
            name=S.pretty_domain(domain), legendgroup=domain, showlegend=domain not in shown,
            line=dict(color=colours[domain], width=1.3), opacity=0.85,
            hovertemplate=f"<b>{name}</b><br>%{{x|%b %Y}}: %{{y:.1%}} embedded<extra></extra>"))
        shown.add(domain)
    mean = innovation_steps.groupby("step")["embedded_share"].mean()
    fig.add_trace(go.Scatter(
        x=S.month_dates(mean.index), y=mean.round(4).tolist(), mode="lines",
        name="Mean over innovations", line=dict(color="#000000", width=3),
        hovertemplate="<b>Mean</b><br>%{x|%b %Y}: %{y:.1%}<extra></extra>"))
    fig.update_layout(template="plotly_white", font=S.FONT,
                      legend=dict(font=dict(size=10), x=1.01, y=1, xanchor="left",
                                  tracegroupgap=0))
    fig.update_yaxes(title_text="Relevant trusts with it embedded", tickformat=".0%",
                     rangemode="tozero")
    _horizon(fig, months)
    return _compact(fig, "Adoption per innovation (coloured by domain)", 460)


def tile_map(icb_steps: pd.DataFrame) -> go.Figure:
    """The 42 ICBs by NHS region, coloured by share embedded this month (the report's map).

    The colour scale is fixed at 0 to ``TILE_MAX_SHARE`` (shares above it take the top colour).

    Args:
        icb_steps: Tidy per-(step, ICB) table of the live run.

    Returns:
        The figure.
    """
    last = int(icb_steps["step"].max())
    fig = icb_tile_map(icb_steps, package_table("icbs.csv"), frame_steps=[last])
    # The live map always shows this month, so the report's month slider and strategy
    # buttons are dropped; the colour scale is fixed at 0-100 % so colours compare over time.
    fig.frames = ()
    fig.layout.sliders = ()
    fig.layout.updatemenus = ()
    fig.update_layout(margin=dict(t=90, b=10, l=10), coloraxis=dict(cmin=0, cmax=TILE_MAX_SHARE))
    fig.update_traces(textfont=dict(size=9))
    return _compact(fig, f"Share embedded by ICB, {S.month_label(last)}", 620)


def pilot_funnel(runs: pd.DataFrame) -> go.Figure:
    """Pilots started, scaled and abandoned so far (the report's funnel, one run).

    Args:
        runs: Tidy per-run table of the live run (totals so far).

    Returns:
        The figure.
    """
    fig = F.pilot_funnel(runs)
    fig.update_layout(showlegend=False)
    fig.update_traces(error_y=None, texttemplate="%{y:,.0f}", textposition="outside")
    fig.update_yaxes(title_text="Pilots so far")
    return _compact(fig, "Pilot funnel so far", 330)


def pressure(steps: pd.DataFrame, months: int) -> go.Figure:
    """Mean operational pressure and bed occupancy with winters shaded (the report's chart).

    Args:
        steps: Tidy per-step table of the live run.
        months: The run's horizon, for the time axis.

    Returns:
        The figure.
    """
    fig = F.pressure_over_time(steps, package_table("facts.csv"))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(title_text="Pressure (0-1)", row=1, col=1)
    fig.update_yaxes(title_text="Beds occupied", row=2, col=1)
    _horizon(fig, months)
    _compact(fig, "Operational pressure and bed occupancy", 460)
    fig.update_layout(margin=dict(l=70, r=130))  # room for the cited-value notes on the right
    return fig


def live_figures(model: NHSReformModel) -> dict[str, go.Figure]:
    """Every live view of the model, by name.

    Args:
        model: The live model.

    Returns:
        ``adoption``, ``tile_map``, ``funnel`` and ``pressure`` figures; before the
        first month, empty ones (the charts stay on the page while a run restarts).
    """
    tables = live_tables(model)
    if tables is None:
        return {name: blank_figure(f"{title}: press Step or Play to run the first month", height)
                for name, (title, height) in BLANK_VIEWS.items()}
    return {"adoption": adoption_by_innovation(tables.innovation_steps, model.months),
            "tile_map": tile_map(tables.icb_steps),
            "funnel": pilot_funnel(tables.run),
            "pressure": pressure(tables.steps, model.months)}


def readout(model: NHSReformModel) -> dict[str, float | int | str]:
    """The headline numbers shown above the charts.

    Args:
        model: The live model.

    Returns:
        Month, calendar month, mean embedded share, pilots started so far, mean
        pressure now and decision units.
    """
    tables = live_tables(model)
    month = model.month
    if tables is None:
        return {"month": 0, "calendar": "start (April 2025)", "embedded_share": float("nan"),
                "pilots_started": 0, "mean_pressure": float("nan"),
                "decision_units": len(model.trusts)}
    last = tables.steps.iloc[-1]
    return {"month": month, "calendar": S.month_label(month),
            "embedded_share": float(last["embedded_share_mean"]),
            "pilots_started": int(round(float(tables.run["pilots_started"].iloc[0]))),
            "mean_pressure": float(last["mean_pressure"]),
            "decision_units": int(last["decision_units"])}
