"""The model zoo: classifiers by the names params.yaml uses, built unfitted and seeded, and the one
Pipeline every tabular stage fits: preprocessing -> feature selection -> model."""

from __future__ import annotations

import importlib
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from stages.core.errors import PipelineError
from stages.core.tabular import threshold
from stages.core.tabular.labels import class_array
from stages.core.tabular.names import COMBINED, MODEL_NAMES, ZOO_NAMES  # noqa: F401 (the zoo's names)
from stages.core.tabular.problem import Problem
from stages.core.training.imbalance import decide  # the networks' cut, the same rule


def _lazy(module: str, name: str):
    """A model class imported when a model of it is built: params.py and every stage import this zoo for its names,
    and sklearn.ensemble, svm, neighbors, ... cost about 0.2 s of each stage's start-up."""
    def build(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    return build


AdaBoostClassifier, AdaBoostRegressor, BaggingClassifier, BaggingRegressor = (_lazy("sklearn.ensemble", n) for n in (
    "AdaBoostClassifier", "AdaBoostRegressor", "BaggingClassifier", "BaggingRegressor"))
HistGradientBoostingClassifier, HistGradientBoostingRegressor = (_lazy("sklearn.ensemble", n) for n in (
    "HistGradientBoostingClassifier", "HistGradientBoostingRegressor"))
RandomForestClassifier, RandomForestRegressor = (_lazy("sklearn.ensemble", n) for n in (
    "RandomForestClassifier", "RandomForestRegressor"))
ExtraTreesClassifier, ExtraTreesRegressor = (_lazy("sklearn.ensemble", n) for n in (
    "ExtraTreesClassifier", "ExtraTreesRegressor"))
StackingClassifier, StackingRegressor, VotingClassifier, VotingRegressor = (_lazy("sklearn.ensemble", n) for n in (
    "StackingClassifier", "StackingRegressor", "VotingClassifier", "VotingRegressor"))
TunedThresholdClassifierCV = _lazy("sklearn.model_selection", "TunedThresholdClassifierCV")
ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge, RidgeCV = (_lazy("sklearn.linear_model", n) for n in (
    "ElasticNet", "Lasso", "LinearRegression", "LogisticRegression", "Ridge", "RidgeCV"))
KNeighborsClassifier, KNeighborsRegressor = (_lazy("sklearn.neighbors", n) for n in (
    "KNeighborsClassifier", "KNeighborsRegressor"))
Nystroem = _lazy("sklearn.kernel_approximation", "Nystroem")
SVC, SVR, LinearSVC = (_lazy("sklearn.svm", n) for n in ("SVC", "SVR", "LinearSVC"))
DecisionTreeClassifier, DecisionTreeRegressor = (_lazy("sklearn.tree", n) for n in (
    "DecisionTreeClassifier", "DecisionTreeRegressor"))

CLASSIFIERS: dict[str, Callable[[int], ClassifierMixin]] = {
    "logistic_regression": lambda seed: LogisticRegression(max_iter=5000, random_state=seed),
    "knn": lambda seed: KNeighborsClassifier(),
    "decision_tree": lambda seed: DecisionTreeClassifier(random_state=seed),
    "random_forest": lambda seed: RandomForestClassifier(n_estimators=100, random_state=seed),
    # extremely randomised trees: random cut points too, every tree on every row; less variance on small tables
    "extra_trees": lambda seed: ExtraTreesClassifier(n_estimators=100, random_state=seed),
    # no calibration inside CV folds (it fitted six SVCs per fold): ROC AUC ranks by decision_function, and only
    # the final model is calibrated where probabilities are needed (calibrated_for_serving). Large tables get
    # an approximation of the same kernel (sizing.model_at_size); rbf_svm stays exact at every size.
    "svm": lambda seed: SVC(kernel="rbf", random_state=seed),
    "rbf_svm": lambda seed: SVC(kernel="rbf", random_state=seed),
    "linear_svm": lambda seed: LinearSVC(max_iter=20000, random_state=seed),
    "hist_gradient_boosting": lambda seed: HistGradientBoostingClassifier(random_state=seed),
    "xgboost": lambda seed: _xgboost(seed),
    # the course's two ensemble families: bagging (full trees on bootstrap samples, then a vote) and boosting
    # (AdaBoost: 50 stumps, scikit-learn's default, each weighting the rows the last ones got wrong)
    "bagging": lambda seed: BaggingClassifier(DecisionTreeClassifier(), n_estimators=50, random_state=seed),
    "adaboost": lambda seed: AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=50,
                                                random_state=seed),
}


# the same names where a model exists for both tasks, so params and reports read alike
REGRESSORS: dict[str, Callable[[int], RegressorMixin]] = {
    "linear_regression": lambda seed: LinearRegression(),
    "ridge": lambda seed: Ridge(random_state=seed),
    "lasso": lambda seed: Lasso(max_iter=20000, random_state=seed),
    "elastic_net": lambda seed: ElasticNet(max_iter=20000, random_state=seed),
    "knn": lambda seed: KNeighborsRegressor(),
    "decision_tree": lambda seed: DecisionTreeRegressor(random_state=seed),
    "random_forest": lambda seed: RandomForestRegressor(n_estimators=100, random_state=seed),
    "extra_trees": lambda seed: ExtraTreesRegressor(n_estimators=100, random_state=seed),
    "svr": lambda seed: SVR(kernel="rbf"),
    "hist_gradient_boosting": lambda seed: HistGradientBoostingRegressor(random_state=seed),
    "xgboost": lambda seed: _xgboost(seed, regression=True),
    "bagging": lambda seed: BaggingRegressor(DecisionTreeRegressor(), n_estimators=50, random_state=seed),
    "adaboost": lambda seed: AdaBoostRegressor(DecisionTreeRegressor(max_depth=3), n_estimators=50,
                                               random_state=seed),
}
ZOOS = {"classification": CLASSIFIERS, "regression": REGRESSORS}
# ensembles, for the t-test of the best ensemble against the best single model
ENSEMBLES = ("random_forest", "extra_trees", "hist_gradient_boosting", "xgboost", "bagging", "adaboost", *COMBINED)


class ApproxRBFSVM(ClassifierMixin, BaseEstimator):
    """An RBF-kernel SVM for large tables: the kernel approximated by Nystroem's method on `n_components`
    seeded landmark rows, then a linear SVM. Fits in time linear in the rows (the exact SVC: rows squared or
    worse) and takes SVC's C and gamma, so tune.spaces.svm searches it unchanged."""

    def __init__(self, C: float = 1.0, gamma="scale", n_components: int = 200, random_state=None):
        self.C, self.gamma, self.n_components, self.random_state = C, gamma, n_components, random_state

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=float)  # n_features_in_, and a clear error on empty, sparse or 1-d X
        check_classification_targets(y)
        gamma = 1.0 / (X.shape[1] * X.var()) if self.gamma == "scale" else self.gamma  # SVC's own 'scale'
        self.model_ = Pipeline([
            ("kernel", Nystroem(gamma=gamma, n_components=min(self.n_components, len(X)),
                                random_state=self.random_state)),
            ("svm", LinearSVC(C=self.C, dual=True, max_iter=5000, random_state=self.random_state)),
        ]).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def decision_function(self, X):
        check_is_fitted(self)
        return self.model_.decision_function(validate_data(self, X, dtype=float, reset=False))

    def predict(self, X):
        check_is_fitted(self)
        return self.model_.predict(validate_data(self, X, dtype=float, reset=False))


def probabilities_if_needed(name: str, estimator, metrics: list[str], n_classes: int):
    """The SVM entries inside CV: calibrated only where a metric needs probabilities, that is multiclass ROC AUC
    (one-vs-rest on predict_proba; binary ROC AUC ranks by decision_function). The course's multiclass tables
    are small, so this costs little, and their scores stay what they were."""
    needs = n_classes > 2 and "roc_auc" in metrics
    if name in ("svm", "rbf_svm") and needs and not hasattr(estimator, "predict_proba"):
        return CalibratedClassifierCV(estimator, ensemble=False)
    return estimator


def calibrated_for_serving(pipeline: Pipeline) -> Pipeline:
    """The final model with probabilities: a classifier without predict_proba (an SVM) is wrapped in Platt
    scaling over 5 internal folds, once, after model selection; cross-validation never paid for it."""
    model = pipeline.named_steps["model"]
    if not isinstance(model, ClassifierMixin) or hasattr(model, "predict_proba"):
        return pipeline
    return clone(pipeline).set_params(model=CalibratedClassifierCV(model, ensemble=False))


def _xgboost(seed: int, regression: bool = False):
    from xgboost import XGBClassifier, XGBRegressor

    return (XGBRegressor if regression else XGBClassifier)(n_estimators=200, random_state=seed, n_jobs=1)


def make_estimator(name: str, seed: int, key: str = "model", task: str = "classification", members=None,
                   weights: list[int] | None = None):
    """The task's model of that name, unfitted and seeded; a model of the other task is a one-line error.
    voting, stacking and ensemble_selection combine `members`: (name, unfitted estimator) pairs, the last with
    `weights`."""
    if name in COMBINED:
        if not members:
            raise PipelineError(f"{key}: {name!r} combines compare_models' models (compare.ensemble_top, "
                                "compare.ensemble_selection); it is built there, not on its own")
        return combined(name, members, seed, task, weights)
    zoo = ZOOS[task]
    if name not in zoo:
        raise PipelineError(f"{key}: {name!r} is not a {task} model; choose from {', '.join([*zoo, *COMBINED])}")
    return zoo[name](seed)


def combined(name: str, members: list[tuple[str, object]], seed: int, task: str, weights: list[int] | None = None):
    """Soft voting (the members' probabilities averaged; a mean for regression), ensemble selection (the same,
    weighted by how often the greedy selection picked each member) or stacking (a logistic or ridge regression over
    the members' out-of-fold scores, 5 inner folds) of the members. A classifier without predict_proba (an SVM) is
    Platt-scaled inside, so soft voting can average it."""
    if name != "stacking":
        if task == "regression":
            return VotingRegressor(members, weights=weights)
        return VotingClassifier([(n, voting_member(m)) for n, m in members], voting="soft", weights=weights)
    if task == "regression":
        return StackingRegressor(members, final_estimator=RidgeCV(), cv=5)
    return StackingClassifier(members, final_estimator=LogisticRegression(max_iter=5000, random_state=seed), cv=5)


def voting_member(estimator):
    """A soft-voting member: as it is, or Platt-scaled (5 internal folds) where it has no probabilities (an SVM)."""
    return estimator if hasattr(estimator, "predict_proba") else CalibratedClassifierCV(estimator, ensemble=False)


def with_target_transform(estimator, transform: str):
    """Regression on log(target): fitted on the log, predictions back in the target's units, so every
    score is in those units too."""
    if transform == "none":
        return estimator
    return TransformedTargetRegressor(regressor=estimator, func=np.log, inverse_func=np.exp)


def inner(estimator):
    """The model itself, inside a target transform or a calibration wrapper."""
    if isinstance(estimator, TransformedTargetRegressor):
        return estimator.regressor
    if isinstance(estimator, CalibratedClassifierCV):
        return estimator.estimator
    return estimator


def tunable(estimator) -> tuple[str, dict]:
    """The Pipeline prefix of the model's own hyper-parameters, and those parameters."""
    if isinstance(estimator, TransformedTargetRegressor):
        return "model__regressor__", estimator.regressor.get_params(deep=False)
    if isinstance(estimator, CalibratedClassifierCV):
        return "model__estimator__", estimator.estimator.get_params(deep=False)
    return "model__", estimator.get_params(deep=False)


def other_task_parameters(name: str, task: str) -> set[str]:
    """Parameters of the same-named model of the other task (decision_tree's class_weight classifies only)."""
    others = [zoo[name] for kind, zoo in ZOOS.items() if kind != task and name in zoo]
    return set(others[0](0).get_params(deep=False)) if others else set()


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

    `threshold` (two classes, tune.threshold): 0.5 keeps the more probable class; a number is a fixed cut on the
    `positive` code's probability; a rule ({sensitivity: 0.95}, best_f1) is chosen by TunedThresholdClassifierCV
    on the `cv` folds of the training rows. `threshold_` is the cut predict applies (None: the more probable).
    """

    def __init__(self, pipeline=None, classes: list | None = None, features: list[str] | None = None,
                 threshold=0.5, positive: int | None = None, cv=None):
        self.pipeline, self.classes, self.features = pipeline, classes, features
        self.threshold, self.positive, self.cv = threshold, positive, cv

    def fit(self, X: pd.DataFrame, y):
        self.classes_ = class_array(self.classes)
        codes = {c: i for i, c in enumerate(self.classes_.tolist())}
        unknown = sorted({str(v) for v in pd.Series(y).tolist() if v not in codes})
        if unknown:
            raise ValueError(f"classes {unknown} are not among {self.classes_.tolist()}")
        rows, y = self._rows(X), pd.Series(y).map(codes).to_numpy()
        self.threshold_ = None if self.threshold == threshold.DEFAULT else self.threshold
        if threshold.is_tuned(self.threshold):  # refits on every row once the cut is chosen
            tuned = TunedThresholdClassifierCV(clone(self.pipeline), scoring=threshold.threshold_scorer(
                self.threshold, self.positive), response_method="predict_proba", cv=self.cv).fit(rows, y)
            self.pipeline_, self.threshold_ = tuned.estimator_, float(tuned.best_threshold_)
        else:
            self.pipeline_ = clone(self.pipeline).fit(rows, y)
        self.feature_names_in_ = np.asarray(self.features, dtype=object)
        self.n_features_in_ = len(self.features)
        return self

    def _rows(self, X: pd.DataFrame) -> pd.DataFrame:
        return feature_rows(X, self.features)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if getattr(self, "threshold_", None) is None:
            return self.classes_[self.pipeline_.predict(self._rows(X))]
        return self.classes_[decide(self.pipeline_.predict_proba(self._rows(X)), self.positive, self.threshold_)]

    @available_if(lambda self: hasattr(self.pipeline, "predict_proba"))
    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(self.pipeline_.predict_proba(self._rows(X)), columns=self.classes_.tolist(),
                            index=X.index)

    @available_if(lambda self: hasattr(self.pipeline, "decision_function"))
    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipeline_.decision_function(self._rows(X))


class NamedRegressor(RegressorMixin, BaseEstimator):
    """The saved regression model (models/tune/model.joblib): the raw feature columns of the CSV in, values in
    the target's units out. Like NamedClassifier, it checks and orders the columns it was trained on."""

    def __init__(self, pipeline=None, features: list[str] | None = None):
        self.pipeline, self.features = pipeline, features

    def fit(self, X: pd.DataFrame, y):
        self.pipeline_ = clone(self.pipeline).fit(feature_rows(X, self.features), np.asarray(y, dtype=float))
        self.feature_names_in_ = np.asarray(self.features, dtype=object)
        self.n_features_in_ = len(self.features)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipeline_.predict(feature_rows(X, self.features))


def feature_rows(X: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The columns a saved model was trained on, in its order; a row without one of them is an error."""
    missing = [c for c in features if c not in X.columns]
    if missing:
        raise ValueError(f"the rows lack the feature column(s) {missing}; the model needs {list(features)}")
    return X[list(features)]


def final_model(pipeline: Pipeline, problem: Problem, X: pd.DataFrame, y: np.ndarray, cut=threshold.DEFAULT,
                cv=None):
    """The chosen pipeline refitted on every training row (also where a search scored a sample), calibrated
    where serving needs probabilities, wrapped to take raw rows and answer class names (or the target's values).
    `cut`: tune.threshold, chosen on the `cv` folds of these rows when it is a rule."""
    chosen = calibrated_for_serving(pipeline.set_params(memory=None))
    if problem.task.classifies:
        classes = list(problem.classes)
        return NamedClassifier(chosen, classes, X.columns.tolist(), cut, problem.positive, cv).fit(
            X, [classes[code] for code in y])
    return NamedRegressor(chosen, X.columns.tolist()).fit(X, y)
