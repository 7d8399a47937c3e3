"""Class imbalance in the network stages: class weights, the positive class, a decision threshold chosen on the
validation split, and headline metrics that expose a network which only ever predicts the majority class.

No Keras here: the stages check these params before TensorFlow loads.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_curve
from sklearn.utils.class_weight import compute_class_weight

from stages.core.errors import PipelineError
from stages.core.evaluation import held_out_metrics


def class_weights(y_train: np.ndarray, classes: list[str], mode: str, key: str) -> np.ndarray | None:
    """balanced: n / (k * n_class) per class, scikit-learn's 'balanced' (each class weighs as much in the loss as
    the others; the average weight of a training image stays 1, so learning rates keep their meaning).
    none: None."""
    if mode == "none":
        return None
    counts = np.bincount(y_train, minlength=len(classes))
    if missing := [classes[c] for c in np.flatnonzero(counts == 0)]:
        raise PipelineError(f"{key} = balanced, but class {', '.join(map(repr, missing))} has no training images; "
                            f"add some, or set {key}: none")
    return compute_class_weight("balanced", classes=np.arange(len(classes)), y=y_train)


def check_threshold(threshold, n_classes: int, key: str) -> None:
    if isinstance(threshold, dict) and n_classes != 2:
        raise PipelineError(f"{key} = {threshold} needs two classes, but there are {n_classes}; multiclass "
                            f"networks predict the most probable class: set {key}: 0.5")


def choose_threshold(threshold, y_val: np.ndarray, p_val: np.ndarray, positive: int | None, key: str) -> dict:
    """The cut on the positive class's probability: a number as given, or {sensitivity: s}: the highest cut whose
    validation sensitivity reaches s (the fewest false alarms that still catch that share). The test split is
    never looked at. Multiclass: argmax, no cut."""
    if positive is None:
        return {}
    if not isinstance(threshold, dict):
        return {"threshold": float(threshold)}
    wanted = threshold["sensitivity"]
    truth = y_val == positive
    if not truth.any():
        raise PipelineError(f"{key} = {threshold}: the validation split has no images of the positive class to "
                            "measure sensitivity on; give it some, or set a number such as 0.5")
    _, tpr, cuts = roc_curve(truth, p_val[:, positive])
    cut = float(min(cuts[np.argmax(tpr >= wanted)], 1.0))  # the first point (highest cut) reaching it
    return {"threshold": cut, "val_sensitivity": float(np.mean(p_val[truth, positive] >= cut))}


def decide(probabilities: np.ndarray, positive: int | None, threshold: float | None) -> np.ndarray:
    """Class codes: binary, the positive class when its probability reaches the threshold; else the most probable."""
    if positive is None or threshold is None:
        return probabilities.argmax(axis=1)
    return np.where(probabilities[:, positive] >= threshold, positive, 1 - positive)


def network_scores(y_true: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray, classes: list[str],
                   positive: int | None) -> dict:
    """What `dvc exp show` lists: evaluate's held-out metrics named for the test split, accuracy and balanced
    accuracy (a majority-only network scores 1/k on it) and macro F1; binary, also the positive class's
    sensitivity (recall), specificity, precision, F1 and ROC AUC."""
    held_out = held_out_metrics(y_true, predicted, probabilities, classes, positive)
    metrics = {"test_accuracy": held_out["accuracy"], "test_balanced_accuracy": held_out["balanced_accuracy"],
               "test_f1_macro": float(np.mean([s["f1"] for s in held_out["per_class"].values()]))}
    if len(classes) == 2:
        metrics |= {"test_sensitivity": held_out["recall"], "test_specificity": held_out["specificity"],
                    "test_precision": held_out["precision"], "test_f1": held_out["f1"],
                    "test_roc_auc": held_out["roc_auc"]}
    return metrics


def majority_accuracy(train_labels: np.ndarray, test_labels: np.ndarray) -> float:
    """What a network must beat: always the training split's most frequent class, scored on the test split
    (1 / classes is chance, for balanced ones)."""
    return float(np.mean(np.asarray(test_labels) == np.bincount(np.asarray(train_labels)).argmax()))


def score_line(metrics: dict) -> str:
    """The log's line of test metrics: balanced accuracy beside accuracy, sensitivity and specificity for two
    classes, so a network that only predicts the majority shows at a glance."""
    line = (f"test accuracy {metrics['test_accuracy']:.4f}, balanced {metrics['test_balanced_accuracy']:.4f}, "
            f"macro F1 {metrics['test_f1_macro']:.4f}")
    if "baseline_accuracy" in metrics:
        line += f" (the majority class: {metrics['baseline_accuracy']:.4f})"
    if "test_sensitivity" in metrics:
        line += (f", sensitivity {metrics['test_sensitivity']:.4f}, specificity {metrics['test_specificity']:.4f}"
                 f" at threshold {metrics['threshold']:.3g}")
    return line


def weighing(classes: list[str], weights: np.ndarray | None) -> str:
    """The log's words for the class weights, if any."""
    if weights is None:
        return ""
    return ", classes weighted " + ", ".join(f"{name} {w:.2f}" for name, w in zip(classes, weights, strict=True))
