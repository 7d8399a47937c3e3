"""Tabular figures (stages/core/tabular/plots.py): each drawn from a small table, the same bytes twice, and the
ones that depend on a model (the tree) absent for another model."""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from stages.core.tabular import plots
from stages.core.tabular.bias_variance import Curve


def test_importance_and_coefficient_charts_show_the_top_rows_only():
    table = pd.DataFrame({"feature": [f"f{i}" for i in range(40)], "importance": np.linspace(1, 0, 40),
                          "std": 0.01})
    full = plots.importance_figure(table, "accuracy", "importance")
    assert full == plots.importance_figure(table.head(plots.SHOWN), "accuracy", "importance")  # the rest: the CSV
    coefficients = pd.DataFrame({"feature": ["a", "b"], "coefficient": [1.5, -0.5], "column": ["a", "b"]})
    assert plots.coefficient_figure(coefficients, "scaled").startswith(b"\x89PNG")


def test_the_tree_is_drawn_only_for_a_tree():
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    tree = plots.tree_figure(["x"], DecisionTreeClassifier(random_state=0).fit(X, y), ["no", "yes"], 2)
    assert tree.startswith(b"\x89PNG")
    assert plots.tree_figure(["x"], LogisticRegression().fit(X, y), ["no", "yes"], 2) is None


def test_learning_and_validation_curves_mark_the_best_and_the_tuned_value():
    curve = Curve(x=[0.01, 0.1, 1.0, 10.0], train=np.array([0.7, 0.8, 0.9, 0.99]), train_std=np.full(4, 0.01),
                  val=np.array([0.7, 0.8, 0.85, 0.8]), val_std=np.full(4, 0.02))
    assert plots.learning_figure(curve, "accuracy", "learning").startswith(b"\x89PNG")
    tuned = plots.validation_figure(curve, "C", "accuracy", 1.0, "validation")
    assert tuned != plots.validation_figure(curve, "C", "accuracy", None, "validation")


def test_held_out_figures_for_each_task():
    y, predicted = np.array([0, 1, 1, 0, 1]), np.array([0, 1, 0, 0, 1])
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3], [0.1, 0.9]])
    binary = plots.evaluation_figures(y, predicted, scores, ["neg", "pos"], 1, "test")
    assert set(binary) == {"confusion", "roc", "precision_recall"}
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert set(plots.regression_figures(values, values + 0.5, "y", "test")) == {"predicted_vs_actual", "residuals"}
