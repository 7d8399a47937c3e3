"""An image model's outputs by role (stages/core/images/results.py)."""


import numpy as np

from stages.core.images.results import Answers, image_model_outputs


def test_an_image_models_outputs_by_role():
    y, predicted = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    outputs = image_model_outputs({"classes": ["cat", "dog", "fox"], "image_size": 16}, ["cat", "dog"], 1,
                                  {"test_accuracy": 0.75}, Answers(y, predicted, probabilities, 0.5), b"png", "title")
    assert set(outputs) == {"labels", "metrics", "per_class", "confusion", "roc", "curves_png", "confusion_png"}
    assert outputs["labels"] == {"classes": ["cat", "dog"], "image_size": 16, "positive": "dog", "threshold": 0.5}
    assert outputs["confusion"]["predicted"].tolist() == ["cat", "dog", "cat", "cat"]
    assert outputs["confusion_png"].startswith(b"\x89PNG") and outputs["per_class"]["dog"]["recall"] == 0.5
