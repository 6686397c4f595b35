"""The workshop's sliders: each one a real, validated configuration field.

The sliders are the fields of the typed configuration (``abm.config``) declared with
a ``workshop`` label (``abm.fields.param``), in the configuration's order, so a new
mechanism's field so declared has its slider. A lever names its field by its dotted
path, e.g. ``scenario.pressure.occupancy_scale``. Its slider range is the field's
plausible range from the parameter table (widened to hold the default), so no
number is typed twice. Values are applied to the strategy's composed
configuration and validated again: a value outside the field's allowed range is
refused with the usual message naming the field.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from ..config import (
    MECHANISMS,
    STRATEGY_NAMES,
    ConfigError,
    ScenarioConfig,
    StrategyConfig,
    field_at,
    mechanisms_on,
    parse_config,
    set_at,
    shipped_strategies,
)
from ..fields import WORKSHOP

_COMPOSE_LOCK = threading.Lock()  # Hydra's global state is not safe to compose from two threads


@dataclass(frozen=True)
class Lever:
    """One slider.

    Attributes:
        path: Dotted config path starting with ``scenario.`` or ``strategy.``.
        label: What the slider is called on screen.
    """

    path: str
    label: str

    @property
    def group(self) -> str:
        """``lever`` (a choice policy makes) or ``uncertainty`` (a condition nobody controls).

        Read from the field, as the experiments read it (``experiments.space``): every
        scenario parameter is an uncertainty; a strategy setting is a lever unless it
        says how strongly its mechanism works.
        """
        default = "uncertainty" if self.path.startswith("scenario.") else "lever"
        return (self.field.json_schema_extra or {}).get("kind", default)

    @property
    def mechanism(self) -> str:
        """The mechanism whose block holds the field, or "" if it acts under every strategy."""
        parts = self.path.split(".")
        return parts[1] if parts[0] == "strategy" and parts[1] in MECHANISMS else ""

    @property
    def field(self) -> Any:
        """The pydantic field behind the lever."""
        return field_at(self.path)

    @property
    def is_int(self) -> bool:
        """Whether the field holds whole numbers."""
        return self.field.annotation is int

    @property
    def default(self) -> float:
        """The field's default (the England default)."""
        return self.field.default

    @property
    def unit(self) -> str:
        """The field's unit from the parameter table."""
        return (self.field.json_schema_extra or {}).get("unit", "")

    @property
    def description(self) -> str:
        """The field's meaning from the parameter table."""
        return self.field.description or ""

    @property
    def bounds(self) -> tuple[float, float]:
        """Slider range: the plausible range, widened to include the default."""
        low, high = (self.field.json_schema_extra or {})["plausible"]
        return min(low, self.default), max(high, self.default)

    @property
    def step(self) -> float:
        """Slider step: 1 for whole numbers, else about a twentieth of the range."""
        if self.is_int:
            return 1
        width = self.bounds[1] - self.bounds[0]
        return 10.0 ** math.floor(math.log10(width / 20))


def marked_levers(model: type[BaseModel], prefix: str) -> list[Lever]:
    """The sliders of the fields under ``model`` that carry a ``workshop`` label, in order."""
    found = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += marked_levers(annotation, f"{prefix}.{name}")
        elif WORKSHOP in (field.json_schema_extra or {}):
            found.append(Lever(f"{prefix}.{name}", field.json_schema_extra[WORKSHOP]))
    return found


LEVERS: tuple[Lever, ...] = (*marked_levers(ScenarioConfig, "scenario"),
                             *marked_levers(StrategyConfig, "strategy"))
LEVER_BY_PATH = {lever.path: lever for lever in LEVERS}


@cache
def _composed(strategy: str) -> tuple[ScenarioConfig, StrategyConfig]:
    from ..cli import compose_run_config

    with _COMPOSE_LOCK:
        cfg = compose_run_config(f"strategy={strategy}", "replications=1")
    return cfg.scenario, cfg.strategies[0]


def levers_for(strategy: str) -> list[Lever]:
    """The levers that act under a strategy: shared ones plus its mechanisms' own.

    A hybrid (several mechanisms on) gets the levers of each of its mechanisms.

    Args:
        strategy: One of ``abm.config.STRATEGY_NAMES``.

    Returns:
        The levers, in display order.

    Raises:
        ConfigError: For a strategy that is not shipped.
    """
    on = ("", *mechanisms_on(_shipped(strategy)))
    return [lever for lever in LEVERS if lever.mechanism in on]


def _shipped(strategy: str) -> StrategyConfig:
    if strategy not in STRATEGY_NAMES:
        raise ConfigError(f"strategy: got {strategy!r}; allowed: {list(STRATEGY_NAMES)}")
    return shipped_strategies()[strategy]


def default_values() -> dict[str, float]:
    """Every lever at its England default, by path."""
    return {lever.path: lever.default for lever in LEVERS}


def workshop_config(strategy: str, values: dict[str, float] | None = None
                    ) -> tuple[ScenarioConfig, StrategyConfig]:
    """The validated scenario and strategy for a strategy name and slider values.

    Args:
        strategy: One of ``abm.config.STRATEGY_NAMES``.
        values: Lever values by path; levers left out keep the composed value. Values
            of another strategy's mechanism are applied too (they have no effect while
            that mechanism is off).

    Returns:
        (scenario, strategy) configuration.

    Raises:
        ConfigError: For an unknown strategy, a path that is not a lever, or a value
            outside the field's allowed range.
    """
    _shipped(strategy)
    scenario, strat = _composed(strategy)
    raw = {"scenario": scenario.model_dump(), "strategy": strat.model_dump()}
    for path, value in (values or {}).items():
        if path not in LEVER_BY_PATH:
            raise ConfigError(f"{path}: not a workshop lever; levers: {sorted(LEVER_BY_PATH)}")
        lever = LEVER_BY_PATH[path]
        if lever.is_int and isinstance(value, float):
            if not value.is_integer():
                raise ConfigError(f"{path}: got {value!r}; a whole number is needed")
            value = int(value)
        set_at(raw, path, value)
    typed = {}
    for root, cls in (("scenario", ScenarioConfig), ("strategy", StrategyConfig)):
        try:
            typed[root] = parse_config(raw[root], cls)
        except ConfigError as exc:  # name the field by its full path, as the sliders do
            raise ConfigError(str(exc).replace("\n  ", f"\n  {root}.")) from None
    return typed["scenario"], typed["strategy"]
