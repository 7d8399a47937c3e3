"""The table's problem (stages/core/tabular/problem.py): built once from labels.json and the training rows, the same
facts for every label kind, and the same problem on a search's sample."""

import numpy as np
import pytest

from stages.core.tabular.problem import problem_of


def labels(task: str, classes: list, positive=None, transform: str = "none") -> dict:
    """labels.json's head, as preprocess writes it."""
    return {"task": task, "target": "y", "target_transform": transform, "classes": classes, "positive": positive}


@pytest.mark.parametrize("classes, positive, code", [
    ([0, 1], 1, 1),  # a 0/1 target
    ([1, 2], 2, 1),  # 1/2
    ([False, True], True, 1),  # bool
    (["no", "yes"], "no", 0),  # text, the positive class first in code order
    (["a", "b", "c"], None, None),  # multiclass: no positive class
])
def test_the_problem_holds_the_classes_and_the_positive_code_for_every_label_kind(classes, positive, code):
    y = np.array([0] * 6 + [1] * 3 + ([2] * 2 if len(classes) == 3 else []))
    problem = problem_of(labels("classification", classes, positive), y, seed=7, size_rules=False)
    assert problem.task.name == "classification" and problem.classes == tuple(classes)
    assert problem.positive == code and problem.n_classes == len(classes)
    assert (problem.rows, problem.rarest, problem.seed, problem.size_rules) == (len(y), 2 if len(classes) == 3 else 3,
                                                                              7, False)
    assert problem.inverse is None


def test_a_regression_has_no_classes_and_undoes_its_log_target():
    problem = problem_of(labels("regression", [], transform="log"), np.linspace(1, 5, 40), seed=0)
    assert (problem.n_classes, problem.positive, problem.rarest, problem.rows) == (0, None, None, 40)
    assert problem.inverse(np.log(3.0)) == pytest.approx(3.0)
    assert problem_of(labels("regression", []), np.ones(3), seed=0).inverse is None


def test_on_a_sample_the_problem_counts_the_sample_and_keeps_the_rest():
    y = np.array([0] * 90 + [1] * 10)
    problem = problem_of(labels("classification", ["no", "yes"], "yes"), y, seed=3)
    sampled = problem.on_rows(y[::5])  # 18 of class 0, 2 of class 1
    assert (sampled.rows, sampled.rarest) == (20, 2) and (problem.rows, problem.rarest) == (100, 10)
    assert (sampled.task, sampled.classes, sampled.positive, sampled.seed) == (problem.task, problem.classes, 1, 3)
