"""Shared builders for the tests (configs, short runs)."""

from abm.config import (
    ConsolidationConfig,
    OpenPlatformConfig,
    RunConfig,
    ScalerConfig,
    ScenarioConfig,
    StrategyConfig,
    parse_config,
)
from abm.model import NHSReformModel
from abm.runner import replication_seed

STRATEGIES = {
    "status_quo": StrategyConfig(name="status_quo"),
    "scaler_led": StrategyConfig(name="scaler_led", scaler=ScalerConfig(enabled=True)),
    "open_platform": StrategyConfig(name="open_platform",
                                    open_platform=OpenPlatformConfig(enabled=True)),
    "consolidation": StrategyConfig(name="consolidation",
                                    consolidation=ConsolidationConfig(enabled=True)),
}


def scenario(**blocks) -> ScenarioConfig:
    """A scenario with some blocks overridden, e.g. scenario(population={...})."""
    return parse_config({"scenario": blocks}).scenario


def model(strategy: str = "status_quo", seed: int = 1, replication: int = 0, months: int = 120,
          scen: ScenarioConfig | None = None) -> NHSReformModel:
    """A model that has not run yet."""
    return NHSReformModel(scen or ScenarioConfig(), STRATEGIES[strategy],
                          rng=replication_seed(seed, replication), months=months)


ALL_STRATEGIES = tuple(STRATEGIES.values())


def run_config(replications: int, months: int = 36, workers: int = 1, seed: int = 5,
               strategies=ALL_STRATEGIES) -> RunConfig:
    """A RunConfig for the runner."""
    return RunConfig(seed=seed, replications=replications, months=months, workers=workers,
                     strategies=strategies)
