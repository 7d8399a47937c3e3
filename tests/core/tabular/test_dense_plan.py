"""The dense network's target, weights and its difference from the tuned model
(stages/core/tabular/dense_plan.py)."""


import numpy as np
import pytest

from stages.core.tabular.dense_plan import TargetScale, metric_deltas, network_target


def test_network_targets_weights_and_the_difference_from_the_tuned_model():
    y = np.array([0, 0, 0, 1, 0, 1])
    target, sample, scale = network_target(y, np.arange(6), "classification", ["a", "b"], "balanced", "none",
                                           key="dnn.class_weight")
    assert scale is None and target is y and sample.dtype == np.float32
    assert sample[y == 1].sum() == pytest.approx(sample[y == 0].sum())  # each class weighs alike
    values = np.array([1.0, 2.0, 3.0, 10.0])
    target, sample, scale = network_target(values, np.arange(3), "regression", [], "none", "none", key="k")
    assert sample is None and scale == TargetScale(2.0, pytest.approx(0.8165, abs=1e-4), False)
    assert scale.inverse(target[:, 0]) == pytest.approx(values)
    assert metric_deltas({"r2": 0.5, "rmse": 3.0, "epochs": 7}, {"r2": 0.6, "rmse": 2.5}) == {
        "r2": pytest.approx(-0.1), "rmse": pytest.approx(0.5)}
