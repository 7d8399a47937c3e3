"""Scorers (stages/core/tabular/scoring.py): binary scores about the positive class, and a scoring name
checked against the task and the labels before any fit."""

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier

from stages.core.errors import PipelineError
from stages.core.tabular.scoring import check_scoring, scorer_for


def test_binary_scores_are_about_the_positive_class_not_code_1():
    X, y = np.zeros((10, 1)), np.array([0] * 7 + [1] * 3)
    always_0 = DummyClassifier(strategy="constant", constant=0).fit(X, y)
    assert scorer_for("recall", positive=0)(always_0, X, y) == 1.0
    assert scorer_for("recall")(always_0, X, y) == 0.0  # scikit-learn's default: code 1
    assert scorer_for("accuracy", positive=0)(always_0, X, y) == pytest.approx(0.7)


@pytest.mark.parametrize(("name", "y", "task", "message"), [
    ("acuracy", np.array([0, 1]), "classification", "features.scoring = 'acuracy' is not a scikit-learn scorer "
                                                    "name; did you mean accuracy"),
    ("r2", np.array([0, 1]), "classification", "features.scoring = 'r2' does not score classification"),
    ("accuracy", np.array([0.5, 1.5]), "regression", "features.scoring = 'accuracy' does not score regression"),
    ("f1", np.array([0, 1, 2]), "classification", "features.scoring = 'f1'"),
])
def test_a_scoring_name_is_checked_against_the_task_and_the_labels(name, y, task, message):
    with pytest.raises(PipelineError, match="^" + message.replace("(", r"\(")):
        check_scoring(name, y, "features.scoring", task)
    check_scoring("accuracy" if task == "classification" else "r2", y, "features.scoring", task)  # no error
