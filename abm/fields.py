"""The vocabulary of the typed configuration: a documented parameter and a strict block.

Every parameter is a pydantic field carrying its meaning, unit, plausible range
and source (``param``, ``share``); every block of settings is ``Strict``:
unknown keys are refused and values are checked against their allowed range.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

KINDS = ("uncertainty", "lever")
UNCERTAIN = "uncertainty"
WORKSHOP = "workshop"  # json_schema_extra key of a workshop slider's label
WHEN_ON, ALWAYS = "when_on", "always"  # where a strategy setting acts (``acts``)
ACTS = (WHEN_ON, ALWAYS)


def param(
    default: Any,
    description: str,
    unit: str,
    source: str = "assumption",
    *,
    ge: float | None = None,
    le: float | None = None,
    plausible: tuple[float, float] | None = None,
    kind: str | None = None,
    acts: str | None = None,
    workshop: str | None = None,
) -> Any:
    """Declare a documented model parameter.

    Args:
        default: Default value (the England default).
        description: What the parameter means in the model.
        unit: Unit of the value ("share" for 0-1 quantities).
        source: A citation (``facts.csv: key``) or "assumption: reasoning".
        ge: Smallest value allowed (validation).
        le: Largest value allowed (validation).
        plausible: Plausible range used for sensitivity analysis and the table.
        kind: ``"uncertainty"`` for how strongly a mechanism works (knowledge about
            the world, sampled by the experiments like every scenario parameter) or
            ``"lever"`` for a choice a policymaker makes; None takes the block's
            default (scenario: uncertainty; strategy: lever).
        acts: For a strategy setting, where it acts: ``"when_on"`` only when its
            mechanism is switched on (a setting of the whole strategy: when any
            mechanism is), ``"always"`` in every strategy (how every merger works,
            background mergers included); None acts always.
        workshop: The label of the parameter's slider in the workshop
            (``abm.workshop.levers``), which spans ``plausible``; None: no slider.

    Returns:
        A pydantic ``Field`` with the metadata attached.
    """
    if kind not in (None, *KINDS):
        raise ValueError(f"kind {kind!r}: expected one of {KINDS}")
    if acts not in (None, *ACTS):
        raise ValueError(f"acts {acts!r}: expected one of {ACTS}")
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if plausible is not None:
        extra["plausible"] = list(plausible)
    if kind is not None:
        extra["kind"] = kind
    if acts is not None:
        extra["acts"] = acts
    if workshop is not None:
        if plausible is None:
            raise ValueError(f"workshop slider {workshop!r}: needs a plausible range")
        extra[WORKSHOP] = workshop
    return Field(default, description=description, ge=ge, le=le, json_schema_extra=extra)


def share(default: float, description: str, source: str = "assumption", plausible=None,
          kind: str | None = None, acts: str | None = None, workshop: str | None = None) -> Any:
    """Declare a parameter that is a share or probability in [0, 1]."""
    return param(default, description, "share", source, ge=0.0, le=1.0, plausible=plausible,
                 kind=kind, acts=acts, workshop=workshop)


class Strict(BaseModel):
    """Base for every config block: unknown keys are errors, values are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
