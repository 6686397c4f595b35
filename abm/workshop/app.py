"""The live workshop app: one model per browser session, sliders, play / step / reset.

Run with ``nhs-abm-workshop`` (which sets up the offline front end) or
``solara run abm.workshop.app``. Built on Solara directly rather than Mesa's
``SolaraViz``: the model takes typed configuration objects, not one keyword per
slider, and each browser session must build its own model (``SolaraViz`` shares
the instance it is given until Reset). Every chart is Plotly, drawn by
``solara.FigurePlotly``.

Changing the strategy, a slider or the seed restarts the run at April 2025 with
the new settings; Reset restarts it with the same settings (same seed, same run).
"""

from __future__ import annotations

import html
import threading
import time

import plotly.graph_objects as go
import solara
from plotly.graph_objs import FigureWidget

from ..config import BASELINE_STRATEGY, STRATEGY_NAMES, ConfigError
from ..model import NHSReformModel
from ..report.style import short_icb_name, strategy_label
from . import inspector, views
from . import levers as L

MONTHS = 120
DEFAULT_SEED = 20251
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
PLAY_PAUSE_S = 0.3  # pause between frames while playing, so a room can follow
PLAY_SPEEDS = (1, 3, 6, 12)  # months per frame while playing


class LiveRun:
    """One session's model and the lock that keeps stepping and drawing apart.

    Args:
        strategy: Strategy name.
        values: Lever values by config path.
        seed: Seed of the replication.
    """

    def __init__(self, strategy: str, values: dict[str, float], seed: int) -> None:
        scenario, strat = L.workshop_config(strategy, values)
        self.model = NHSReformModel(scenario, strat, rng=seed, months=MONTHS)
        self.lock = threading.Lock()

    @property
    def finished(self) -> bool:
        """Whether the run has reached its last month."""
        return self.model.month >= self.model.months

    def step(self, months: int = 1) -> None:
        """Advance up to ``months`` months (never past the horizon)."""
        with self.lock:
            for _ in range(min(months, self.model.months - self.model.month)):
                self.model.step()

    def figures(self) -> dict:
        """The live views, drawn while no step runs."""
        with self.lock:
            return views.live_figures(self.model)

    def readout(self) -> dict:
        """The headline numbers, read while no step runs."""
        with self.lock:
            return views.readout(self.model)


class LoopCount:
    """How many play loops of one page are running; the readout shows it as ``data-loops``.

    A loop that has seen Pause may still be finishing its frame; the page is idle (its month
    final) only once the count is back to 0.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, change: int) -> None:
        """Add ``change`` (+1 when a loop starts, -1 when it ends)."""
        with self._lock:
            self.value += change


def _table(rows: list[tuple[str, str]], classes: str = "") -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f'<table class="workshop-table {classes}">{body}</table>'


CSS = """
.workshop-table { border-collapse: collapse; font-size: 13px; width: 100%; }
.workshop-table th { text-align: left; font-weight: 500; color: #444; padding: 2px 10px 2px 0;
  vertical-align: top; }
.workshop-table td { padding: 2px 0; }
.workshop-readout { font-size: 16px; padding: 6px 0 10px 0; }
.workshop-readout b { font-size: 18px; }
.workshop-note { color: #555; font-size: 12px; }
.workshop-lever-label { font-size: 13px; margin-top: 10px; }
.workshop-lever .v-input__slot { margin-bottom: 0; }
"""


class ResponsiveFigureWidget(FigureWidget):
    """Plotly's figure widget drawn with Plotly's ``responsive`` option."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._config = dict(PLOTLY_CONFIG)  # the base class sets an empty config


@solara.component
def Figure(fig: go.Figure) -> None:
    """A Plotly figure that follows its column's width.

    ``solara.FigurePlotly`` draws with Plotly's defaults (no autosize: 700 pixels wide,
    whatever the column); this is the same widget with ``autosize`` and Plotly's
    ``responsive`` option, so it takes the column's width and follows the window.

    Args:
        fig: The figure.
    """
    element = ResponsiveFigureWidget.element()

    def show() -> None:
        widget = solara.get_widget(element)
        # Traces first, then the layout: a new layout drawn over the old traces (bars on
        # an axis that is no longer categorical) would draw them at NaN positions.
        old = len(widget.data)
        widget.add_traces(fig.data)
        widget.data = list(widget.data)[old:]
        widget.layout = fig.layout
        widget.layout.autosize = True

    solara.use_effect(show, [fig])


@solara.component_vue("resize_plots.vue")
def ResizePlots() -> None:
    """Makes every chart take its column's width when the page changes size."""


@solara.component
def Lever(lever: L.Lever, value: float, on_value) -> None:
    """One slider, labelled with its parameter's unit; its help text is the parameter's meaning.

    Args:
        lever: The lever.
        value: Current value.
        on_value: Called with the new value.
    """
    low, high = lever.bounds
    slug = lever.path.replace(".", "-").replace("_", "-")
    shown = f"{int(value)}" if lever.is_int else f"{value:.2f}"
    with solara.Div(classes=["workshop-lever", f"lever-{slug}"],
                    attributes={"title": f"{lever.description} ({lever.unit}); {lever.path}"}):
        solara.HTML(tag="div", classes=["workshop-lever-label"], unsafe_innerHTML=(
            f"{html.escape(lever.label)}: <b class='lever-value'>{shown}</b>"))
        if lever.is_int:
            solara.SliderInt("", value=int(value), min=int(low), max=int(high), step=1,
                             on_value=on_value, thumb_label=True, tick_labels="end_points")
        else:
            solara.SliderFloat("", value=float(value), min=low, max=high, step=lever.step,
                               on_value=on_value, thumb_label=True, tick_labels="end_points")


@solara.component
def TrustInspector(run: LiveRun, tick: int) -> None:
    """Pick an ICB and a trust; see its state, its pilots and why it decided.

    Args:
        run: The session's live run.
        tick: Changes after every month, so the inspector redraws.
    """
    model = run.model
    icb_names = [short_icb_name(icb.name) for icb in model.icbs]
    icb_name, set_icb_name = solara.use_state(icb_names[0])
    k = icb_names.index(icb_name) if icb_name in icb_names else 0
    members = [t for t in model.trusts if model.data.trusts.icb[t.row] == k]
    trust_names = [t.name for t in members]
    trust_name, set_trust_name = solara.use_state(trust_names[0])
    trust = next((t for t in members if t.name == trust_name), members[0])
    names = dict(zip(model.data.innovations.innovation_id, model.data.innovations.name,
                     strict=True))
    with run.lock:
        profile = inspector.trust_profile(trust)
        portfolio = inspector.portfolio_rows(model, trust)
        relevant = list(trust.portfolio())
    options = [names[i] for i in relevant]
    chosen, set_chosen = solara.use_state(options[0] if options else "")
    chosen = chosen if chosen in options else (options[0] if options else "")
    with solara.Card("Inspect a trust", classes=["workshop-inspector"]):
        with solara.Row():
            solara.Select("ICB", values=icb_names, value=icb_names[k], on_value=set_icb_name)
            solara.Select("Trust", values=trust_names, value=trust.name,
                          on_value=set_trust_name)
        with solara.Columns([1, 1]):
            with solara.Column():
                solara.HTML(unsafe_innerHTML=_table(profile, "trust-profile"))
            with solara.Column():
                pilots = [n for n, s in portfolio if s == "piloting"]
                solara.Text(f"Piloting now: {', '.join(pilots) if pilots else 'nothing'}",
                            classes=["trust-pilots"])
                solara.HTML(unsafe_innerHTML=_table(portfolio, "trust-portfolio"))
        if options:
            solara.Select("Why did it decide? Choose an innovation", values=options,
                          value=chosen, on_value=set_chosen)
            innovation = next(i for i in relevant if names[i] == chosen)
            with run.lock:
                rows, reading = inspector.explain(model, trust, innovation)
            solara.Text(reading, classes=["trust-reading"])
            solara.HTML(unsafe_innerHTML=_table(rows, "trust-decision"))
    del tick  # only a redraw trigger


@solara.component
def Page() -> None:
    """The workshop page; Solara renders one per browser session, each with its own model."""
    strategy, set_strategy = solara.use_state(BASELINE_STRATEGY)
    values, set_values = solara.use_state(L.default_values())
    seed, set_seed = solara.use_state(DEFAULT_SEED)
    generation, set_generation = solara.use_state(0)
    tick, set_tick = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(PLAY_SPEEDS[1])

    def build() -> LiveRun | ConfigError:
        try:
            return LiveRun(strategy, values, seed)
        except ConfigError as exc:
            return exc

    run = solara.use_memo(build, dependencies=[strategy, tuple(sorted(values.items())), seed,
                                               generation])

    # What the page shows now, read by the play loop before every frame: a click on Pause,
    # a new run or a new speed stops the old loop at once, even while its task is cancelled.
    shown = solara.use_memo(lambda: {"loops": LoopCount()}, [])
    shown.update(playing=playing, run=run, speed=speed)
    loops = shown["loops"]

    def play() -> None:
        if not playing or isinstance(run, ConfigError):
            return
        loops.add(1)
        try:
            while not run.finished:
                time.sleep(PLAY_PAUSE_S)
                if not shown["playing"] or shown["run"] is not run or shown["speed"] != speed:
                    return
                run.step(speed)
                set_tick(lambda t: t + 1)
            set_playing(False)
        finally:
            loops.add(-1)
            set_tick(lambda t: t + 1)  # redraw, so the readout shows the loop has ended

    # A task restarts (and the old loop is cancelled) when Play/Pause or the run changes.
    solara.lab.use_task(play, dependencies=[playing, run, speed], prefer_threaded=True)

    def set_lever(path: str):
        def setter(value: float) -> None:
            set_playing(False)
            set_values(lambda old: {**old, path: value})
        return setter

    def step(months: int) -> None:
        if not isinstance(run, ConfigError):
            run.step(months)
            set_tick(lambda t: t + 1)

    def reset() -> None:
        set_playing(False)
        set_generation(lambda g: g + 1)

    solara.Style(CSS)
    ResizePlots()
    solara.Title("NHS reform ABM: workshop")
    with solara.Sidebar():
        with solara.Card("Run"):
            labels = {strategy_label(s): s for s in STRATEGY_NAMES}
            solara.Select("Strategy", values=list(labels), value=strategy_label(strategy),
                          on_value=lambda label: (set_playing(False), set_strategy(labels[label])))
            with solara.Row():
                solara.Button("Step", icon_name="mdi-step-forward", on_click=lambda: step(1),
                              disabled=playing, classes=["workshop-step"])
                solara.Button("+1 year", on_click=lambda: step(12), disabled=playing,
                              classes=["workshop-year"])
            with solara.Row():
                solara.Button("Pause" if playing else "Play",
                              icon_name="mdi-pause" if playing else "mdi-play",
                              on_click=lambda: set_playing(not playing), color="primary",
                              classes=["workshop-play"])
                solara.Button("Reset", icon_name="mdi-restart", on_click=reset,
                              classes=["workshop-reset"])
            solara.Select("Months per frame when playing", values=list(PLAY_SPEEDS),
                          value=speed, on_value=set_speed)
            solara.InputInt("Seed", value=seed, on_value=lambda s: set_seed(max(0, int(s))))
            solara.Text("Changing a setting restarts the run at April 2025.",
                        classes=["workshop-note"])
        for group, title in (("lever", "Levers (choices)"),
                             ("uncertainty", "Uncertainties (conditions)")):
            with solara.Card(title):
                in_group = [lever for lever in L.levers_for(strategy) if lever.group == group]
                for lever in in_group:
                    Lever(lever, values[lever.path], set_lever(lever.path))
                if not in_group:
                    solara.Text("None under this strategy.", classes=["workshop-note"])

    if isinstance(run, ConfigError):
        solara.Error(str(run))
        return
    numbers = run.readout()
    share = numbers["embedded_share"]
    solara.HTML(tag="div", classes=["workshop-readout"], unsafe_innerHTML=(
        f"<b>{html.escape(strategy_label(strategy))}</b> &middot; month "
        f"<b class='readout-month'>{numbers['month']}</b> of {MONTHS} "
        f"({html.escape(str(numbers['calendar']))}) &middot; mean share embedded "
        f"<b class='readout-share'>{'-' if share != share else f'{share:.1%}'}</b> &middot; "
        f"pilots started <b class='readout-pilots'>{numbers['pilots_started']}</b> &middot; "
        f"decision units {numbers['decision_units']}"
        f"<span class='readout-loop' data-loops='{loops.value}' hidden></span>"))
    figures = run.figures()
    with solara.Columns([3, 2]):
        with solara.Div(classes=["view-adoption"]):
            Figure(figures["adoption"])
        with solara.Div(classes=["view-funnel"]):
            Figure(figures["funnel"])
    # The map needs the full width for 42 readable tiles in seven region columns.
    with solara.Div(classes=["view-tile-map"]):
        Figure(figures["tile_map"])
    with solara.Div(classes=["view-pressure"]):
        Figure(figures["pressure"])
    TrustInspector(run, tick)
