"""Same config + same seed = identical results, whatever the workers, batches or run size.

Researchers cite numbers from a config file and a seed; these tests hold the runner to
that: identical tables on a re-run and on two worker processes, different numbers for a
different seed, and replication r's numbers independent of how many replications (or
which other strategies) the run has.
"""

from __future__ import annotations

import numpy as np
import pytest
from pandas.testing import assert_frame_equal

from abm.collect import tables_from_model
from abm.runner import run_experiment, run_replication

TABLES = ("steps", "innovation_steps", "icb_steps", "runs", "run_innovations")


def assert_same_tables(left, right) -> None:
    for name in TABLES:
        assert_frame_equal(getattr(left, name), getattr(right, name), obj=name)


def rows(results, name: str, **keys) -> object:
    table = getattr(results, name)
    for key, value in keys.items():
        table = table[table[key] == value]
    return table.reset_index(drop=True)


def test_same_config_and_seed_give_identical_tables(small_run_config, small_results):
    assert_same_tables(small_results, run_experiment(small_run_config))


def test_two_workers_give_the_tables_of_one(small_run_config, small_results):
    parallel = run_experiment(small_run_config.model_copy(update={"workers": 2}))
    assert_same_tables(small_results, parallel)


def test_a_different_seed_gives_different_results(small_run_config, small_results):
    other = run_experiment(small_run_config.model_copy(update={"seed": 20252}))
    for name in ("steps", "runs"):
        left = getattr(small_results, name).drop(columns="seed")
        right = getattr(other, name).drop(columns="seed")
        assert not left.equals(right), f"{name} did not change with the seed"
    # not just one number: most replications differ in their pilot counts
    differs = small_results.runs["pilots_started"] != other.runs["pilots_started"]
    assert differs.mean() > 0.5


def test_a_replication_does_not_depend_on_the_run_size(small_run_config):
    """Replication r of a 2-replication run equals replication r of a 3-replication run."""
    two = run_experiment(small_run_config.model_copy(update={"replications": 2}))
    three = run_experiment(small_run_config.model_copy(update={"replications": 3, "workers": 2}))
    for replication in (0, 1):
        for name in TABLES:
            assert_frame_equal(rows(two, name, replication=replication),
                               rows(three, name, replication=replication), obj=name)


def test_a_strategy_does_not_depend_on_the_other_strategies(small_run_config, small_results):
    """Adding or reordering strategies leaves each strategy's numbers unchanged."""
    alone = small_run_config.model_copy(
        update={"strategies": small_run_config.strategies[::-1][:2]})
    results = run_experiment(alone)
    for strategy in (s.name for s in alone.strategies):
        for name in TABLES:
            assert_frame_equal(rows(small_results, name, strategy=strategy),
                               rows(results, name, strategy=strategy), obj=name)


def test_run_replication_matches_the_runner(small_run_config, small_results):
    cfg = small_run_config
    strategy = cfg.strategies[1]
    tables = run_replication(cfg.scenario, strategy, cfg.seed, 2, cfg.months)
    assert_frame_equal(tables.steps,
                       rows(small_results, "steps", strategy=strategy.name, replication=2))
    assert_frame_equal(tables.run, rows(small_results, "runs", strategy=strategy.name,
                                        replication=2))


def test_the_batch_size_does_not_change_any_number(small_run_config, small_results):
    """Replications stacked 1, 2 or 3 at a time give the same tables."""
    for size in (1, 2):
        batched = run_experiment(small_run_config.model_copy(update={"batch_size": size}))
        assert_same_tables(small_results, batched)


def test_the_mesa_model_is_replication_r_of_a_batch(small_run_config, small_results,
                                                    make_model):
    """The inspectable Mesa model and its DataCollector give the runner's numbers."""
    cfg = small_run_config
    for strategy in cfg.strategies:
        model = make_model(strategy, seed=cfg.seed, replication=1, months=cfg.months).run()
        tables = tables_from_model(model, {"strategy": strategy.name, "replication": 1,
                                           "seed": cfg.seed})
        for name, table in (("steps", tables.steps), ("runs", tables.run),
                            ("innovation_steps", tables.innovation_steps)):
            assert_frame_equal(table, rows(small_results, name, strategy=strategy.name,
                                           replication=1), obj=name)
        collected = model.datacollector.get_model_vars_dataframe()
        assert len(collected) == cfg.months
        assert (np.stack(collected["state_counts"])[:, 3].sum(axis=1)
                == tables.innovation_steps.groupby("step")["n_embedded"].sum()).all()
        assert np.allclose(collected["mean_pressure"], tables.steps["mean_pressure"])


def test_trajectories_are_kept_only_for_the_first_replications(small_run_config,
                                                               small_results):
    kept = run_experiment(small_run_config.model_copy(update={"trajectory_replications": 2}))
    assert_frame_equal(kept.runs, small_results.runs)
    assert_frame_equal(kept.run_innovations, small_results.run_innovations)
    for name in ("steps", "innovation_steps", "icb_steps"):
        assert set(getattr(kept, name)["replication"]) == {0, 1}
        assert_frame_equal(getattr(kept, name),
                           getattr(small_results, name).query("replication < 2")
                           .reset_index(drop=True), obj=name)


def test_tables_come_out_in_order_whatever_order_batches_finish(small_run_config):
    """Workers return batches in any order; the tables are ordered all the same."""
    from abm import runner

    cfg = small_run_config.model_copy(update={"batch_size": 2})
    batches = runner._batches(cfg)
    tables = [runner._run(cfg, *batch) for batch in batches]
    order = {s.name: i for i, s in enumerate(cfg.strategies)}
    ranks = [order[t.run["strategy"].iloc[0]] for t in tables]
    in_order = runner._concat([t.icb_steps for t in tables], ranks, ["step"])
    shuffled = np.random.default_rng(0).permutation(len(tables))
    reordered = runner._concat([tables[n].icb_steps for n in shuffled],
                               [ranks[n] for n in shuffled], ["step"])
    assert len(tables) > 2
    assert_frame_equal(reordered, in_order)
    rank = in_order["strategy"].map(order).to_numpy()
    replication, step = in_order["replication"].to_numpy(), in_order["step"].to_numpy()
    assert runner._in_order([rank, replication, step])
    assert not runner._in_order([rank, replication[::-1], step])


def test_a_streams_draws_depend_on_its_name_alone() -> None:
    """Adding, removing or reordering streams changes no other stream's numbers."""
    from abm.engine import STREAMS
    from abm.generators import replication_streams
    from abm.model import MESA_STREAM

    seed = np.random.SeedSequence([11, 3])
    every = replication_streams(seed, STREAMS)
    alone = {name: replication_streams(seed, (name,))[name] for name in STREAMS}
    moved = replication_streams(seed, (*reversed(STREAMS), "a_new_mechanisms_stream"))
    for name in STREAMS:
        first = np.random.default_rng(every[name]).random(4)
        assert np.array_equal(first, np.random.default_rng(alone[name]).random(4))
        assert np.array_equal(first, np.random.default_rng(moved[name]).random(4))
    draws = {name: np.random.default_rng(every[name]).random() for name in STREAMS}
    assert len(set(draws.values())) == len(STREAMS)  # distinct streams, distinct numbers
    assert MESA_STREAM not in STREAMS


def test_a_stream_named_twice_is_refused() -> None:
    from abm.generators import replication_streams

    with pytest.raises(ValueError, match="named twice: init"):
        replication_streams(np.random.SeedSequence(1), ("init", "dynamics", "init"))
