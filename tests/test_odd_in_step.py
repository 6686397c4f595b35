"""The ODD names only parameters, facts and columns that exist, and every mechanism block."""

import re
from pathlib import Path

from pydantic import BaseModel

from abm.cli import compose_run_config
from abm.config import MECHANISMS, RunConfig, StrategyConfig
from abm.inputs import read_table
from abm.runner import run_replication

ODD = (Path(__file__).resolve().parent.parent / "docs" / "ODD.md").read_text()


def config_paths(model: type[BaseModel], prefix: str) -> set[str]:
    paths = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        paths.add(path)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths |= config_paths(annotation, path)
    return paths


PATHS = config_paths(RunConfig, "") | config_paths(StrategyConfig, "strategy")
LEAF_NAMES = {p.rsplit(".", 1)[-1] for p in PATHS}
FACT_KEYS = set(read_table("facts.csv")["key"])
CATALOGUE_COLUMNS = set(read_table("innovations.csv").columns)
DATA_COLUMNS = set(read_table("icbs.csv").columns) | set(read_table("programmes.csv").columns)


def output_columns() -> set[str]:
    """Columns of the tables a run writes (section 8 names them)."""
    cfg = compose_run_config("months=12")
    tables = run_replication(cfg.scenario, StrategyConfig(), cfg.seed, 0, cfg.months)
    return {column for table in (tables.steps, tables.icb_steps, tables.run)
            for column in table.columns}


def test_dotted_parameter_paths_exist():
    for token in set(re.findall(r"`((?:scenario|strategy)\.[a-z_.]+)`", ODD)):
        assert token in PATHS, f"docs/ODD.md names {token}, which is not a parameter"


def test_bare_parameter_names_exist():
    outputs = output_columns()
    for token in set(re.findall(r"`([a-z]{2,}(?:_[a-z0-9]{2,})+)`", ODD)):
        known = token in LEAF_NAMES | FACT_KEYS | CATALOGUE_COLUMNS | DATA_COLUMNS | outputs
        assert known, f"docs/ODD.md names {token}, which is not a parameter, fact or column"


def test_every_strategy_mechanism_parameter_is_described():
    for block in MECHANISMS:
        for path in sorted(p for p in PATHS if p.startswith(f"strategy.{block}.")):
            name = path.rsplit(".", 1)[-1]
            assert name in ODD, f"docs/ODD.md does not describe {path}"
