"""The report's views of the ICBs: adoption by ICB on a tile map, and inequality between them.

Like :mod:`abm.report.figures`, DataFrames in, a Plotly figure out, aggregated before
plotting (means and 95 % t intervals over replications), with a one-line reading in
``fig.layout.meta["reading"]``. The tile map places each ICB in the column of its NHS
region (``abm/data/icbs.csv``) rather than on a drawn map, so it needs no boundaries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import (
    INTERVAL,
    REGION_ORDER,
    band_and_line,
    base_layout,
    month_dates,
    month_label,
    n_text,
    pct,
    replication_counts,
    short_icb_name,
    strategies_in,
    strategy_colours,
    strategy_label,
    t_summary,
    wrap_label,
)

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


@dataclass(frozen=True)
class _Tiles:
    """The grid of the tile map: a column per region, a tile per ICB."""

    regions: list[str]
    slots: dict[str, tuple[int, int]]
    names: dict[str, str]

    @classmethod
    def of(cls, icbs: pd.DataFrame, present: Sequence[str]) -> _Tiles:
        """The tiles of the ICBs ``present``; ICBs not in the catalogue go under 'Other'."""
        known = icbs[icbs["icb_ods_code"].isin(present)]
        missing = [c for c in present if c not in set(known["icb_ods_code"])]
        if missing:
            known = pd.concat([known, pd.DataFrame({
                "icb_ods_code": missing, "icb_name": missing, "nhs_region_name": "Other"})])
        regions, slots = _tile_layout(known, present)
        return cls(regions, slots, dict(zip(known["icb_ods_code"], known["icb_name"],
                                            strict=False)))

    @property
    def rows(self) -> int:
        """Tiles in the longest column."""
        return 1 + max(r for r, _ in self.slots.values())

    def blank(self, fill: object) -> list[list]:
        """A rows x regions grid holding ``fill``."""
        return [[fill] * len(self.regions) for _ in range(self.rows)]

    def labels(self) -> tuple[list[list[str]], list[list[str]]]:
        """The text on each tile (the ICB's short name) and its hover title (with its code)."""
        text, hover = self.blank(""), self.blank("")
        for code, (r, c) in self.slots.items():
            text[r][c] = wrap_label(short_icb_name(self.names[code]), 19, 3)
            hover[r][c] = f"{short_icb_name(self.names[code])} ({code})"
        return text, hover

    def values(self, shares: dict, strategy: str, step: int) -> list[list[float | None]]:
        """Each tile's share embedded under ``strategy`` in month ``step`` (None if absent)."""
        z = self.blank(None)
        for code, (r, c) in self.slots.items():
            value = shares.get((strategy, step, code), np.nan)
            z[r][c] = None if not np.isfinite(value) else round(float(value), 4)
        return z


def _months_shown(icb_steps: pd.DataFrame, frame_steps: Sequence[int] | None) -> list[int]:
    """The slider's months present in the table (default: the first month and each year end)."""
    if frame_steps is None:
        last = int(icb_steps["step"].max())
        frame_steps = sorted({int(icb_steps["step"].min())}
                             | set(range(12, last + 1, 12)) | {last})
    available = set(pd.unique(icb_steps["step"]).tolist())
    return [s for s in frame_steps if s in available]


def _colour_range(means: pd.Series) -> tuple[float, float]:
    """The colour scale's ends, on a 5 % grid around the shares shown, at least 5 % apart."""
    values = means.to_numpy(dtype=float)
    finite = np.isfinite(values).any()
    zmax = float(np.nanmax(values)) if finite else 1.0
    zmin = float(np.nanmin(values)) if finite else 0.0
    zmax = max(0.05, math.ceil(zmax * 20) / 20)
    return min(zmax - 0.05, math.floor(zmin * 20) / 20), zmax


def _month_slider(months: list[int]) -> dict:
    """A slider through the animation frames, one per month, opening on the last."""
    steps = [dict(method="animate", label=month_label(step),
                  args=[[str(step)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                          transition=dict(duration=0))])
             for step in months]
    return dict(active=len(months) - 1, steps=steps, x=0.0, len=1.0, y=0, yanchor="top",
                pad=dict(t=20), currentvalue=dict(prefix="Month shown: ", font=dict(size=14)))


def _strategy_buttons(strategies: list[str]) -> dict:
    """Buttons that show one strategy's heatmap at a time."""
    buttons = [dict(label=strategy_label(s), method="restyle",
                    args=[{"visible": [j == i for j in range(len(strategies))]}])
               for i, s in enumerate(strategies)]
    return dict(type="buttons", direction="right", buttons=buttons, active=0, showactive=True,
                x=0.0, xanchor="left", y=1.0, yanchor="bottom", pad=dict(b=50),
                bgcolor="#F4F4F4", font=dict(size=13))


def _tile_map_reading(means: pd.Series, strategies: list[str], step: int) -> str:
    end = means.xs(step, level="step")
    spread = "; ".join(f"{strategy_label(s)} {pct(end.xs(s).min())} to {pct(end.xs(s).max())}"
                       for s in strategies if s in end.index.get_level_values("strategy"))
    return (f"In {month_label(step)} the ICBs' shares embedded range: {spread}. "
            "Choose a strategy with the buttons and move the slider to see where adoption "
            "starts and how it spreads.")


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
    months = _months_shown(icb_steps, frame_steps)
    wanted = icb_steps[icb_steps["step"].isin(months)]
    means = wanted.groupby(["strategy", "step", "icb"], sort=False)["embedded_share"].mean()
    shares = means.to_dict()
    tiles = _Tiles.of(icbs, list(pd.unique(icb_steps["icb"])))
    region_labels = [wrap_label(r, 18, 2) for r in tiles.regions]
    text, hover = tiles.labels()
    fig = go.Figure()
    for i, strategy in enumerate(strategies):
        fig.add_trace(go.Heatmap(
            z=tiles.values(shares, strategy, months[-1]), x=region_labels,
            y=list(range(tiles.rows)), text=text, customdata=hover, texttemplate="%{text}",
            textfont=dict(size=11), coloraxis="coloraxis", xgap=4, ygap=4,
            name=strategy_label(strategy), visible=i == 0,
            hovertemplate=(f"<b>%{{customdata}}</b><br>{strategy_label(strategy)}: "
                           "%{z:.1%} of relevant trust-innovation pairs embedded"
                           "<extra></extra>")))
    fig.frames = [go.Frame(name=str(step), traces=list(range(len(strategies))),
                           data=[go.Heatmap(z=tiles.values(shares, s, step)) for s in strategies])
                  for step in months]
    base_layout(fig, "Where innovations are embedded: ICBs by NHS region",
                 "Tile colour: share of the ICB's relevant trust-innovation pairs embedded, "
                 f"mean over replications ({n_text(replication_counts(icb_steps, strategies))}); "
                 "columns: the NHS regions", _tile_map_reading(means, strategies, months[-1]),
                 height=60 * tiles.rows + 330)
    zmin, zmax = _colour_range(means)
    fig.update_layout(
        coloraxis=dict(colorscale="Cividis", cmin=zmin, cmax=zmax,
                       colorbar=dict(title=dict(text="Share embedded", side="right"),
                                     tickformat=".0%", len=0.8, thickness=16)),
        updatemenus=[_strategy_buttons(strategies)], sliders=[_month_slider(months)],
        margin=dict(b=110, t=160, l=30), showlegend=False)
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False,
                     zeroline=False)
    fig.update_xaxes(side="top", showgrid=False, tickfont=dict(size=12), tickangle=0)
    return fig


# ---------------------------------------------------------------- inequality between ICBs

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
            fig.add_traces(band_and_line(summary, month_dates(summary["step"]),
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
    base_layout(fig, "Inequality of adoption between ICBs",
                 f"Across the ICBs' embedded shares each month; band: {INTERVAL} "
                 f"(t interval, {n_text(replication_counts(steps, strategies))})",
                 reading, height=460)
    fig.update_xaxes(title_text="Month (model starts April 2025)")
    fig.update_yaxes(title_text="Gini coefficient (0 = all ICBs equal)", rangemode="tozero",
                     row=1, col=1)
    fig.update_yaxes(title_text="Variance of ICB share (share squared)", rangemode="tozero",
                     row=1, col=2)
    return fig



# ---------------------------------------------------------------- benefit by ICB

def icb_benefit_per_head(icb_steps: pd.DataFrame, icbs: pd.DataFrame) -> go.Figure:
    """How the innovations' benefit spreads over the ICBs' residents, per strategy.

    Each point is one ICB: its trusts' benefit over the run, mean over replications,
    per resident (ONS mid-2022 population).

    Args:
        icb_steps: ``icb_steps.parquet`` (benefit_gbp_m per ICB and month).
        icbs: ``abm/data/icbs.csv`` (icb_ods_code, icb_name, population_mid2022_ons).

    Returns:
        The figure.
    """
    strategies = strategies_in(icb_steps)
    colours = strategy_colours(strategies)
    population = icbs.set_index("icb_ods_code")["population_mid2022_ons"]
    names = icbs.set_index("icb_ods_code")["icb_name"].map(short_icb_name)
    per_run = icb_steps.groupby(["strategy", "replication", "icb"], sort=False)[
        "benefit_gbp_m"].sum().reset_index()
    mean = per_run.groupby(["strategy", "icb"], sort=False)["benefit_gbp_m"].mean()
    per_head = (mean * 1e6 / population.reindex(mean.index.get_level_values("icb")).to_numpy())
    fig = go.Figure()
    lowest = {}
    for strategy in strategies:
        values = per_head.loc[strategy]
        lowest[strategy] = values.min()
        fig.add_trace(go.Box(
            y=values.to_numpy(), name=strategy_label(strategy), boxpoints="all", jitter=0.4,
            pointpos=0, marker=dict(color=colours[strategy], size=6),
            line=dict(color=colours[strategy]), text=names.reindex(values.index).to_numpy(),
            hovertemplate="%{text}: GBP %{y:,.1f} per resident<extra></extra>"))
    worst = min(lowest, key=lowest.get)
    best = max(lowest, key=lowest.get)
    reading = (f"The ICB that gains least gains GBP {lowest[best]:,.1f} per resident under "
               f"{strategy_label(best)} and GBP {lowest[worst]:,.1f} under "
               f"{strategy_label(worst)}.")
    base_layout(fig, "The innovations' benefit per resident, by ICB",
                f"Each point an ICB: its trusts' benefit over the run, mean over replications "
                f"({n_text(replication_counts(icb_steps, strategies))}), over its residents",
                reading, height=460)
    fig.update_yaxes(title_text="Benefit per resident over the run (GBP)")
    fig.update_layout(showlegend=False)
    return fig
