"""What an image model's stage writes beside the model: train_cnn and transfer alike."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stages.core.evaluation import curves, per_class
from stages.core.plots import confusion_figure


@dataclass(frozen=True)
class Answers:
    """The test split's class codes, the model's predictions and probabilities on it, and the binary threshold they
    were decided with (None: the most probable class)."""

    y: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray
    threshold: float | None = None


def image_model_outputs(labels: dict, classes: list[str], positive: int | None, metrics: dict, answers: Answers,
                        curves_png: bytes, title: str) -> dict[str, object]:
    """By role: labels.json (the class order the model predicts in, its image format, and the decision the
    metrics were measured with), the metrics, per-class values, the confusion pairs and ROC points of the test
    split, the learning curves and the confusion matrix as PNGs."""
    y, predicted, probabilities, threshold = answers.y, answers.predicted, answers.probabilities, answers.threshold
    roc, _ = curves(y, probabilities, positive, len(classes))
    names = np.array(classes)
    return {
        "labels": {**labels, "classes": classes, "positive": None if positive is None else classes[positive],
                   "threshold": threshold},
        "metrics": metrics,
        "per_class": per_class(y, predicted, probabilities, classes),
        "confusion": pd.DataFrame({"actual": names[y], "predicted": names[predicted]}),
        "roc": roc,
        "curves_png": curves_png,
        "confusion_png": confusion_figure(y, predicted, classes, title),
    }
