"""Held-out metrics, shared by every branch: the positive class binary metrics are about, then for a fitted
classifier the binary view around it (sensitivity, specificity, ...) or macro averages for multiclass,
per-class values, ROC / precision-recall curves, and the regression metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

from stages.core.errors import plain


def class_scores(pipeline, X: pd.DataFrame, n_classes: int) -> np.ndarray:
    """One score column per class: probabilities when the model has them, else its decision function."""
    if hasattr(pipeline, "predict_proba"):
        return np.asarray(pipeline.predict_proba(X))  # the saved model names its columns: a DataFrame
    scores = pipeline.decision_function(X)
    return np.column_stack([-scores, scores]) if n_classes == 2 else scores


def per_class(y_true: np.ndarray, y_pred: np.ndarray, scores: np.ndarray, classes: list[str]) -> dict:
    """Precision, recall (sensitivity), specificity, F1, ROC AUC and support, each class against the rest."""
    codes = np.arange(len(classes))
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=codes, zero_division=0)
    matrix = confusion_matrix(y_true, y_pred, labels=codes)
    negatives = len(y_true) - matrix.sum(axis=1)
    false_pos = matrix.sum(axis=0) - np.diag(matrix)
    return {
        str(name): {
            "precision": float(precision[c]),
            "recall": float(recall[c]),
            "specificity": float((negatives[c] - false_pos[c]) / negatives[c]),
            "f1": float(f1[c]),
            # undefined when a tiny split lacks the class (or holds nothing else)
            "roc_auc": float(roc_auc_score(y_true == c, scores[:, c])) if 0 < support[c] < len(y_true) else None,
            "support": int(support[c]),
        }
        for c, name in zip(codes, classes, strict=True)
    }


def held_out_metrics(y_true, y_pred, scores, classes: list[str], positive: int) -> dict:
    """Binary: the positive class's view. Multiclass: macro averages (`positive` unused)."""
    classes_ = per_class(y_true, y_pred, scores, classes)
    metrics = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
    }
    if len(classes) == 2:
        metrics.update({k: v for k, v in classes_[str(classes[positive])].items() if k != "support"})
    else:
        for k in ("precision", "recall", "specificity", "f1", "roc_auc"):
            metrics[f"{k}_macro"] = float(np.mean([c[k] for c in classes_.values()]))
    metrics["per_class"] = classes_
    return metrics


def majority_baseline(y_train: np.ndarray, y_test: np.ndarray, classes: list[str],
                      positive: int) -> tuple[str, dict]:
    """What a model must beat: always the training split's most frequent class (scikit-learn's DummyClassifier,
    most_frequent), scored like the model. Its accuracy is the test share of that class; its ROC AUC is 0.5."""
    from sklearn.dummy import DummyClassifier

    dummy = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y_train), 1)), y_train)
    predicted = dummy.predict(np.zeros((len(y_test), 1)))
    scores = np.eye(len(classes))[predicted]  # all its belief on one class
    metrics = held_out_metrics(y_test, predicted, scores, classes, positive)
    metrics.pop("per_class")
    return plain(classes[predicted[0]]), metrics  # the label apart: metrics files hold numbers only


def curves(y_true, scores, positive: int, n_classes: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ROC and precision-recall points: the positive class (binary) or the micro-average (multiclass)."""
    if n_classes == 2:
        truth, score = y_true == positive, scores[:, positive]
    else:
        truth = (y_true[:, None] == np.arange(n_classes)).ravel()
        score = scores.ravel()
    fpr, tpr, roc_thresholds = roc_curve(truth, score)
    precision, recall, pr_thresholds = precision_recall_curve(truth, score)
    roc_thresholds = np.where(np.isinf(roc_thresholds), np.nan, roc_thresholds)  # the first point is +inf
    roc = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": roc_thresholds})
    pr = pd.DataFrame({"recall": recall, "precision": precision, "threshold": np.append(pr_thresholds, np.nan)})
    return roc, pr


def average_precision(y_true, scores, positive: int, n_classes: int) -> float:
    if n_classes == 2:
        return float(average_precision_score(y_true == positive, scores[:, positive]))
    return float(average_precision_score(y_true[:, None] == np.arange(n_classes), scores, average="macro"))


def regression_metrics(y_true, y_pred) -> dict:
    """R² (the share of the target's variance explained: 0 is the mean's score, 1 perfect), and the errors in
    the target's units: RMSE (large misses weigh more) and MAE; MAPE (a share) only when no target is 0."""
    from sklearn.metrics import mean_absolute_error, mean_absolute_percentage_error, r2_score, root_mean_squared_error

    metrics = {
        "r2": float(r2_score(y_true, y_pred)),
        "rmse": float(root_mean_squared_error(y_true, y_pred)),
        "mae": float(mean_absolute_error(y_true, y_pred)),
    }
    if not np.any(np.asarray(y_true) == 0):
        metrics["mape"] = float(mean_absolute_percentage_error(y_true, y_pred))
    return metrics


def mean_baseline(y_train, y_test) -> tuple[float, dict]:
    """What a regressor must beat: always the training split's mean (DummyRegressor), scored like the model.
    Its test R² is about 0 (a little below when the test mean differs from the training mean)."""
    from sklearn.dummy import DummyRegressor

    dummy = DummyRegressor(strategy="mean").fit(np.zeros((len(y_train), 1)), y_train)
    predicted = dummy.predict(np.zeros((len(y_test), 1)))
    return float(predicted[0]), regression_metrics(y_test, predicted)


def classifier_metrics(y_true, y_pred, scores, classes: list[str], positive: int | None) -> dict:
    """What evaluate reports for a classifier on held-out rows, and train_dnn under the same names: the
    held-out metrics (with per_class) and the average precision."""
    metrics = held_out_metrics(y_true, y_pred, scores, classes, positive)
    return metrics | {"average_precision": average_precision(y_true, scores, positive, len(classes))}


def metric_numbers(tree: dict, prefix: str = "") -> dict[str, float]:
    """A metrics file's numbers by dotted key (phase1.test_accuracy); flags (true/false) are no numbers."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= metric_numbers(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[prefix + key] = value
    return flat
