"""Metrics shared by tables and images (stages/core/evaluation.py): one positive code, average precision, the
metrics files' numbers; and files written by their content."""

import json

import numpy as np
import pandas as pd
import pytest

from stages.common.io import write_files
from stages.core.classes import positive_class, positive_code
from stages.core.evaluation import classifier_metrics, metric_numbers


def test_one_positive_code_for_tables_and_images():
    assert positive_code(["benign", "malignant"], "malignant") == 1 and positive_code(["a", "b", "c"], None) is None
    assert positive_code([0, 1], "1") == 1  # labels.json may hold numbers, the positive class as text
    names = np.take(["NORMAL", "PNEUMONIA"], [0, 0, 0, 1])
    assert positive_class(None, names, key="images.positive_class") == "PNEUMONIA"


def test_classifier_metrics_add_average_precision_and_files_are_written_by_content(tmp_path):
    y, scores = np.array([0, 1, 1, 0]), np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    metrics = classifier_metrics(y, scores.argmax(axis=1), scores, ["a", "b"], 1)
    assert metrics["average_precision"] == pytest.approx(1.0) and "per_class" in metrics
    write_files({tmp_path / "m.json": {"b": 1, "a": True}, tmp_path / "t.csv": pd.DataFrame({"x": [1]}),
                 tmp_path / "p.png": b"\x89PNG"})
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": True, "b": 1}
    assert (tmp_path / "t.csv").read_text() == "x\n1\n" and (tmp_path / "p.png").read_bytes() == b"\x89PNG"
    assert metric_numbers({"a": {"b": 1.5, "kept": True}, "c": "text", "d": 2}) == {"a.b": 1.5, "d": 2}
