"""Shared fixtures: configs built the way users build them, and runs cached per session.

Configs are composed from the shipped YAML with Hydra's ``compose`` API (so the tests
exercise the same files the ``nhs-abm`` command reads) or validated with
``parse_config``. Expensive runs are session-scoped and shared between modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from abm.cli import compose_run_config
from abm.config import RunConfig, ScenarioConfig, StrategyConfig, parse_config
from abm.model import NHSReformModel
from abm.runner import Results, replication_seed, run_experiment

logging.getLogger("mesa").setLevel(logging.WARNING)  # Mesa logs every step at INFO


@pytest.fixture(scope="session")
def compose_config() -> Callable[..., RunConfig]:
    """``compose_run_config`` as a fixture: Hydra overrides in, typed ``RunConfig`` out."""
    return compose_run_config


@pytest.fixture(scope="session")
def shipped_strategies() -> dict[str, StrategyConfig]:
    """The four strategies of ``configs/strategy/all.yaml``, by name, as the CLI types them."""
    return {s.name: s for s in compose_run_config().strategies}


@pytest.fixture(scope="session")
def make_scenario() -> Callable[..., ScenarioConfig]:
    """Build a validated scenario from nested blocks, e.g. ``make_scenario(pressure={...})``."""

    def build(**blocks: Any) -> ScenarioConfig:
        return parse_config(blocks, ScenarioConfig)

    return build


@pytest.fixture(scope="session")
def make_model() -> Callable[..., NHSReformModel]:
    """A model of one replication, seeded exactly as the runner seeds replication ``r``."""

    def build(strategy: StrategyConfig, *, scenario: ScenarioConfig | None = None,
              seed: int = 20251, replication: int = 0, months: int = 24) -> NHSReformModel:
        return NHSReformModel(scenario or ScenarioConfig(), strategy,
                              rng=replication_seed(seed, replication), months=months)

    return build


@pytest.fixture(scope="session")
def small_run_config(shipped_strategies) -> RunConfig:
    """The four shipped strategies, 3 replications of 36 months (a cheap but full run)."""
    return RunConfig(seed=20251, replications=3, months=36,
                     strategies=tuple(shipped_strategies.values()))


@pytest.fixture(scope="session")
def small_results(small_run_config) -> Results:
    """``run_experiment`` on ``small_run_config`` with one worker (computed once)."""
    return run_experiment(small_run_config)


@pytest.fixture(scope="session")
def small_run_dir(tmp_path_factory, small_run_config, small_results):
    """``small_results`` written by ``abm.outputs.write_run`` into a fresh run directory."""
    from abm.outputs import write_run

    return write_run(tmp_path_factory.mktemp("small_run") / "run", small_run_config,
                     small_results)
