"""The experiments a researcher runs by name: each config validates, and each analysis
finds what is there (a known Bass curve, a parameter that cannot matter, a planted
failure region, a win map whose winners agree with its means)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.cli import compose_experiment
from abm.config import ConfigError, default_comparison
from abm.experiments import bass_fit, discovery, sensitivity, space, win_map
from abm.experiments.settings import CONFIG_FILES

WIN_MAP_COLUMNS = ["x_parameter", "x_value", "y_parameter", "y_value", "strategy", "outcome",
                   "outcome_mean", "outcome_ci_low", "outcome_ci_high", "replications",
                   "interval", "winner", "leader", "margin", "margin_ci_low", "margin_ci_high"]


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_every_shipped_experiment_config_validates(name):
    settings = compose_experiment(f"experiment={name}")
    assert name.startswith(settings.name)


@pytest.mark.parametrize("overrides, message", [
    (["experiment=win_map", "experiment.x=scenario.nowhere"], "scenario.nowhere"),
    (["experiment=sensitivity", "experiment.morris_trajectories=1"], "morris_trajectories"),
    (["experiment=win_map", "+experiment.colour=red"], "colour"),
])
def test_bad_experiment_settings_name_the_field(overrides, message):
    with pytest.raises(ConfigError, match=message):
        compose_experiment(*overrides)


def test_uncertainties_are_conditions_and_mechanism_strengths_levers_are_choices():
    uncertain, levers = space.uncertainties(), space.levers()
    assert len(uncertain) >= 50 and levers
    assert all(p.kind == "uncertainty" for p in uncertain)
    assert all(p.path.startswith("strategy.") and p.kind == "lever" for p in levers)
    strengths = {p.path for p in uncertain if p.path.startswith("strategy.")}
    # how strongly a mechanism works is knowledge about the world, sampled like the scenario
    assert {"strategy.scaler.learning_exponent", "strategy.scaler.load_share_carried",
            "strategy.open_platform.failure_blame",
            "strategy.consolidation.transition_cost_gbp_m"} <= strengths
    # what a policymaker sets: contract terms, the platform's budget, the merger programme
    assert {"strategy.scaler.price_gbp_m", "strategy.open_platform.platform_cost_gbp_m_per_year",
            "strategy.consolidation.mergers_per_year"} <= {p.path for p in levers}
    assert not strengths & {p.path for p in levers}
    assert all(p.low <= p.default <= p.high for p in uncertain + levers
               if p.path != "strategy.spend_cap_gbp_m"), "every default lies in its range"
    cap = next(p for p in levers if p.path == "strategy.spend_cap_gbp_m")
    assert cap.default is None  # no cap unless one is chosen


def test_every_plausible_range_end_is_a_valid_config(compose_config):
    base = compose_config("replications=1")
    for parameter in space.uncertainties() + space.levers():
        for value in (parameter.low, parameter.high):
            cfg = space.with_values(base, {parameter.path: value})
            section, *rest = parameter.path.split(".")
            node = cfg.scenario if section == "scenario" else cfg.strategies[-1]
            for key in rest:
                node = getattr(node, key)
            assert node == pytest.approx(value if not parameter.integer else round(value))


def test_a_value_the_model_does_not_allow_is_refused(compose_config):
    with pytest.raises(ConfigError, match="peer_weight_icb"):
        space.with_values(compose_config(), {"scenario.diffusion.peer_weight_icb": 1.5})


@pytest.fixture(scope="module")
def small_win_map(compose_config):
    cfg = compose_config("replications=3", "months=60", "workers=2")
    return win_map.win_map(cfg, "scenario.pressure.occupancy_scale", [0.8, 1.3],
                           "scenario.population.digital_maturity_no_epr_mean", [0.15, 0.45],
                           outcome="embedded_share_y5")


def test_the_win_map_has_one_row_per_cell_and_strategy(small_win_map):
    table, runs = small_win_map
    assert list(table.columns) == WIN_MAP_COLUMNS
    strategies = len(default_comparison())
    assert len(table) == 2 * 2 * strategies and (table["replications"] == 3).all()
    assert len(runs) == 2 * 2 * strategies * 3


def test_the_win_map_winner_is_the_best_mean_unless_the_margin_is_unclear(small_win_map):
    table, _ = small_win_map
    for _, cell in table.groupby(["x_value", "y_value"]):
        best = cell.loc[cell["outcome_mean"].idxmax(), "strategy"]
        assert (cell["leader"] == best).all()
        clear = cell["margin_ci_low"].iloc[0] > 0 or cell["margin_ci_high"].iloc[0] < 0
        assert (cell["winner"] == (best if clear else win_map.NO_CLEAR_WINNER)).all()
        assert cell["margin"].iloc[0] >= 0
    tally = win_map.tally(table)
    assert tally["cells"].eq(4).all() and tally["cells_worst"].sum() == 4


def test_morris_leaves_out_a_lever_the_strategy_does_not_use(compose_config):
    cfg = compose_config("strategy=status_quo", "replications=2", "months=60", "workers=2")
    table, runs = sensitivity.morris(
        cfg, "embedded_share_y5", trajectories=3,
        parameters=["scenario.diffusion.decision_rate_per_month",
                    "strategy.scaler.price_gbp_m"])
    mu = table.set_index("parameter")["mu_star"]
    assert "strategy.scaler.price_gbp_m" not in mu, "the status quo has no scaler"
    assert mu["scenario.diffusion.decision_rate_per_month"] > 0.0
    assert sensitivity.top_parameters(table, 1) == ["scenario.diffusion.decision_rate_per_month"]
    # a step in the price changes none of the status quo's numbers
    by_rate = runs.groupby("scenario.diffusion.decision_rate_per_month")["embedded_share_y5"]
    assert (by_rate.nunique() == runs["replication"].nunique()).all()


def test_sobol_reports_indices_at_growing_sample_sizes(compose_config):
    cfg = compose_config("strategy=status_quo", "replications=1", "months=60", "workers=2")
    final, convergence, runs = sensitivity.sobol(
        cfg, ["scenario.diffusion.decision_rate_per_month", "strategy.scaler.price_gbp_m"],
        "embedded_share_y5", base_samples=8)
    assert sorted(convergence["base_samples"].unique()) == [2, 4, 8]
    st = final.set_index("parameter")["ST"]
    assert "strategy.scaler.price_gbp_m" not in st, "the status quo has no scaler"
    assert st["scenario.diffusion.decision_rate_per_month"] > 0.5
    assert runs["point"].nunique() == 8 * 4


@pytest.mark.parametrize("p, q, m", [(0.03, 0.38, 0.8), (0.01, 0.9, 0.5)])
def test_the_bass_fit_recovers_a_known_curve(p, q, m):
    t = np.arange(1, 121) / 12.0
    noise = np.random.default_rng(3).normal(0, 0.003, len(t))
    fitted = bass_fit.fit(t, bass_fit.bass_curve(t, p, q, m) + noise)
    assert fitted == pytest.approx((p, q, m), rel=0.1)


def test_the_bass_table_sets_simulated_p_and_q_beside_the_literature(small_results):
    table = bass_fit.bass_fit(small_results.innovation_steps)
    assert set(table["strategy"]) == set(small_results.runs["strategy"])
    assert "electronic_patient_record" not in set(table["innovation"]), "adopted at start"
    assert (table["literature_p"] == 0.03).all() and (table["literature_q"] == 0.38).all()
    fitted = table.dropna(subset=["p"])
    # 36-month runs: some innovations have no adopter yet (35 of 72 rows fitted at seed 20251)
    assert len(fitted) > 0.4 * len(table)
    assert (fitted["p_ci_low"] <= fitted["p"]).all() and (fitted["p"] <= fitted["p_ci_high"]).all()


def test_scenario_discovery_finds_a_planted_failure_region():
    rng = np.random.default_rng(0)
    points = pd.DataFrame({"pressure": rng.random(300), "maturity": rng.random(300),
                           "noise": rng.random(300)})
    failed = (points["pressure"] > 0.7) & (points["maturity"] < 0.4)
    boxes = discovery.find_boxes(points, failed.to_numpy(), depth=2)
    top = boxes.iloc[0]
    assert top["density"] >= 0.9 and top["coverage"] >= 0.85
    assert "pressure >" in top["rule"] and "maturity <=" in top["rule"]
    assert "noise" not in top["rule"]
