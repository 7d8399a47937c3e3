"""The decision threshold of a two-class tabular model (`tune.threshold`): where the positive class's probability
starts to mean "positive". 0.5 is the more probable class; a medical table often wants a set sensitivity instead.

A rule is chosen by scikit-learn's TunedThresholdClassifierCV on cross-validated predictions of the training
rows only (tune's folds), never on the test split; the saved model applies it (models.NamedClassifier).

| tune.threshold | the cut that |
| --- | --- |
| 0.5 (default) | nothing changes: the more probable class |
| a number, e.g. 0.3 | is that number (FixedThresholdClassifier's rule) |
| {sensitivity: 0.95} | keeps sensitivity >= 0.95 with the best specificity (else the highest sensitivity) |
| {precision: 0.9} | keeps precision >= 0.9 with the best sensitivity (else the highest precision) |
| best_f1 | gives the best F1 of the positive class |
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, make_scorer, precision_score, recall_score

from stages.core.errors import PipelineError

DEFAULT = 0.5


def is_tuned(rule) -> bool:
    """True for a rule chosen by cross-validation (not a fixed number)."""
    return rule == "best_f1" or isinstance(rule, dict)


def describe(rule) -> str:
    if rule == "best_f1":
        return "best F1"
    if isinstance(rule, dict):
        (metric, target), = rule.items()
        return f"{metric} >= {target:g}"
    return f"fixed at {rule:g}"


def check_threshold(rule, n_classes: int, task: str, key: str) -> None:
    if rule != DEFAULT and (task != "classification" or n_classes != 2):
        what = "a regression" if task != "classification" else f"{n_classes} classes"
        raise PipelineError(f"{key} = {rule}: a decision threshold needs two classes, but this is {what}; "
                            f"set {key}: 0.5")


def cut_record(model, rule) -> dict:
    """tune's metrics: the cut the saved model applies (0.5: the more probable class)."""
    cut = getattr(model, "threshold_", None)
    return {"threshold": DEFAULT if cut is None else cut} if rule != DEFAULT else {}


def cut_note(model, rule) -> str:
    cut = getattr(model, "threshold_", None)
    return "" if cut is None else f", threshold {cut:.4g} ({describe(rule)}, chosen on the training folds)"


def threshold_scorer(rule, positive: int):
    """What TunedThresholdClassifierCV maximises over the cuts. Under a constraint, a cut that misses it scores
    below every cut that meets it (hit - 1 < 0), so the nearest miss wins only when none meets it."""
    if rule == "best_f1":
        return make_scorer(f1_score, pos_label=positive)
    (metric, target), = rule.items()

    def constrained(y, predicted, pos_label) -> float:
        y, predicted = np.asarray(y), np.asarray(predicted)
        sensitivity = recall_score(y, predicted, pos_label=pos_label, zero_division=0)
        if metric == "sensitivity":
            negative = y != pos_label
            specificity = float(np.mean(predicted[negative] != pos_label)) if negative.any() else 0.0
            return specificity if sensitivity >= target else sensitivity - 1
        precision = precision_score(y, predicted, pos_label=pos_label, zero_division=0)
        return sensitivity if precision >= target else precision - 1

    # pos_label rides on the scorer: TunedThresholdClassifierCV reads the positive class from it
    return make_scorer(constrained, pos_label=positive)


def rates(y: np.ndarray, predicted: np.ndarray, positive: int) -> dict:
    """Sensitivity, specificity and precision of the positive class."""
    actual, said = y == positive, predicted == positive
    return {"sensitivity": float(said[actual].mean()) if actual.any() else 0.0,
            "specificity": float((~said[~actual]).mean()) if (~actual).any() else 0.0,
            "precision": float(actual[said].mean()) if said.any() else 0.0}


def missed_target(rule, test: dict, y: np.ndarray, positive: int, name: str) -> str | None:
    """The note when the test split misses a constraint that the training folds met: by how much, on how many
    rows, and why (the cut was chosen on other rows; one row moves a small class's rate a lot)."""
    if not isinstance(rule, dict):
        return None
    (metric, target), = rule.items()
    if test[metric] >= target:
        return None
    rows = int(np.sum(y == positive)) if metric == "sensitivity" else None
    count = f" on {rows} {name} test rows (one row is {1 / rows:.3f})" if rows else ""
    return (f"test {metric} {test[metric]:.3f} missed the {target:g} target by {target - test[metric]:.3f}{count}: "
            "the cut was chosen on the training folds, where it met the target; the test rows are too few to "
            "hold a rate to the third decimal")
