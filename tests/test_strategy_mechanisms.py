"""Each strategy changes outcomes, and each strategy's mechanisms carry a cost."""

from abm.config import BASELINE_STRATEGY


def test_each_strategy_changes_the_outcome(small_results):
    benefit = small_results.runs.groupby("strategy")["benefit_gbp_m"].sum()
    assert len(benefit) > 1
    for strategy in benefit.index.drop(BASELINE_STRATEGY):
        assert benefit[strategy] != benefit[BASELINE_STRATEGY], strategy


def test_each_mechanism_has_a_cost(small_results):
    spend = small_results.steps.groupby("strategy")[
        ["spend_national_gbp_m", "spend_transition_gbp_m", "scaler_revenue_gbp_m"]].sum()
    assert spend.loc["open_platform", "spend_national_gbp_m"] > \
        spend.loc["status_quo", "spend_national_gbp_m"], "the platform costs money"
    assert spend.loc["consolidation", "spend_transition_gbp_m"] > \
        spend.loc["status_quo", "spend_transition_gbp_m"], "mergers cost money"
    assert spend.loc["scaler_led", "scaler_revenue_gbp_m"] > 0, "the scaler charges fees"
