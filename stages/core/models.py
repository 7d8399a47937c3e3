"""The model zoo: classifiers by the names params.yaml uses, built unfitted and seeded, and the one
Pipeline every tabular stage fits: preprocessing -> selected columns -> model."""

from __future__ import annotations

import importlib.util
from typing import Callable

from sklearn.base import ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from stages.core.errors import PipelineError

ESTIMATORS: dict[str, Callable[[int], ClassifierMixin]] = {
    "logistic_regression": lambda seed: LogisticRegression(max_iter=5000, random_state=seed),
    "knn": lambda seed: KNeighborsClassifier(),
    "decision_tree": lambda seed: DecisionTreeClassifier(random_state=seed),
    "random_forest": lambda seed: RandomForestClassifier(n_estimators=100, random_state=seed),
    # calibrated (Platt scaling): multiclass ROC AUC needs predict_proba; tune searches the inner SVC
    "svm": lambda seed: CalibratedClassifierCV(SVC(kernel="rbf", random_state=seed), ensemble=False),
    "linear_svm": lambda seed: LinearSVC(max_iter=20000, random_state=seed),
    "hist_gradient_boosting": lambda seed: HistGradientBoostingClassifier(random_state=seed),
    "xgboost": lambda seed: _xgboost(seed),  # optional: pip install xgboost
}


def _xgboost(seed: int) -> ClassifierMixin:
    from xgboost import XGBClassifier

    return XGBClassifier(n_estimators=200, random_state=seed, n_jobs=1)


def available(name: str) -> bool:
    """False for a model whose optional package is not installed."""
    return name != "xgboost" or importlib.util.find_spec("xgboost") is not None


def make_estimator(name: str, seed: int, key: str = "model") -> ClassifierMixin:
    if not available(name):
        raise PipelineError(f"{key} = {name!r} needs the optional package {name}: `pip install {name}` in .venv, "
                            "or choose another model")
    return ESTIMATORS[name](seed)


def tunable(estimator) -> tuple[str, dict]:
    """The Pipeline prefix of the model's own hyper-parameters, and those parameters."""
    if isinstance(estimator, CalibratedClassifierCV):
        return "model__estimator__", estimator.estimator.get_params(deep=False)
    return "model__", estimator.get_params(deep=False)


def build_pipeline(preprocessor, selected: list[str], estimator) -> Pipeline:
    """Raw rows in, predictions out; clone() it into each CV fold and every fitted step stays fold-local."""
    keep = ColumnTransformer([("selected", "passthrough", selected)], verbose_feature_names_out=False)
    return Pipeline([
        ("preprocess", clone(preprocessor)),
        ("select", keep.set_output(transform="pandas")),
        ("model", estimator),
    ])
