"""What differs between classification and regression, described once: every tabular stage asks the task
for its folds, scorers, model zoo and defaults instead of branching on its own.

- classification: stratified folds (every class in every fold), accuracy first, class codes 0..k-1;
- regression: shuffled k-fold, R² first (the share of the target's variance explained), RMSE and MAE in the
  target's units; error metrics are reported as positive numbers, lower is better.
"""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.model_selection import KFold, RepeatedKFold, RepeatedStratifiedKFold, StratifiedKFold

from stages.core.errors import PipelineError
from stages.core.tabular.names import CLASSIFICATION_METRICS, REGRESSION_METRICS

LOWER_IS_BETTER = {"rmse", "mae"}  # scikit-learn scores them negated; tables and plots show them positive


def auto(value, default):
    """A params value; `auto` means the task's default."""
    return default if value == "auto" else value


@dataclass(frozen=True)
class Task:
    name: str  # classification | regression
    models: tuple[str, ...]  # compare.models: auto
    metrics: tuple[str, ...]  # compare.metrics: auto; the first is compare.sort_by: auto
    scoring: str  # features.scoring, features.sfs.scoring, tune.scoring: auto
    selection_method: str  # features.method: auto
    selection_estimator: str  # features.estimator: auto

    @property
    def classifies(self) -> bool:
        return self.name == "classification"

    def folds(self, n: int, seed: int):
        """Shuffled, seeded k-fold; stratified by class when classifying."""
        kind = StratifiedKFold if self.classifies else KFold
        return kind(n, shuffle=True, random_state=seed)

    def repeated_folds(self, n: int, repeats: int, seed: int):
        kind = RepeatedStratifiedKFold if self.classifies else RepeatedKFold
        return kind(n_splits=n, n_repeats=repeats, random_state=seed)

    def metric_names(self) -> tuple[str, ...]:
        return tuple(CLASSIFICATION_METRICS if self.classifies else REGRESSION_METRICS)

    def check_metrics(self, metrics: list[str], key: str) -> None:
        """Metric names of the other task are a one-line error naming this task's."""
        wrong = [m for m in metrics if m not in self.metric_names()]
        if wrong:
            raise PipelineError(f"{key} has {wrong}, which do not score {self.name}; use "
                                f"{', '.join(self.metric_names())} (or auto)")


TASKS = {
    "classification": Task(
        "classification",
        models=("logistic_regression", "knn", "decision_tree", "random_forest", "extra_trees", "svm",
                "hist_gradient_boosting", "xgboost", "bagging", "adaboost"),
        metrics=("accuracy", "balanced_accuracy", "f1", "roc_auc"),
        scoring="accuracy",
        selection_method="chi2",
        selection_estimator="logistic_regression",
    ),
    "regression": Task(
        "regression",
        models=("linear_regression", "ridge", "lasso", "elastic_net", "knn", "decision_tree", "random_forest",
                "extra_trees", "svr",
                "hist_gradient_boosting", "xgboost", "bagging", "adaboost"),
        metrics=("r2", "rmse", "mae"),
        scoring="r2",
        selection_method="f_test",
        selection_estimator="linear_regression",
    ),
}
