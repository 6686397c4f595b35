"""Each strategy changes outcomes, and each strategy's mechanisms carry a cost."""

from support import run_config

from abm.runner import run_experiment


def test_each_strategy_changes_the_outcome():
    results = run_experiment(run_config(replications=3, months=60))
    benefit = results.runs.groupby("strategy")["benefit_gbp_m"].sum()
    for strategy in ("scaler_led", "open_platform", "consolidation"):
        assert benefit[strategy] != benefit["status_quo"], strategy


def test_each_mechanism_has_a_cost():
    results = run_experiment(run_config(replications=3, months=60))
    steps = results.steps.groupby("strategy")
    spend = steps[["spend_national_gbp_m", "spend_transition_gbp_m",
                   "scaler_revenue_gbp_m"]].sum()
    assert spend.loc["open_platform", "spend_national_gbp_m"] > \
        spend.loc["status_quo", "spend_national_gbp_m"], "the platform costs money"
    assert spend.loc["consolidation", "spend_transition_gbp_m"] > \
        spend.loc["status_quo", "spend_transition_gbp_m"], "mergers cost money"
    assert spend.loc["scaler_led", "scaler_revenue_gbp_m"] > 0, "the scaler charges fees"
