"""The table's problem, held once. What a tabular stage knows about its table before it fits anything: the task,
the classes and the positive one, the training rows the models are fitted on, the seed, the target transform and
whether the size rules apply. A stage builds it once (`problem_of`, from labels.json and params) and hands it on,
so that comparison, sizing, models, selection and tuning read the same facts from one value, the way AutoGluon's
trainer holds the problem type and label once and scikit-learn keeps configuration on the estimator."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from stages.core.classes import positive_code
from stages.core.tabular.tasks import TASKS, Task


@dataclass(frozen=True)
class Problem:
    task: Task
    classes: tuple  # the class names, in the order of their codes 0..k-1 (empty: regression)
    positive: int | None  # the positive class's code: binary f1, precision and recall are about it
    rows: int  # the training rows the stage's models are fitted on (a search sample's, where one is taken)
    rarest: int | None  # the rarest class's rows among them (None: regression)
    seed: int
    target_transform: str = "none"  # none | log: a regression fitted on log(target), reported in its units
    size_rules: bool = True  # compare.size_rules: models adapt to large tables

    @property
    def n_classes(self) -> int:
        """0 for regression, as the scorers take it."""
        return len(self.classes)

    @property
    def inverse(self):
        """What undoes the target transform on averaged predictions (None: nothing to undo)."""
        return np.exp if self.target_transform != "none" else None

    def on_rows(self, y: np.ndarray) -> Problem:
        """The same problem on other training rows (a search's sample): their count and rarest class."""
        return replace(self, rows=len(y), rarest=rarest_rows(y, self.task.classifies))


def rarest_rows(y: np.ndarray, classifies: bool) -> int | None:
    """The rarest class's rows (None for regression): how much of it a booster's held-out share can take."""
    return int(np.unique(y, return_counts=True)[1].min()) if classifies else None


def problem_of(labels: dict, y: np.ndarray, seed: int, size_rules: bool = True) -> Problem:
    """The problem of the training rows `y` as labels.json describes them (preprocess wrote it)."""
    task = TASKS[labels["task"]]
    return Problem(task, tuple(labels["classes"]), positive_code(labels["classes"], labels.get("positive")), len(y),
                   rarest_rows(y, task.classifies), seed, labels.get("target_transform", "none"), size_rules)
