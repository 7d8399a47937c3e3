"""The test split scored once (stages/core/tabular/held_out.py): metrics about the positive class beside the
majority baseline, each output by name, the threshold's rates, and regression against the training mean."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from stages.core.tabular import held_out


def rows(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    return X, (X["a"] + 0.5 * rng.normal(size=n) > 0.8).astype(int).to_numpy()  # about a quarter positive


def test_classification_metrics_baseline_outputs_and_line():
    X, y = rows()
    model = LogisticRegression().fit(X[:150], np.array(["neg", "pos"])[y[:150]])  # predicts class names
    labels = {"classes": ["neg", "pos"], "positive": "pos", "target": "y"}
    metrics, outputs, line = held_out.classification(labels, model, X[150:], y[150:], y[:150])
    assert set(outputs) == {"confusion", "roc", "precision_recall", "per_class", "confusion_png", "roc_png",
                            "precision_recall_png"}
    assert "per_class" not in metrics and metrics["accuracy"] > metrics["baseline"]["accuracy"]
    assert metrics["threshold"]["value"] == 0.5 and "at_0.5" not in metrics["threshold"]  # a plain model's cut
    assert line.startswith(f"test accuracy {metrics['accuracy']:.4f} (always 'neg': ")
    assert line.endswith("(positive class pos)") and "recall" in line
    assert outputs["confusion"]["actual"].isin(["neg", "pos"]).all() and len(outputs["confusion"]) == 50


def test_regression_against_the_training_mean():
    X, _ = rows()
    y = 3 * X["a"].to_numpy() + 1
    model = LinearRegression().fit(X[:150], y[:150])
    metrics, outputs, line = held_out.regression({"target": "price"}, model, X[150:], y[150:], y[:150])
    assert metrics["r2"] == pytest.approx(1.0) and metrics["baseline"]["r2"] < 0.05
    assert set(outputs) == {"predictions", "predicted_vs_actual_png", "residuals_png"}
    assert outputs["predictions"]["residual"].abs().max() < 1e-9
    assert line.startswith("test R² 1.0000 (always the training mean") and line.endswith("price")
