"""The parameter table stays in step with the config: no parameter without its row."""

from pathlib import Path

import pytest
from pydantic import BaseModel

from abm.config import RunConfig, ScenarioConfig, StrategyConfig
from abm.parameters import iter_parameters, render_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"


def leaf_paths(model: type[BaseModel], prefix: str) -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths += leaf_paths(annotation, path)
        elif name != "strategies":
            paths.append(path)
    return paths


ALL_ROWS = [
    *iter_parameters(RunConfig, ""),
    *iter_parameters(ScenarioConfig, "scenario"),
    *iter_parameters(StrategyConfig, "strategy"),
]


def test_each_parameter_is_listed_once():
    rows = [line.split(" | ")[0] for line in DOCS.read_text().splitlines()
            if line.startswith("| `")]
    assert len(rows) == len(set(rows)), "a parameter is listed in more than one section"


def test_committed_table_matches_the_config():
    assert DOCS.read_text() == render_markdown(), (
        "docs/parameters.md is out of date: run `python -m abm.parameters > docs/parameters.md`")


@pytest.mark.parametrize("model, prefix", [(ScenarioConfig, "scenario"),
                                           (StrategyConfig, "strategy")])
def test_every_parameter_has_a_row(model, prefix):
    table = DOCS.read_text()
    for path in leaf_paths(model, prefix):
        assert f"| `{path}` |" in table, f"{path} has no row in docs/parameters.md"


@pytest.mark.parametrize("row", ALL_ROWS, ids=[r["parameter"] for r in ALL_ROWS])
def test_every_row_is_complete(row):
    assert row["meaning"], f"{row['parameter']}: no meaning"
    assert row["unit"], f"{row['parameter']}: no unit"
    assert row["source"], f"{row['parameter']}: no source"
    numeric = row["unit"] not in ("flag", "label")
    if numeric and row["source"] != "n/a":
        assert row["allowed"], f"{row['parameter']}: no allowed range"
        assert row["plausible"], f"{row['parameter']}: no plausible range"


def test_sources_cite_facts_that_exist():
    facts = (Path(__file__).resolve().parent.parent / "abm" / "data" / "facts.csv").read_text()
    keys = {line.split(",", 1)[0] for line in facts.splitlines()[1:]}
    for row in ALL_ROWS:
        source = row["source"]
        if source.startswith("facts.csv:"):
            cited = source.split(":", 1)[1].split("(")[0]
            for key in cited.replace(",", " ").split():
                if key.islower() and "_" in key and not key.endswith(".csv"):
                    assert key in keys, f"{row['parameter']} cites unknown fact {key}"


def test_plausible_ranges_lie_inside_allowed_ranges():
    for row in ALL_ROWS:
        if not (row["plausible"] and row["allowed"]):
            continue
        low, high = (float(v) for v in row["plausible"].split(" to "))
        lo_allowed, hi_allowed = row["allowed"].strip("[]").split(", ")
        assert low <= high
        if lo_allowed:
            assert low >= float(lo_allowed), row["parameter"]
        if hi_allowed:
            assert high <= float(hi_allowed.replace("2^63-1", "9.3e18")), row["parameter"]
