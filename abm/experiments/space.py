"""The parameter space: uncertainties (conditions nobody controls) and levers (strategy).

As in EMA Workbench, an experiment separates the **uncertainties** (every
scenario parameter with a plausible range in the parameter table: pressure,
maturity, elections, budgets ...; and how strongly each mechanism works, such as
the scaler's learning exponent or a merger's disruption, declared
``kind="uncertainty"`` in its strategy block) from the **levers** (what a
policymaker sets: contract terms, platform budget, merger programme size and
targeting). Ranges come from the ``plausible`` metadata of the typed
configuration, the same numbers as ``docs/parameters.md``. Values are applied by rebuilding the
validated config, so a sampled value outside what the model allows is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from ..config import (
    ConfigError,
    RunConfig,
    ScenarioConfig,
    StrategyConfig,
    parse_config,
    set_at,
)

OBSERVATION = "scenario.observation."
APPRAISAL = "scenario.appraisal."


@dataclass(frozen=True)
class Parameter:
    """One parameter that an experiment can vary."""

    path: str  # e.g. "scenario.pressure.occupancy_scale" or "strategy.scaler.price_gbp_m"
    default: float
    low: float
    high: float
    integer: bool
    kind: str  # "uncertainty" or "lever"


def _walk(model: type[BaseModel], prefix: str, kind: str) -> list[Parameter]:
    """Every field with a plausible range under ``model``; ``kind`` unless it says otherwise."""
    found = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.extend(_walk(annotation, f"{prefix}{name}.", kind))
            continue
        extra = field.json_schema_extra or {}
        plausible = extra.get("plausible")
        if plausible is None or annotation is bool:
            continue
        found.append(Parameter(f"{prefix}{name}", field.default, float(plausible[0]),
                               float(plausible[1]), annotation is int,
                               extra.get("kind", kind)))
    return found


def _strategy_parameters() -> list[Parameter]:
    return _walk(StrategyConfig, "strategy.", "lever")


def uncertainties() -> list[Parameter]:
    """The conditions nobody controls, each with a plausible range.

    Every scenario parameter, then how strongly each mechanism works (its strategy
    block's uncertainties). The observation block (how model counts map onto
    published counts) and the appraisal block (how money is appraised) are left
    out: they do not change the simulation. A mechanism's
    uncertainty applies to every strategy that switches the mechanism on.
    """
    scenario = [p for p in _walk(ScenarioConfig, "scenario.", "uncertainty")
                if not p.path.startswith((OBSERVATION, APPRAISAL))]
    return scenario + [p for p in _strategy_parameters() if p.kind == "uncertainty"]


def observations() -> list[Parameter]:
    """The observation parameters: used only to compare the model with the record."""
    return [Parameter(p.path, p.default, p.low, p.high, p.integer, "observation")
            for p in _walk(ScenarioConfig, "scenario.", "uncertainty")
            if p.path.startswith(OBSERVATION)]


def levers() -> list[Parameter]:
    """Every strategy setting with a plausible range that a policymaker chooses."""
    return [p for p in _strategy_parameters() if p.kind == "lever"]


def find(path: str) -> Parameter:
    """The parameter at ``path``.

    Raises:
        ConfigError: If no parameter with a plausible range has that path.
    """
    known = _by_path()
    if path in known:
        return known[path]
    raise ConfigError(f"{path}: not a parameter with a plausible range (known: "
                      f"{', '.join(known)})")


@cache
def _by_path() -> dict[str, Parameter]:
    return {p.path: p for p in uncertainties() + observations() + levers()}


def with_values(cfg: RunConfig, values: dict[str, float]) -> RunConfig:
    """A copy of ``cfg`` with parameters set; a lever applies to every strategy.

    Args:
        cfg: The base run configuration.
        values: Parameter path -> value ("scenario.*" or "strategy.*" paths).

    Returns:
        The validated configuration.

    Raises:
        ConfigError: If a path is unknown or a value is not allowed.
    """
    raw = cfg.model_dump()
    for path, value in values.items():
        parameter = find(path)
        value = int(round(value)) if parameter.integer else float(value)
        if path.startswith("scenario."):
            set_at(raw, path, value)
        else:
            for strategy in raw["strategies"]:
                set_at(strategy, path.removeprefix("strategy."), value)
    return parse_config(raw, RunConfig)
