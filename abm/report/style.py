"""The report's shared style: palette, strategy labels, calendar, intervals and layout.

Colours are the Okabe-Ito palette, safe for the common forms of colour blindness.
Every chart of the report, the scenario pack and the workshop takes its look and
its 95 % t intervals from here, so a strategy has one colour and one label
everywhere. Labels and colours follow the shipped strategies (``configs/strategy/``,
typed by ``abm.config.shipped_strategies``): a new strategy file gets both.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

from ..config import STRATEGY_NAMES, shipped_strategies
from ..config import strategy_label as config_label

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
SPARE_COLOURS = (OKABE_ITO["sky_blue"], OKABE_ITO["green"], OKABE_ITO["purple"],
                 OKABE_ITO["yellow"])
# The shipped strategies (configs/strategy/) in order, each with its label and a fixed
# colour: black, orange, blue and vermillion for the default four, then the spare ones.
PALETTE = (OKABE_ITO["black"], OKABE_ITO["orange"], OKABE_ITO["blue"],
           OKABE_ITO["vermillion"], *SPARE_COLOURS)
STRATEGY_ORDER = STRATEGY_NAMES
STRATEGY_LABELS = {name: config_label(s) for name, s in shipped_strategies().items()}
_OWN = [name for name in STRATEGY_ORDER if not name.endswith("_tuned")]
STRATEGY_COLOURS = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(_OWN)}
STRATEGY_COLOURS |= {name: STRATEGY_COLOURS.get(name.removesuffix("_tuned"), PALETTE[0])
                     for name in STRATEGY_ORDER if name.endswith("_tuned")}
NO_WINNER_COLOUR = "#BBBBBB"
TUNED = "_tuned"  # suffix of a strategy config tuned by experiment=robust_comparison
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
    """Strategies present in the frames: the shipped ones first, in their usual order."""
    seen: list[str] = []
    for frame in frames:
        for name in pd.unique(frame["strategy"]):
            if name not in seen:
                seen.append(str(name))
    known = [s for s in STRATEGY_ORDER if s in seen]
    return known + [s for s in seen if s not in known]


def strategy_colours(strategies: Sequence[str]) -> dict[str, str]:
    """A colour per strategy: fixed for a shipped one, a spare colour not in use otherwise.

    A tuned strategy (``<name>_tuned``) takes the colour of the strategy it tunes.
    """
    fixed = {s: STRATEGY_COLOURS.get(s.removesuffix(TUNED)) or STRATEGY_COLOURS.get(s)
             for s in strategies}
    taken = {c for c in fixed.values() if c}
    free = [c for c in SPARE_COLOURS if c not in taken] or list(SPARE_COLOURS)
    spare = iter(free * (1 + len(strategies) // len(free)))
    return {s: fixed[s] or next(spare) for s in strategies}


def rgba(hex_colour: str, alpha: float) -> str:
    """A ``#RRGGBB`` colour as a CSS ``rgba()`` string with opacity ``alpha``."""
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


def n_text(counts: dict[str, int]) -> str:
    """"n = 100 replications per strategy", or each strategy's count where they differ."""
    values = set(counts.values())
    if len(values) == 1:
        return f"n = {values.pop()} replications per strategy"
    return "n = " + ", ".join(f"{n} ({strategy_label(s)})" for s, n in counts.items())


def replication_counts(frame: pd.DataFrame, strategies: Sequence[str]) -> dict[str, int]:
    """Distinct replications of each strategy in ``frame``."""
    counts = frame.groupby("strategy")["replication"].nunique()
    return {s: int(counts.get(s, 0)) for s in strategies}


def base_layout(fig: go.Figure, title: str, subtitle: str, reading: str,
                height: int = 480) -> go.Figure:
    """Apply the report's look, title, subtitle and one-line reading to ``fig``."""
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


def pct(x: float, digits: int = 1) -> str:
    """A share as a percentage string ("n/a" if missing)."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f} %"


def round_values(values: Iterable[float], digits: int = 5) -> list[float | None]:
    """Values rounded for the page (smaller HTML), None where not finite."""
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]


def band_and_line(summary: pd.DataFrame, x: list, colour: str, name: str, fmt: str,
                   unit_hover: str = "", showlegend: bool = True, legendgroup: str = "",
                   xaxis_hover: str = "%{x|%b %Y}") -> list[go.Scatter]:
    """A shaded interval band and the mean line on top of it."""
    low, high, mean = (round_values(summary[c]) for c in ("low", "high", "mean"))
    band = go.Scatter(
        x=list(x) + list(x)[::-1], y=high + low[::-1], fill="toself",
        fillcolor=rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip",
        showlegend=False, legendgroup=legendgroup or name, name=f"{name} 95 % interval")
    line = go.Scatter(
        x=list(x), y=mean, mode="lines", name=name, line=dict(color=colour, width=2.2),
        legendgroup=legendgroup or name, showlegend=showlegend,
        customdata=np.column_stack([low, high]).tolist(),
        hovertemplate=(f"<b>{name}</b><br>{xaxis_hover}: %{{y:{fmt}}}{unit_hover}"
                       f"<br>95 % CI %{{customdata[0]:{fmt}}} to %{{customdata[1]:{fmt}}}"
                       "<extra></extra>"))
    return [band, line]


def winter_shading(fig: go.Figure, first_step: int, last_step: int, **where) -> None:
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



def fact_value(facts: pd.DataFrame | None, key: str) -> float | None:
    """The value of a cited fact (``facts.csv`` key), or None if absent or not a number."""
    if facts is None or key not in set(facts["key"]):
        return None
    try:
        return float(facts.loc[facts["key"] == key, "value"].iloc[0])
    except (TypeError, ValueError):
        return None

