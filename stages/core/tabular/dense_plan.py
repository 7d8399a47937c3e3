"""What train_dnn decides before TensorFlow loads: the loss for the task, the validation share carved from the
training split, and the regression target's scale. No Keras here, so a mistake in params is the first line
the user sees, not the last after seconds of start-up."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.model_selection import train_test_split

from stages.core.errors import PipelineError
from stages.core.evaluation import classifier_metrics, regression_metrics
from stages.core.training.imbalance import class_weights

LOSSES = {"classification": ("categorical_crossentropy",), "regression": ("mse", "huber")}


def resolve_loss(loss: str, task: str, key: str) -> str:
    """auto: categorical cross-entropy for classes (softmax out), mean squared error for a quantity."""
    if loss == "auto":
        return LOSSES[task][0]
    if loss not in LOSSES[task]:
        other = "regression" if task == "classification" else "classification"
        raise PipelineError(f"{key} = {loss!r} is a loss for {other}, but the task is {task}; use "
                            f"{' or '.join(LOSSES[task])} (or auto)")
    return loss


def check_class_weight(mode: str, task: str, key: str) -> None:
    if mode != "none" and task == "regression":
        raise PipelineError(f"{key} = {mode!r} weighs classes, but the task is regression (no classes); set it "
                            "to none")


def validation_rows(y: np.ndarray, share: float, task: str, seed: int, classes: list, *,
                    key: str) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, validation rows) of the training split: seeded, stratified by class, every class on both
    sides (early stopping watches the validation loss of every class)."""
    rows = np.arange(len(y))
    stratify = y if task == "classification" else None
    try:
        fit, val = train_test_split(rows, test_size=share, stratify=stratify, random_state=seed)
    except ValueError:  # fewer validation rows than classes, or a class with one row
        fit, val = rows, rows[:0]
    if task == "classification":
        for part, picked, fix in (("validation share", val, "raise"), ("rows left to fit", fit, "lower")):
            missing = sorted(set(range(len(classes))) - set(y[picked].tolist()))
            if missing:
                raise PipelineError(f"{key} = {share} leaves class {classes[missing[0]]!r} without rows in the "
                                    f"{part} ({len(picked)} of {len(y)} training rows); {fix} {key}")
    elif min(len(fit), len(val)) < 2:
        raise PipelineError(f"{key} = {share} leaves {len(val)} validation and {len(fit)} fitting rows of "
                            f"{len(y)}; each needs at least 2: change {key}")
    return np.sort(fit), np.sort(val)


class TargetScale(NamedTuple):
    """A regression target standardised for training (the network's one linear unit learns values near 0 with
    unit spread, whatever the target's units), on log(target) when preprocess.target_transform is log."""

    mean: float
    std: float
    log: bool

    @classmethod
    def fit(cls, y: np.ndarray, transform: str) -> TargetScale:
        values = np.log(y) if transform == "log" else np.asarray(y, dtype=float)
        return cls(float(values.mean()), float(values.std()) or 1.0, transform == "log")

    def forward(self, y: np.ndarray) -> np.ndarray:
        return ((np.log(y) if self.log else np.asarray(y, dtype=float)) - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        values = np.asarray(z, dtype=float) * self.std + self.mean
        return np.exp(values) if self.log else values


def network_target(y: np.ndarray, fit_rows: np.ndarray, task: str, classes: list, class_weight: str,
                   target_transform: str, *, key: str) -> tuple[np.ndarray, np.ndarray | None, TargetScale | None]:
    """What the network fits: class codes with each row's class weight (`key`: balanced or none), or the target
    standardised on the fitting rows (TargetScale)."""
    if task == "classification":
        weights = class_weights(y[fit_rows], classes, class_weight, key)
        return y, None if weights is None else weights[y].astype("float32"), None  # validation rows weighed alike
    scale = TargetScale.fit(y[fit_rows], target_transform)
    return scale.forward(y).reshape(-1, 1), None, scale


def network_metrics(model, rows, y: np.ndarray, task: str, classes: list, positive: int | None) -> dict:
    """The network's test metrics under evaluate's names (per-class values aside); model: a TableNetwork."""
    if task == "regression":
        return regression_metrics(y, model.predict(rows))
    scores = model.predict_proba(rows).to_numpy()
    metrics = classifier_metrics(y, scores.argmax(axis=1), scores, classes, positive)
    del metrics["per_class"]
    return metrics


def metric_deltas(ours: dict, tuned: dict) -> dict:
    """Network minus evaluate's tuned model, metric by metric (rmse, mae: negative is better)."""
    return {k: v - tuned[k] for k, v in ours.items() if isinstance(v, float) and isinstance(tuned.get(k), float)}
