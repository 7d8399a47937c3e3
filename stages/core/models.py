"""The model zoo: classifiers by the names params.yaml uses, built unfitted and seeded, and the one
Pipeline every tabular stage fits: preprocessing -> feature selection -> model."""

from __future__ import annotations

import importlib.util
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.metaestimators import available_if

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


def build_pipeline(preprocessor, selector, estimator, memory=None) -> Pipeline:
    """Raw rows in, predictions out. Every step is an unfitted clone: cross-validation refits the
    preprocessing *and* the selection on each fold's training rows, so no held-out row shapes either.

    `memory` (a joblib cache folder) lets pipelines that differ only in the model share each fold's fitted
    preprocessing and selection: compare_models' models, tune's candidates. Results are the same with or
    without; a saved model gets none (it would point at a deleted folder).
    """
    return Pipeline([
        ("preprocess", clone(preprocessor)),
        ("select", clone(selector)),
        ("model", estimator),
    ], memory=memory)


class NamedClassifier(ClassifierMixin, BaseEstimator):
    """The saved model (models/tune/model.joblib): the raw feature columns of the CSV in, class names out.

    Inside, `pipeline` (preprocess -> select -> model) works on class codes 0..k-1, which the stages
    stratify and score with; this wrapper maps them to and from the names in `classes` (sorted codes).
    `predict_proba` returns a DataFrame whose columns are the class names.
    """

    def __init__(self, pipeline=None, classes: list | None = None, features: list[str] | None = None):
        self.pipeline, self.classes, self.features = pipeline, classes, features

    def fit(self, X: pd.DataFrame, y):
        self.classes_ = np.asarray(self.classes)
        codes = {c: i for i, c in enumerate(self.classes_.tolist())}
        unknown = sorted({str(v) for v in pd.Series(y).tolist() if v not in codes})
        if unknown:
            raise ValueError(f"classes {unknown} are not among {self.classes_.tolist()}")
        self.pipeline_ = clone(self.pipeline).fit(self._rows(X), pd.Series(y).map(codes).to_numpy())
        self.feature_names_in_ = np.asarray(self.features, dtype=object)
        self.n_features_in_ = len(self.features)
        return self

    def _rows(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in self.features if c not in X.columns]
        if missing:
            raise ValueError(f"the rows lack the feature column(s) {missing}; the model needs {list(self.features)}")
        return X[list(self.features)]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[self.pipeline_.predict(self._rows(X))]

    @available_if(lambda self: hasattr(self.pipeline, "predict_proba"))
    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(self.pipeline_.predict_proba(self._rows(X)), columns=self.classes_.tolist(),
                            index=X.index)

    @available_if(lambda self: hasattr(self.pipeline, "decision_function"))
    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipeline_.decision_function(self._rows(X))
