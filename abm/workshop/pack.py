"""The participants' scenario pack: one self-contained HTML file built from saved runs.

Reads only what ``abm.workshop.pack_run`` saved (the pack definition and each
arm's run folder); it never imports the model. Each scenario shows the question,
what to look at, the adoption curves and the pilot funnel of its arms, and a
folded reveal whose numbers are computed here from the saved runs: the outcome
per arm with its 95 % t interval and each arm's difference from the first arm,
paired by replication (the arms share seeds), followed by the mechanism that
explains it. plotly.js is inlined once, so the file opens offline in any browser.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import yaml

from ..config import ConfigError
from ..report import figures as F
from ..report import style as S
from ..report.build import CSS as REPORT_CSS
from .scenarios import OUTCOMES, SECONDARY_OUTCOMES, Arm, Scenario, ScenarioPack, load_pack

DEFINITION_FILE = "scenarios.yaml"
PACK_FILE = "scenario_pack.html"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["sendDataToCloud"]}
INNOVATION_COLUMNS = ["strategy", "replication", "step", "innovation", "embedded_share"]


def _catalogue() -> pd.DataFrame:
    """``abm/data/innovations.csv``: innovation names and domains for the adoption menu."""
    with resources.files("abm.data").joinpath("innovations.csv").open("r", encoding="utf-8") as f:
        return pd.read_csv(f)


SHORT_NAMES = {"embedded_share_y5": "Embedded, year 5", "embedded_share_y10": "Embedded, year 10",
               "pilots_started": "Pilots started", "pilots_scaled": "Pilots scaled",
               "pilots_abandoned": "Pilots abandoned", "benefit_per_spend": "Benefit per GBP spent",
               "benefit_gbp_m": "Benefit (GBP m)", "saving_gbp_m": "Merger savings (GBP m)",
               "net_benefit_gbp_m": "Net benefit (GBP m)", "mean_pressure": "Mean pressure"}


class PackInputError(ConfigError):
    """A saved run the pack needs is missing or unreadable."""


@dataclass
class ArmData:
    """One arm's saved tables, keyed for the charts by ``key``."""

    arm: Arm
    key: str
    runs: pd.DataFrame
    innovation_steps: pd.DataFrame
    config: dict


def _arm_key(arm: Arm) -> str:
    """The value put in the charts' strategy column: a shipped strategy keeps its colour."""
    return arm.id if arm.id in S.STRATEGY_LABELS and arm.label == S.strategy_label(arm.id) \
        else arm.label


def _read(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    if not path.is_file():
        raise PackInputError(f"{path}: missing; run `nhs-abm-pack run` first")
    try:
        return pd.read_parquet(path, columns=columns)
    except Exception as exc:  # a damaged file is a user error too
        raise PackInputError(f"{path}: cannot read ({exc})") from None


def load_arm(pack_dir: Path, scenario: Scenario, arm: Arm) -> ArmData:
    """Read one arm's saved run.

    Args:
        pack_dir: The pack folder.
        scenario: The scenario.
        arm: The arm.

    Returns:
        Its tables, relabelled for the charts.

    Raises:
        PackInputError: If the run is missing, unfinished or unreadable.
    """
    folder = pack_dir / "runs" / scenario.id / arm.id
    if not (folder / "manifest.json").is_file():
        raise PackInputError(f"{folder}: no finished run (manifest.json missing); "
                             "run `nhs-abm-pack run` first")
    key = _arm_key(arm)
    runs = _read(folder / "runs.parquet").assign(strategy=key)
    innovation = _read(folder / "innovation_steps.parquet", INNOVATION_COLUMNS).assign(
        strategy=key)
    config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    return ArmData(arm, key, runs, innovation, config)


def _fmt(value: float, kind: str) -> str:
    if pd.isna(value):
        return "n/a"
    if kind == "share":
        return f"{100 * value:.1f} %"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "gbp_m":
        return f"GBP {value:,.0f} m"
    return f"{value:.2f}"


def _fmt_diff(value: float, kind: str, unit: bool = True) -> str:
    if kind == "share":
        return f"{100 * value:+.1f}" + (" percentage points" if unit else "")
    return f"{value:+,.0f}" if kind in ("count", "gbp_m") else f"{value:+.3f}"


def arm_summary(arms: list[ArmData], outcome: str) -> pd.DataFrame:
    """Mean and 95 % t interval of an outcome per arm.

    Args:
        arms: The scenario's arms (first one is the reference).
        outcome: A column of ``runs.parquet``.

    Returns:
        One row per arm: ``arm``, ``label``, ``mean``, ``low``, ``high``, ``n``.
    """
    rows = []
    for data in arms:
        s = S.t_summary(data.runs.assign(_k=0), ["_k"], outcome).iloc[0]
        rows.append({"arm": data.arm.id, "label": data.arm.label, "mean": s["mean"],
                     "low": s["low"], "high": s["high"], "n": int(s["n"])})
    return pd.DataFrame(rows)


def paired_differences(arms: list[ArmData], outcome: str) -> pd.DataFrame:
    """Each arm's difference from the first arm, paired by replication, with a 95 % t interval.

    Args:
        arms: The scenario's arms (first one is the reference).
        outcome: A column of ``runs.parquet``.

    Returns:
        One row per arm after the first: ``arm``, ``label``, ``mean``, ``low``, ``high``, ``n``.
    """
    reference = arms[0].runs.set_index("replication")[outcome]
    rows = []
    for data in arms[1:]:
        other = data.runs.set_index("replication")[outcome]
        diff = (other - reference).dropna().rename("diff").reset_index().assign(_k=0)
        if diff.empty:  # e.g. a year-10 outcome of runs shorter than ten years
            continue
        s = S.t_summary(diff, ["_k"], "diff").iloc[0]
        rows.append({"arm": data.arm.id, "label": data.arm.label, "mean": s["mean"],
                     "low": s["low"], "high": s["high"], "n": int(s["n"])})
    return pd.DataFrame(rows)


def reveal_text(scenario: Scenario, arms: list[ArmData]) -> str:
    """The reveal's computed sentences (HTML) for a scenario's outcome.

    Args:
        scenario: The scenario.
        arms: Its loaded arms, first one the reference.

    Returns:
        HTML paragraphs stating each arm's value and its paired difference from the first.
    """
    words, kind = OUTCOMES[scenario.outcome]
    summary = arm_summary(arms, scenario.outcome)
    n = int(summary["n"].min())
    if n == 0:
        return (f"<p>The {html.escape(words)} is not available: these runs are shorter than "
                "the outcome needs (see the table below).</p>")
    values = "; ".join(
        f"<b>{html.escape(r.label)}</b> {_fmt(r.mean, kind)} (95 % CI {_fmt(r.low, kind)} "
        f"to {_fmt(r.high, kind)})" for r in summary.itertuples())
    parts = [f"<p>The {html.escape(words)}: {values}. Mean over {n} replications per arm; "
             "intervals are 95 % t intervals and show simulation noise only.</p>"]
    reference = html.escape(arms[0].arm.label)
    sentences = []
    for r in paired_differences(arms, scenario.outcome).itertuples():
        if pd.isna(r.mean):
            continue
        if r.low <= 0 <= r.high:
            verdict = "no clear difference: the interval includes zero"
        else:
            verdict = "higher" if r.mean > 0 else "lower"
        sentences.append(
            f"<b>{html.escape(r.label)}</b> against <b>{reference}</b>: "
            f"{_fmt_diff(r.mean, kind)} (paired over {r.n} replications, 95 % CI "
            f"{_fmt_diff(r.low, kind, False)} to {_fmt_diff(r.high, kind, False)}), {verdict}.")
    if sentences:
        parts.append("<ul>" + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>")
    return "".join(parts)


def outcomes_table(arms: list[ArmData]) -> str:
    """HTML table of the secondary outcomes per arm (mean over replications)."""
    head = "".join(f"<th title=\"{html.escape(OUTCOMES[o][0])}\">{html.escape(SHORT_NAMES[o])}"
                   "</th>" for o in SECONDARY_OUTCOMES)
    body = []
    for data in arms:
        cells = "".join(
            f"<td class=\"num\">{_fmt(data.runs[o].mean(), OUTCOMES[o][1])}</td>"
            for o in SECONDARY_OUTCOMES)
        body.append(f"<tr><th>{html.escape(data.arm.label)}</th>{cells}</tr>")
    return (f"<div class=\"table-wrap\"><table class=\"summary\"><tr><th>Arm</th>{head}</tr>"
            f"{''.join(body)}</table></div>")


def _relabel(fig: go.Figure, arms: list[ArmData]) -> go.Figure:
    """Show each arm's own label where the report's code wrote its generic version."""
    for data in arms:
        generic = S.strategy_label(data.key)
        if generic == data.arm.label:
            continue
        for trace in fig.data:
            if trace.name and generic in trace.name:
                trace.name = trace.name.replace(generic, data.arm.label)
            if getattr(trace, "hovertemplate", None):
                trace.hovertemplate = trace.hovertemplate.replace(generic, data.arm.label)
    return fig


def scenario_figures(arms: list[ArmData]) -> tuple[go.Figure, go.Figure]:
    """Adoption curves and pilot funnel of a scenario's arms (the report's charts).

    Args:
        arms: The loaded arms.

    Returns:
        (adoption, funnel) figures.
    """
    innovation = pd.concat([a.innovation_steps for a in arms], ignore_index=True)
    runs = pd.concat([a.runs for a in arms], ignore_index=True)
    adoption = F.adoption_curves(innovation, _catalogue())
    funnel = F.pilot_funnel(runs)
    for fig in (adoption, funnel):
        _relabel(fig, arms)
        fig.update_layout(legend=dict(orientation="h", x=0, y=-0.22, xanchor="left",
                                      yanchor="top"), margin=dict(r=30, b=120))
    adoption.update_layout(height=560)
    return adoption, funnel


def _figure_div(fig: go.Figure, div_id: str, first: bool) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=first, config=PLOTLY_CONFIG,
                       div_id=div_id, default_width="100%")


CSS = REPORT_CSS + """
.question { background: #eef4fb; border-left: 6px solid var(--model); padding: 10px 16px;
            margin: 12px 0; font-size: 17px; }
.look { color: var(--muted); }
details.reveal { border: 2px solid var(--model); border-radius: 6px; padding: 8px 16px;
                 margin: 16px 0 8px; }
details.reveal[open] { background: #fbfdff; }
details.reveal summary { font-size: 17px; color: var(--model); }
.mechanism { border-top: 1px solid #e3e3e3; padding-top: 8px; }
.run-details { font-size: 13px; color: var(--muted); }
"""

INTRO = (
    "Each scenario below asks a question about how innovations spread among England's 205 "
    "NHS trusts and 42 integrated care boards. Read the question, make your prediction, "
    "then explore the charts: hover for values, use the menu above the adoption chart to "
    "pick one innovation or domain, click legend entries to hide a line. Open the "
    "<b>reveal</b> only when your group has discussed its answer.")
LIMITS = (
    "These are results of a simulation, not forecasts. The model encodes mechanisms argued "
    "in the literature (capacity eaten by pressure, risk-averse boards, siloed budgets, "
    "vendors' prices, political cycles), with many values that are judgements rather than "
    "measurements. Use it to see which mechanisms matter and how they interact, not to "
    "read off numbers for the NHS. The intervals describe the model's own randomness only.")


def render_pack(pack: ScenarioPack, loaded: dict[str, list[ArmData]]) -> str:
    """The pack as one HTML document.

    Args:
        pack: The definition saved with the runs.
        loaded: Each scenario's loaded arms, by scenario id.

    Returns:
        The HTML text (plotly.js inlined in the first chart).
    """
    toc, sections, first = [], [], True
    for number, scenario in enumerate(pack.scenarios, start=1):
        arms = loaded[scenario.id]
        adoption, funnel = scenario_figures(arms)
        charts = []
        for name, fig in (("adoption", adoption), ("funnel", funnel)):
            div = _figure_div(fig, f"{scenario.id}-{name}", first)
            charts.append(f"<div class=\"figure\">{div}</div>")
            first = False
        notes = "".join(f"<li>{html.escape((fig.layout.meta or {}).get('reading', ''))}</li>"
                        for fig in (adoption, funnel))
        overrides = "".join(
            f"<li>{html.escape(a.arm.label)}: <code>{html.escape(' '.join(a.arm.overrides))}"
            f"</code></li>" for a in arms)
        toc.append(f"<li><a href=\"#{scenario.id}\">{html.escape(scenario.title)}</a></li>")
        sections.append(f"""
<section id="{scenario.id}" class="scenario">
<h2>{number}. {html.escape(scenario.title)}</h2>
<div class="question"><b>Question.</b> {html.escape(scenario.question)}</div>
<p class="look"><b>What to look at.</b> {html.escape(scenario.look_at)}</p>
<p class="run-details">Arms: {", ".join(html.escape(a.arm.label) for a in arms)}.</p>
{"".join(charts)}
<details class="reveal"><summary>Reveal: what the model shows, and why</summary>
<div class="model-result"><p><span class="badge model">Model result</span></p>
{reveal_text(scenario, arms)}
<h4>More outcomes (mean over replications)</h4>{outcomes_table(arms)}
<h4>Chart notes</h4><ul>{notes}</ul></div>
<div class="mechanism"><h4>Why: the mechanism in the model</h4>
<p>{html.escape(scenario.mechanism)}</p></div>
<p class="run-details">Seed {pack.seed}; {pack.replications} replications of {pack.months}
months per arm, the same seeds in every arm (paired comparison). Each arm is the England
default with these Hydra overrides:</p><ul class="run-details">{overrides}</ul>
</details>
</section>""")
    title = "Spreading innovation in the NHS: a scenario pack"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header><h1>{html.escape(title)}</h1>
<p class="lead">{len(pack.scenarios)} prepared scenarios from the nhs-reform-abm
agent-based model. Nothing to install: this file works offline in any browser.</p></header>
<section id="how"><p>{INTRO}</p><div class="caveat"><p>{LIMITS}</p></div></section>
<nav><h2>Scenarios</h2><ol>{"".join(toc)}</ol></nav>
{"".join(sections)}
<footer>Built by <code>nhs-abm-pack</code> from saved runs; plotly.js is embedded, so this file
works offline.</footer>
</main>
</body>
</html>
"""


def build_pack(pack_dir: Path | str, out: Path | str | None = None) -> Path:
    """Write the scenario pack HTML from the runs saved in ``pack_dir``.

    Args:
        pack_dir: Folder holding ``scenarios.yaml`` and ``runs/`` (from ``nhs-abm-pack run``).
        out: HTML file to write (default ``PACK_DIR/scenario_pack.html``).

    Returns:
        The path written.

    Raises:
        PackInputError: If the definition or a run is missing or unreadable.
    """
    pack_dir = Path(pack_dir)
    definition = pack_dir / DEFINITION_FILE
    if not definition.is_file():
        raise PackInputError(f"{definition}: missing; run `nhs-abm-pack run` first")
    pack = load_pack(definition)
    loaded = {s.id: [load_arm(pack_dir, s, a) for a in s.arms] for s in pack.scenarios}
    text = render_pack(pack, loaded)
    out = Path(out) if out is not None else pack_dir / PACK_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out
