"""Fold work done once. For each fold of compare_models' repeated k-fold, the preprocessing and the selection are
fitted once on that fold's training rows, and every model is fitted on their output: the same fitted steps and the
same scores as one Pipeline per model (tests/core/tabular/test_folds.py checks it), at one preprocessing and
selection fit per fold instead of one per model and fold (backward SFS was refitted for every model). Each fold's
out-of-fold predictions are kept, so that soft voting is scored from its members' predictions without refitting
them, exactly as a refitted VotingClassifier or VotingRegressor would score."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import joblib
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline

from stages.core.tabular.problem import Problem
from stages.core.tabular.tasks import LOWER_IS_BETTER


@dataclass(frozen=True)
class Fold:
    repeat: int  # 1-based, as the fold scores table writes them
    fold: int
    train: np.ndarray
    test: np.ndarray


def folds_of(cv, X, y) -> list[Fold]:
    """The splits of a repeated k-fold splitter, numbered as the tables write them."""
    k = cv.get_n_splits() // cv.n_repeats
    return [Fold(i // k + 1, i % k + 1, train, test) for i, (train, test) in enumerate(cv.split(X, y))]


@dataclass(frozen=True)
class Bench:
    """What a comparison fits and scores its models with: the preprocessing and selection they share (fitted once
    per fold), the models, the rows and their folds, the scorers, the processes the folds are spread over, and what
    to call as each fold finishes (in fold order: progress, the first fold's times)."""

    steps: Pipeline
    models: dict  # name -> its unfitted model
    X: pd.DataFrame
    y: np.ndarray
    folds: list[Fold]
    metrics: dict  # name -> scorer
    n_jobs: int = 1
    on_fold: Callable = lambda fold, fitted: None


def shared_steps(pipelines: dict) -> tuple[Pipeline, dict]:
    """(the preprocessing and selection every pipeline shares, name -> its model). Pipelines that differ before
    their model cannot share a fold's fitted steps: an error, since that is our bug, not the user's."""
    first = next(iter(pipelines.values()))
    steps, shared = Pipeline(first.steps[:-1]), joblib.hash(first.steps[:-1])
    for name, pipeline in pipelines.items():
        if joblib.hash(pipeline.steps[:-1]) != shared:
            raise ValueError(f"{name}'s preprocessing or selection differs from the others': they cannot share folds")
    return steps, {name: pipeline.steps[-1][1] for name, pipeline in pipelines.items()}


@dataclass
class Fitted:
    """One model on one fold: its scores, its times, and (for the ensembles) its out-of-fold predictions."""

    scores: dict
    fit_time: float
    score_time: float
    predictions: np.ndarray | None


def kept_predictions(estimator, X_test) -> np.ndarray | None:
    """What soft voting averages: a classifier's probabilities (None without predict_proba: voting calibrates it),
    a regressor's predictions, in the log space where the target is fitted on its log (voting averages there)."""
    if isinstance(estimator, ClassifierMixin) or hasattr(estimator, "classes_"):
        return estimator.predict_proba(X_test) if hasattr(estimator, "predict_proba") else None
    if isinstance(estimator, TransformedTargetRegressor):
        return estimator.regressor_.predict(X_test)
    return estimator.predict(X_test)


def fit_fold(steps: Pipeline, models: dict, X: pd.DataFrame, y: np.ndarray, fold: Fold, metrics: dict,
             keep: bool) -> tuple[dict[str, Fitted], float]:
    """Fit the steps once on the fold's training rows (fit_transform, as a Pipeline does: a target encoder
    cross-fits there), then every model on their output; score each on the fold's held-out rows."""
    start = time.perf_counter()
    fitted = clone(steps)
    X_train = fitted.fit_transform(X.iloc[fold.train], y[fold.train])
    X_test = fitted.transform(X.iloc[fold.test])
    steps_time = time.perf_counter() - start
    out = {}
    for name, model in models.items():
        start = time.perf_counter()
        estimator = clone(model).fit(X_train, y[fold.train])
        scored_at = time.perf_counter()
        scores = check_scoring(estimator, scoring=metrics)(estimator, X_test, y[fold.test])
        out[name] = Fitted(scores, scored_at - start, time.perf_counter() - scored_at,
                           kept_predictions(estimator, X_test) if keep else None)
    return out, steps_time


def fit_folds(bench: Bench, keep: bool, models: dict | None = None,
              folds: list[Fold] | None = None) -> dict[tuple[str, int, int], Fitted]:
    """(model, repeat, fold) -> Fitted for the bench's models on its folds (or those given), the folds spread over
    its processes; `keep`: keep each fold's predictions for the ensembles."""
    models, folds = bench.models if models is None else models, bench.folds if folds is None else folds
    results = Parallel(n_jobs=bench.n_jobs, return_as="generator")(
        delayed(fit_fold)(bench.steps, models, bench.X, bench.y, fold, bench.metrics, keep) for fold in folds)
    out = {}
    for fold, (fitted, _) in zip(folds, results, strict=True):
        bench.on_fold(fold, fitted)
        out |= {(name, fold.repeat, fold.fold): f for name, f in fitted.items()}
    return out


def score_rows(fitted: dict[tuple[str, int, int], Fitted]) -> pd.DataFrame:
    """One row per model and fold: every metric (error metrics positive: scikit-learn negates them) and the fit
    time."""
    rows = []
    for (name, repeat, fold), f in fitted.items():
        rows.append({"model": name, "repeat": repeat, "fold": fold,
                     **{m: (-1.0 if m in LOWER_IS_BETTER else 1.0) * float(v) for m, v in f.scores.items()},
                     "fit_time": f.fit_time})
    return pd.DataFrame(rows)


class FoldPredictions(BaseEstimator):
    """An ensemble's answer on one fold, already computed: what the scorers read instead of a refitted model."""

    def __init__(self, output=None):
        self.output = output

    def fit(self, X=None, y=None):  # nothing to learn: the scorers only ask that an estimator has fit
        return self

    def predict(self, X):
        return self.output


class AveragedProbabilities(ClassifierMixin, FoldPredictions):
    """Soft voting's answer: VotingClassifier's mean of its members' probabilities, and the most probable class."""

    def __init__(self, output=None, classes=None):
        self.output, self.classes = output, classes

    @property
    def classes_(self):
        return self.classes

    def predict_proba(self, X):
        return self.output

    def predict(self, X):
        return self.classes[np.argmax(self.output, axis=1)]


class AveragedPredictions(RegressorMixin, FoldPredictions):
    """VotingRegressor's answer: the mean of its members' predictions (inside the target transform, if any)."""


def soft_vote(predictions: list[np.ndarray], n_classes: int, inverse=None, weights: list[int] | None = None):
    """The scorable answer of soft voting over members' fold predictions (with `weights`, a weighted vote), computed
    as VotingClassifier and VotingRegressor compute it (np.average in the same order), so the scores equal a
    refitted ensemble's."""
    if n_classes:
        return AveragedProbabilities(np.average(np.asarray(predictions), axis=0, weights=weights),
                                     np.arange(n_classes))
    averaged = np.average(np.asarray(predictions).T, axis=1, weights=weights)
    return AveragedPredictions(inverse(averaged) if inverse is not None else averaged)


def scored_vote(members: list[str], kept: dict[tuple[str, int, int], np.ndarray], fold: Fold, bench: Bench,
                problem: Problem, weights: list[int] | None = None) -> Fitted:
    """The (weighted) soft vote of `members` on one fold, from their kept predictions, scored on its held-out rows."""
    vote = soft_vote([kept[(m, fold.repeat, fold.fold)] for m in members], problem.n_classes, problem.inverse,
                     weights)
    scores = check_scoring(vote, scoring=bench.metrics)(vote, np.empty((len(fold.test), 0)), bench.y[fold.test])
    return Fitted(scores, 0.0, 0.0, None)


def vote_scores(members: list[str], kept: dict[tuple[str, int, int], np.ndarray], folds: list[Fold], bench: Bench,
                problem: Problem) -> dict[tuple[str, int, int], Fitted]:
    """Soft voting of `members` on every fold that all of them were scored on, from their kept predictions."""
    return {("voting", fold.repeat, fold.fold): scored_vote(members, kept, fold, bench, problem)
            for fold in folds if all((m, fold.repeat, fold.fold) in kept for m in members)}
