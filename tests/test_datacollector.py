"""The Mesa layer: the model's DataCollector reads what the batch recorded, once."""

from __future__ import annotations

import numpy as np

from abm import reporters


def test_datacollector_is_the_batch_record(shipped_strategies, make_model):
    for name, strategy in shipped_strategies.items():
        model = make_model(strategy, months=6).run()
        frame = model.datacollector.get_model_vars_dataframe()
        assert list(frame.columns) == list(reporters.REPORTERS)
        assert len(frame) == model.steps == model.month == 6
        for column in frame.columns:
            record = model.batch.record[column]
            assert len(record) == 6, column
            for month, value in enumerate(frame[column]):
                assert np.array_equal(np.asarray(value), np.asarray(record[month][0]),
                                      equal_nan=True), (name, column, month)


def test_a_collected_value_is_a_copy_not_a_view(shipped_strategies, make_model):
    model = make_model(shipped_strategies["status_quo"], months=2).run()
    first = model.datacollector.get_model_vars_dataframe()["flows"].iloc[0]
    before = np.array(first, copy=True)
    model.batch.record["flows"][0][0][...] = -1.0
    assert np.array_equal(first, before)
