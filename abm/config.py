"""Typed, validated configuration: the one place where input is checked.

Every parameter is a pydantic field carrying its meaning, unit, plausible range
and source (``abm.fields``), so the parameter table in ``docs/parameters.md`` is
generated from it and cannot drift from it. The scenario's blocks live in
``abm.scenario_config``, the strategy's in ``abm.strategy_config``; this module
gathers them under the whole run's ``RunConfig`` and checks input: unknown keys
are refused, values outside their allowed range are refused, and the error names
the field, the value given and what is allowed. Every field with a plausible range
is a ``Parameter`` that a value can be set at (``with_values``: a posterior draw, a
sampled point), each saying which mechanisms must be on for it to act.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from .fields import UNCERTAIN, WHEN_ON, Strict, param, share
from .scenario_config import (
    SCENARIO_NAMES,
    BarrierConfig,
    DiffusionConfig,
    EffectConfig,
    FinanceConfig,
    GovernmentConfig,
    ICBConfig,
    ObservationConfig,
    PopulationConfig,
    PressureConfig,
    ScenarioConfig,
    VendorConfig,
)
from .shipped import config_dir
from .strategy_config import (
    BASELINE_STRATEGY,
    MECHANISMS,
    ConsolidationConfig,
    OpenPlatformConfig,
    ScalerConfig,
    StrategyConfig,
    mechanisms_on,
    strategy_label,
)

__all__ = [
    "BASELINE_STRATEGY", "MECHANISMS", "SCENARIO_NAMES", "STRATEGY_NAMES", "BarrierConfig",
    "ConfigError", "ConsolidationConfig", "DiffusionConfig", "EffectConfig", "FinanceConfig",
    "GovernmentConfig", "ICBConfig",
    "ObservationConfig", "OpenPlatformConfig", "Parameter", "PopulationConfig",
    "PressureConfig", "RunConfig", "ScalerConfig", "ScenarioConfig", "StrategyConfig", "Strict",
    "VendorConfig", "check_strategy_names", "default_comparison", "describe_field", "field_at",
    "find_parameter", "mechanisms_on", "param", "parameters", "parse_config",
    "plausible_parameters", "set_at", "share", "shipped_strategies", "strategy_label",
    "with_values",
]


@cache
def default_comparison() -> tuple[str, ...]:
    """The strategies ``strategy=all`` compares (``configs/strategy/all.yaml``), in its order."""
    listed = yaml.safe_load((config_dir() / "strategy" / "all.yaml").read_text(encoding="utf-8"))
    return tuple(entry.split("@")[0] for entry in listed["defaults"])


@cache
def shipped_strategies() -> dict[str, StrategyConfig]:
    """The strategies shipped in ``configs/strategy/`` (not the lists ``all*.yaml``), typed.

    The default comparison's (``all.yaml``) come first, in its order; the others follow
    by name. Each file states only what differs from ``StrategyConfig``'s defaults, so it
    is validated here without Hydra.
    """
    folder = config_dir() / "strategy"
    order = {name: i for i, name in enumerate(default_comparison())}
    files = sorted(folder.glob("*.yaml"), key=lambda f: (order.get(f.stem, len(order)), f.stem))
    found = {}
    for path in files:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.stem.startswith("all"):  # a list of strategies to compare
            continue
        raw.pop("defaults", None)
        found[path.stem] = parse_config(raw, StrategyConfig)
    return found


# --------------------------------------------------------------------------- run


class RunConfig(Strict):
    """A whole run: strategies x replications on a scenario."""

    seed: int = param(20251, "Master seed", "integer", "n/a", ge=0, le=2**63 - 1)
    replications: int = param(
        100, "Replications per strategy", "replications", "n/a", ge=1, le=10_000_000)
    months: int = param(120, "Simulated months (April 2025 start)", "months", "n/a", ge=1, le=600)
    workers: int = param(1, "Worker processes (results do not depend on it)", "processes", "n/a",
                         ge=1, le=512)
    first_replication: int = param(
        0, "Index of the first replication: a job of a sweep can run replications "
        "first_replication ... first_replication + replications - 1", "replication", "n/a",
        ge=0, le=10_000_000)
    batch_size: int = param(
        64, "Replications simulated together on stacked arrays (results do not depend on it)",
        "replications", "n/a", ge=1, le=4096)
    trajectory_replications: int = param(
        100, "Replications per strategy whose month-by-month tables are kept (run-level "
        "tables keep all)", "replications", "n/a", ge=0, le=10_000_000)
    posterior: str | None = Field(
        None, description="Parquet file of posterior draws (e.g. a calibration run's "
        "calibration_draws.parquet): replication r uses draw r mod N on top of the scenario, "
        "so intervals include parameter uncertainty; null runs the scenario as it is",
        json_schema_extra={"unit": "path", "source": "n/a"})
    scenario: ScenarioConfig = ScenarioConfig()
    strategies: tuple[StrategyConfig, ...] = Field(
        (StrategyConfig(),), description="Strategies to compare")

    @model_validator(mode="after")
    def _at_least_one_strategy(self) -> RunConfig:
        if not self.strategies:
            raise ValueError("at least one strategy is needed")
        return self


class ConfigError(ValueError):
    """Raised when a configuration is invalid; the message lists every problem."""


def _field_at(model: type[BaseModel], loc: tuple) -> Any:
    """The pydantic FieldInfo at an error location, or None if it cannot be followed."""
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        model = inner[0] if inner and isinstance(inner[0], type) else annotation
    return field


def _allowed_range(field: Any) -> str:
    bounds = {type(m).__name__: m for m in getattr(field, "metadata", [])}
    low = getattr(bounds.get("Ge"), "ge", None)
    high = getattr(bounds.get("Le"), "le", None)
    if low is None and high is None:
        return ""

    def show(value: float | None) -> str:
        return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)

    return f"allowed: [{show(low)}, {show(high)}]"


def _format_error(err: dict[str, Any], cls: type[BaseModel]) -> str:
    location = ".".join(str(part) for part in err["loc"])
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        return (f"{location}: unknown key (value {value!r}); allowed keys: "
                f"{', '.join(_allowed_keys(cls, err['loc']))}")
    allowed = _allowed_range(_field_at(cls, err["loc"]))
    return f"{location}: got {value!r}; {err['msg']}" + (f" ({allowed})" if allowed else "")


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part not in model.model_fields:  # a tagged union's member, named by its tag
            continue
        annotation = model.model_fields[part].annotation
        inner = [a for a in getattr(annotation, "__args__", ()) if isinstance(a, type)]
        tagged = [a for a in inner if issubclass(a, BaseModel) and part != "name"
                  and "name" in a.model_fields]
        following = loc[loc.index(part) + 1] if loc.index(part) + 1 < len(loc) else None
        chosen = [a for a in tagged if a.model_fields["name"].default == following]
        model = chosen[0] if chosen else inner[0] if inner else annotation
    return sorted(model.model_fields)


def describe_field(path: str) -> str:
    """What a dotted config path accepts, as a user types it (``strategy.scaler.price_gbp_m``).

    Args:
        path: A dotted key of the run configuration (``seed``, ``scenario.pressure...``,
            ``strategy...``).

    Returns:
        The field's meaning, type and allowed range, or "" if the path is not a field.
    """
    path = path.lstrip("+~")
    if path == "strategy":
        return f"a strategy; allowed: {', '.join(shipped_strategies())} or all"
    try:
        field = field_at(path)
    except ConfigError:
        return ""
    if field.annotation is None:
        return ""
    kind = getattr(field.annotation, "__name__", str(field.annotation))
    unit = (field.json_schema_extra or {}).get("unit")
    allowed = _allowed_range(field)
    details = ", ".join(x for x in (kind, unit) if x and x not in ("n/a", "integer"))
    return f"{field.description} ({details}{'; ' + allowed if allowed else ''})"


def field_at(path: str) -> Any:
    """The pydantic field at a dotted config path, as a user types it.

    Args:
        path: ``seed``, ``scenario.pressure.occupancy_scale``, ``strategy.scaler.price_gbp_m``
            (a strategy's fields are under ``strategy.``).

    Returns:
        The ``FieldInfo``.

    Raises:
        ConfigError: If the path names no field.
    """
    parts = tuple(path.split("."))
    cls, parts = (StrategyConfig, parts[1:]) if parts[0] == "strategy" else (RunConfig, parts)
    field = _field_at(cls, parts) if parts else None
    if field is None:
        raise ConfigError(f"{path}: not a field of the configuration (see docs/parameters.md)")
    return field


def set_at(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted path of a nested dict (a config's ``model_dump``).

    Missing parents are created, so a partial tree (a scenario override) can be built.

    Args:
        tree: The nested dict, changed in place.
        path: Dotted keys, e.g. ``pressure.occupancy_scale`` relative to ``tree``.
        value: The value to set.
    """
    *parents, leaf = path.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


# --------------------------------------------------------------------------- parameters

OBSERVATION = "scenario.observation."
APPRAISAL = "scenario.appraisal."


@dataclass(frozen=True)
class Parameter:
    """One parameter a value can be set at: a field with a plausible range."""

    path: str  # e.g. "scenario.pressure.occupancy_scale" or "strategy.scaler.price_gbp_m"
    default: float
    low: float
    high: float
    integer: bool
    kind: str  # "uncertainty", "lever" or "observation"
    needs: tuple[str, ...] = ()  # mechanisms of which one must be on for it to act (): always


def plausible_parameters(model: type[BaseModel], prefix: str, kind: str) -> list[Parameter]:
    """Every field with a plausible range under ``model``; ``kind`` unless it says otherwise.

    A field of a mechanism's block marked ``acts="when_on"`` needs that mechanism; one of
    the model itself so marked (the strategy's spend cap) needs any of its mechanisms.
    """
    return _walk(model, prefix, kind, _mechanism_blocks(model))


def _is_block(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _mechanism_blocks(model: type[BaseModel]) -> tuple[str, ...]:
    """The blocks of ``model`` with an ``enabled`` flag: its mechanisms."""
    return tuple(name for name, field in model.model_fields.items()
                 if _is_block(field.annotation) and "enabled" in field.annotation.model_fields)


def _walk(model: type[BaseModel], prefix: str, kind: str,
          scope: tuple[str, ...]) -> list[Parameter]:
    found = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if _is_block(annotation):
            inner = (name,) if "enabled" in annotation.model_fields else scope
            found.extend(_walk(annotation, f"{prefix}{name}.", kind, inner))
            continue
        extra = field.json_schema_extra or {}
        plausible = extra.get("plausible")
        if plausible is None or annotation is bool:
            continue
        needs = scope if extra.get("acts") == WHEN_ON else ()
        found.append(Parameter(f"{prefix}{name}", field.default, float(plausible[0]),
                               float(plausible[1]), annotation is int,
                               extra.get("kind", kind), needs))
    return found


@cache
def parameters() -> tuple[Parameter, ...]:
    """Every parameter a value can be set at: uncertainties, observations, then levers.

    The uncertainties are the scenario's (its observation and appraisal blocks apart)
    and how strongly each mechanism works; the observation parameters map model counts
    onto published ones. The appraisal block has none: it changes how money is
    counted, not what happens.
    """
    scenario = plausible_parameters(ScenarioConfig, "scenario.", UNCERTAIN)
    strategy = plausible_parameters(StrategyConfig, "strategy.", "lever")
    conditions = [p for p in scenario if not p.path.startswith((OBSERVATION, APPRAISAL))]
    observed = [replace(p, kind="observation") for p in scenario
                if p.path.startswith(OBSERVATION)]
    return (*conditions, *(p for p in strategy if p.kind == UNCERTAIN), *observed,
            *(p for p in strategy if p.kind != UNCERTAIN))


@cache
def _parameters_by_path() -> dict[str, Parameter]:
    return {p.path: p for p in parameters()}


def find_parameter(path: str) -> Parameter:
    """The parameter at ``path``.

    Raises:
        ConfigError: If no parameter with a plausible range has that path.
    """
    known = _parameters_by_path()
    if path in known:
        return known[path]
    raise ConfigError(f"{path}: not a parameter with a plausible range (known: "
                      f"{', '.join(known)})")


def with_values(cfg: RunConfig, values: dict[str, float]) -> RunConfig:
    """A copy of ``cfg`` with parameters set; a strategy parameter applies to every strategy.

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
        parameter = find_parameter(path)
        value = int(round(value)) if parameter.integer else float(value)
        if path.startswith("scenario."):
            set_at(raw, path, value)
        else:
            for strategy in raw["strategies"]:
                set_at(strategy, path.removeprefix("strategy."), value)
    return parse_config(raw, RunConfig)


def parse_config(raw: dict[str, Any], cls: type[Strict] = RunConfig) -> Strict:
    """Validate a plain dict into a typed config.

    Args:
        raw: Nested dict, as produced from Hydra's composed config.
        cls: The config class to build.

    Returns:
        The validated, frozen config object.

    Raises:
        ConfigError: Listing each invalid field with the value given and what is allowed.
    """
    try:
        return cls.model_validate(raw)
    except ValidationError as exc:
        lines = [_format_error(err, cls) for err in exc.errors()]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def check_strategy_names(strategies: tuple[StrategyConfig, ...]) -> None:
    """Refuse strategy labels that are repeated within one run.

    Args:
        strategies: The strategies of a run.

    Raises:
        ConfigError: If a name is repeated.
    """
    names = [s.name for s in strategies]
    if len(set(names)) != len(names):
        raise ConfigError(f"strategy.name: repeated in {names}; each strategy once per run")


# Names of the shipped strategies (``configs/strategy/``), for menus and messages.
STRATEGY_NAMES = tuple(shipped_strategies())
if BASELINE_STRATEGY not in STRATEGY_NAMES:
    raise ImportError(f"the baseline strategy {BASELINE_STRATEGY!r} is not one of the shipped "
                      f"strategies {STRATEGY_NAMES} (configs/strategy/)")
