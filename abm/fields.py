"""The vocabulary of the typed configuration: a documented parameter and a strict block.

Every parameter is a pydantic field carrying its meaning, unit, plausible range
and source (``param``, ``share``); every block of settings is ``Strict``:
unknown keys are refused and values are checked against their allowed range.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def param(
    default: Any,
    description: str,
    unit: str,
    source: str = "assumption",
    *,
    ge: float | None = None,
    le: float | None = None,
    plausible: tuple[float, float] | None = None,
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

    Returns:
        A pydantic ``Field`` with the metadata attached.
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if plausible is not None:
        extra["plausible"] = list(plausible)
    return Field(default, description=description, ge=ge, le=le, json_schema_extra=extra)


def share(default: float, description: str, source: str = "assumption", plausible=None) -> Any:
    """Declare a parameter that is a share or probability in [0, 1]."""
    return param(default, description, "share", source, ge=0.0, le=1.0, plausible=plausible)


class Strict(BaseModel):
    """Base for every config block: unknown keys are errors, values are checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
