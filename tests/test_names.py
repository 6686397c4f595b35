"""Strategy and mechanism names come from the typed config and the strategy files, once.

A strategy is any combination of mechanisms: the hybrid ``scaler_open_platform`` is one
YAML file, and it appears in the command line, the report and the workshop with no code
naming it. The default comparison (``strategy=all``) is the strategies ``all.yaml`` lists.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from abm import config as C
from abm.cli import _compose, _run, compose_run_config
from abm.config import ConfigError, StrategyConfig
from abm.experiments import space
from abm.experiments.calibrate import status_quo
from abm.report import REQUIRED_FILES, build_report
from abm.report import style as S
from abm.shipped import config_dir
from abm.workshop import levers as L

HYBRID = "scaler_open_platform"
COMPARED = C.default_comparison()


def test_strategy_names_are_the_strategy_files_the_default_comparison_first():
    files = {p.stem for p in (config_dir() / "strategy").glob("*.yaml")} - {"all", "all_tuned"}
    assert set(C.STRATEGY_NAMES) == files
    assert C.STRATEGY_NAMES[:len(COMPARED)] == COMPARED and HYBRID in C.STRATEGY_NAMES
    assert S.STRATEGY_ORDER == C.STRATEGY_NAMES
    for name, strategy in C.shipped_strategies().items():
        assert strategy.name == name


def test_shipped_strategies_are_typed_as_the_cli_composes_them():
    for name, strategy in C.shipped_strategies().items():
        assert compose_run_config(f"strategy={name}").strategies == (strategy,)


def test_mechanisms_are_the_strategy_blocks_with_an_enabled_flag():
    blocks = {name: field.annotation for name, field in StrategyConfig.model_fields.items()}
    assert "scaler" in C.MECHANISMS and len(set(C.MECHANISMS)) == len(C.MECHANISMS)
    for name, block in blocks.items():
        flagged = "enabled" in getattr(block, "model_fields", {})
        assert (name in C.MECHANISMS) == flagged, name
    assert C.MECHANISMS == tuple(name for name in blocks if name in C.MECHANISMS)
    on = {name: C.mechanisms_on(s) for name, s in C.shipped_strategies().items()}
    assert on[C.BASELINE_STRATEGY] == () and on["scaler_led"] == ("scaler",)
    assert on[HYBRID] == ("scaler", "open_platform")
    switched_on = {m for mechanisms in on.values() for m in mechanisms}
    assert switched_on == set(C.MECHANISMS), "a mechanism no shipped strategy switches on"


def test_the_default_comparison_is_the_list_in_all_yaml_with_the_baseline():
    assert tuple(s.name for s in compose_run_config().strategies) == COMPARED
    assert set(COMPARED) <= set(C.STRATEGY_NAMES) and C.BASELINE_STRATEGY in COMPARED


def test_the_baseline_is_the_default_strategy_with_every_mechanism_off():
    assert StrategyConfig().name == C.BASELINE_STRATEGY
    assert C.mechanisms_on(C.shipped_strategies()[C.BASELINE_STRATEGY]) == ()


def test_the_hybrid_is_offered_and_named_on_the_command_line():
    assert HYBRID in C.describe_field("strategy")
    cfg = compose_run_config(f"strategy={HYBRID}", "strategy.scaler.price_gbp_m=1.1")
    (strategy,) = cfg.strategies
    assert strategy.scaler.enabled and strategy.open_platform.enabled
    assert not strategy.consolidation.enabled and strategy.scaler.price_gbp_m == 1.1


def test_calibration_refuses_the_hybrid_naming_both_mechanisms():
    cfg = compose_run_config(f"strategy={HYBRID}")
    with pytest.raises(ConfigError, match="scaler_open_platform.scaler.*open_platform"):
        status_quo(cfg)


def test_report_labels_and_colours_follow_the_strategy_files():
    for name, strategy in C.shipped_strategies().items():
        assert S.strategy_label(name) == C.strategy_label(strategy), name
    assert S.strategy_label(HYBRID) == "Scaler and open platform"
    assert S.strategy_label(C.BASELINE_STRATEGY) == "Status quo"
    names = [*COMPARED, HYBRID, "my_own"]
    colours = S.strategy_colours(names)
    assert len(set(colours.values())) == min(len(names), len(S.PALETTE))
    assert set(colours.values()) <= set(S.OKABE_ITO.values())
    assert colours[HYBRID] == S.strategy_colours([HYBRID])[HYBRID]  # fixed, run or not


def test_the_hybrid_in_the_workshop_has_both_mechanisms_levers():
    paths = {lever.path for lever in L.levers_for(HYBRID)}
    assert {"strategy.scaler.price_gbp_m", "strategy.open_platform.communication_reach",
            "scenario.pressure.occupancy_scale"} <= paths
    assert "strategy.consolidation.mergers_per_year" not in paths
    assert {lever.mechanism for lever in L.levers_for(HYBRID)} == {"", "scaler",
                                                                     "open_platform"}
    _, strategy = L.workshop_config(HYBRID, {"strategy.scaler.price_gbp_m": 0.9})
    assert strategy.scaler.price_gbp_m == 0.9 and strategy.open_platform.enabled
    with pytest.raises(ConfigError, match="strategy: got 'markets'"):
        L.levers_for("markets")


def test_one_dotted_path_helper():
    assert C.field_at("strategy.scaler.price_gbp_m") is \
        StrategyConfig.model_fields["scaler"].annotation.model_fields["price_gbp_m"]
    assert C.field_at("seed").description == "Master seed"
    with pytest.raises(ConfigError, match="scenario.nope: not a field"):
        C.field_at("scenario.nope")
    tree: dict = {"a": {"b": 1}}
    C.set_at(tree, "a.c.d", 2)
    C.set_at(tree, "a.b", 3)
    assert tree == {"a": {"b": 3, "c": {"d": 2}}}
    for lever in L.LEVERS:
        assert lever.field is C.field_at(lever.path)
    cfg = space.with_values(compose_run_config(), {"strategy.scaler.price_gbp_m": 1.3})
    assert all(s.scaler.price_gbp_m == 1.3 for s in cfg.strategies)


def test_a_renamed_strategy_reads_with_the_hybrid_label(small_run_dir, tmp_path):
    """The report gives any strategy in the tables its label and colour from the files."""
    run = tmp_path / "run"
    run.mkdir()
    for name in REQUIRED_FILES:
        if name.endswith(".parquet"):
            table = pd.read_parquet(small_run_dir / name)
            table["strategy"] = table["strategy"].replace("open_platform", HYBRID)
            table.to_parquet(run / name)
        else:
            shutil.copy(small_run_dir / name, run / name)
    html = build_report(run).read_text(encoding="utf-8")
    assert "Scaler and open platform" in html and S.STRATEGY_COLOURS[HYBRID] in html


def test_the_hybrid_runs_from_the_command_line_with_its_report(tmp_path, capsys):
    out = tmp_path / "hybrid"
    _run(_compose((f"strategy={HYBRID}", "replications=2", "months=24", "progress=false",
                   f"output_dir={out}")))
    assert "Report:" in capsys.readouterr().out
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs["strategy"]) == {HYBRID}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<td>Scaler and open platform</td>" in html
