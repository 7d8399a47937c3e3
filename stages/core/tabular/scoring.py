"""Scorer names checked against the task before any long cross-validation starts."""

from __future__ import annotations

import difflib
import warnings

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    get_scorer,
    get_scorer_names,
    jaccard_score,
    make_scorer,
    precision_score,
    recall_score,
)

from stages.core.errors import PipelineError

# where scikit-learn keeps the score functions of classifiers (labels, probabilities, rankings)
CLASSIFICATION_MODULES = ("sklearn.metrics._classification", "sklearn.metrics._ranking")
REGRESSION_MODULES = ("sklearn.metrics._regression",)
MULTICLASS_HINT = "accuracy, balanced_accuracy, f1_macro, precision_macro, recall_macro, roc_auc_ovr, neg_log_loss"
REGRESSION_HINT = "r2, neg_root_mean_squared_error, neg_mean_absolute_error"


# binary scores that are about one class: scikit-learn's names mean class code 1, ours the positive class
_ABOUT_POSITIVE = {"f1": f1_score, "precision": precision_score, "recall": recall_score, "jaccard": jaccard_score}


def scorer_for(name: str, positive: int | None = None):
    """The scorer `name`; on binary data (`positive` set) f1, precision, recall, jaccard and average_precision
    are about the positive class, as in evaluate, rather than whichever class got code 1."""
    if positive is None:
        return get_scorer(name)
    if name in _ABOUT_POSITIVE:
        return make_scorer(_ABOUT_POSITIVE[name], pos_label=positive)
    if name == "average_precision":
        return make_scorer(average_precision_score, response_method=("decision_function", "predict_proba"),
                           pos_label=positive)
    return get_scorer(name)


def check_scoring(name: str, y: np.ndarray, key: str, task: str = "classification") -> None:
    """Raise a one-line PipelineError unless `name` is a scorer of the task that works on `y`."""
    names = get_scorer_names()
    hint = MULTICLASS_HINT if task == "classification" else REGRESSION_HINT
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}?" if close else f"for example {hint}"
        raise PipelineError(f"{key} = {name!r} is not a scikit-learn scorer name; {hint}")
    module = getattr(getattr(get_scorer(name), "_score_func", None), "__module__", "")
    if module not in (CLASSIFICATION_MODULES if task == "classification" else REGRESSION_MODULES):
        raise PipelineError(f"{key} = {name!r} does not score {task}; use one of {hint} (or auto)")
    if task == "regression":
        return
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
