"""The scenario pack's definition: scenarios, their arms and the texts for participants.

Read from ``configs/workshop/scenarios.yaml`` (or another file of the same shape)
and validated like every other input: unknown keys, repeated ids, an unknown
outcome or fewer than two arms stop the build with a message naming the field.
Arms are Hydra overrides of ``configs/config.yaml``; they are checked by
``abm.workshop.pack_run`` before anything runs. This module imports neither the
model nor Hydra, so the pack builder can read a saved copy of the definition.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, field_validator, model_validator

from ..config import BASELINE_STRATEGY, ConfigError, Strict, parse_config
from ..shipped import config_dir

DEFAULT_SCENARIOS = config_dir() / "workshop" / "scenarios.yaml"
# Run-level outcomes (columns of runs.parquet) a reveal can report, with their wording.
OUTCOMES = {
    "embedded_share_y10": ("mean share of relevant trusts with an innovation embedded at "
                           "year 10", "share"),
    "embedded_share_y5": ("mean share of relevant trusts with an innovation embedded at "
                          "year 5", "share"),
    "pilots_started": ("pilots started over the run", "count"),
    "pilots_scaled": ("pilots scaled over the run", "count"),
    "pilots_abandoned": ("pilots abandoned (failed or faded) over the run", "count"),
    "benefit_per_spend": ("benefit per pound spent", "ratio"),
    "benefit_gbp_m": ("the innovations' benefit realised over the run, at their true effects "
                      "(GBP m)", "gbp_m"),
    "saving_gbp_m": ("merged trusts' back-office savings over the run (GBP m)", "gbp_m"),
    "net_benefit_gbp_m": ("net benefit over the run: benefit and savings less spend (GBP m)",
                          "gbp_m"),
    "mean_pressure": ("mean operational pressure (0-1)", "ratio"),
}
# Shown under every reveal, whatever the scenario's outcome.
SECONDARY_OUTCOMES = ("embedded_share_y5", "embedded_share_y10", "pilots_started",
                      "pilots_scaled", "pilots_abandoned", "benefit_gbp_m", "net_benefit_gbp_m",
                      "benefit_per_spend")
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class Arm(Strict):
    """One run of a scenario: a label and the Hydra overrides that make it."""

    id: str = Field(pattern=ID_PATTERN, description="Folder name of the arm's saved run")
    label: str = Field(min_length=1, description="Name shown to participants")
    overrides: tuple[str, ...] = Field(description="Hydra overrides, e.g. strategy=scaler_led")

    @field_validator("overrides")
    @classmethod
    def _one_strategy(cls, overrides: tuple[str, ...]) -> tuple[str, ...]:
        if not any(o.startswith("strategy=") for o in overrides):
            raise ValueError(f"name one strategy, e.g. strategy={BASELINE_STRATEGY} "
                             "(an arm is one run)")
        return overrides


class Scenario(Strict):
    """A prepared scenario: the question, what to look at, the arms and the mechanism."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    question: str = Field(min_length=1, description="The question put to participants")
    look_at: str = Field(min_length=1, description="What to look at in the charts")
    outcome: str = Field(description="Run-level outcome the reveal reports")
    mechanism: str = Field(min_length=1, description="Why the model behaves as it does")
    arms: tuple[Arm, ...] = Field(min_length=2, max_length=5)

    @field_validator("outcome")
    @classmethod
    def _known_outcome(cls, outcome: str) -> str:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; allowed: {sorted(OUTCOMES)}")
        return outcome

    @model_validator(mode="after")
    def _distinct_arms(self) -> Scenario:
        ids = [arm.id for arm in self.arms]
        if len(set(ids)) != len(ids):
            raise ValueError(f"arm ids repeated in {ids}")
        return self


class ScenarioPack(Strict):
    """The whole pack: run settings shared by every arm, and 6 to 10 scenarios."""

    seed: int = Field(20251, ge=0)
    replications: int = Field(30, ge=2, le=10_000, description="Replications per arm")
    months: int = Field(120, ge=1, le=600)
    scenarios: tuple[Scenario, ...] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _distinct_scenarios(self) -> ScenarioPack:
        ids = [s.id for s in self.scenarios]
        if len(set(ids)) != len(ids):
            raise ValueError(f"scenario ids repeated in {ids}")
        return self


def load_pack(path: Path | str = DEFAULT_SCENARIOS, **settings: int) -> ScenarioPack:
    """Read and validate a scenario pack definition.

    Args:
        path: YAML file.
        **settings: Replace ``seed``, ``replications`` or ``months`` (e.g. a quick build).

    Returns:
        The validated definition.

    Raises:
        ConfigError: If the file is missing, unreadable or invalid.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the scenario pack ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with 'scenarios'")
    raw.update({k: v for k, v in settings.items() if v is not None})
    return parse_config(raw, ScenarioPack)
