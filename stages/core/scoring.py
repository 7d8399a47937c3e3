"""Scorer names and fold counts checked against the task before any long cross-validation starts."""

from __future__ import annotations

import difflib
import warnings

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import get_scorer, get_scorer_names

from stages.core.errors import PipelineError

# where scikit-learn keeps the score functions of classifiers (labels, probabilities, rankings)
CLASSIFICATION_MODULES = ("sklearn.metrics._classification", "sklearn.metrics._ranking")
MULTICLASS_HINT = "accuracy, balanced_accuracy, f1_macro, precision_macro, recall_macro, roc_auc_ovr, neg_log_loss"


def check_scoring(name: str, y: np.ndarray, key: str) -> None:
    """Raise a one-line PipelineError unless `name` is a classification scorer that works on `y`."""
    names = get_scorer_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}?" if close else f"for example {MULTICLASS_HINT}"
        raise PipelineError(f"{key} = {name!r} is not a scikit-learn scorer name; {hint}")
    module = getattr(getattr(get_scorer(name), "_score_func", None), "__module__", "")
    if module not in CLASSIFICATION_MODULES:
        raise PipelineError(
            f"{key} = {name!r} scores regression or clustering, but this pipeline classifies; "
            f"use one of {MULTICLASS_HINT}"
        )
    # a dry run on the real labels catches binary-only scores (f1, roc_auc, ...) on multiclass data
    features = np.zeros((len(y), 1))
    dummy = DummyClassifier(strategy="stratified", random_state=0).fit(features, y)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            get_scorer(name)(dummy, features, y)
    except ValueError as exc:
        reason = " ".join(str(exc).split())
        raise PipelineError(
            f"{key} = {name!r} does not fit {len(np.unique(y))} classes ({reason}); "
            f"for multiclass use one of {MULTICLASS_HINT}"
        ) from None


def check_folds(y: np.ndarray, classes: list, folds: int, key: str, share: float = 1.0) -> None:
    """Stratified k-fold needs every class in every fold: at least `folds` rows of it (`share` of them)."""
    codes, counts = np.unique(y, return_counts=True)
    rows = int(counts.min() * share)
    if rows < folds:
        rarest = classes[codes[counts.argmin()]]
        raise PipelineError(f"{key} = {folds} but class {rarest!r} has only {rows} training rows there; "
                            f"lower {key} to at most {rows} or add rows of that class")
