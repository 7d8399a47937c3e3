"""The target and its labels (stages/core/tabular/preprocessing.py), checked on tiny hand-made tables."""


import pandas as pd
import pytest

from stages.core.errors import PipelineError
from stages.core.tabular.preprocessing import check_positive_for_task, check_target, target_record, training_labels


def test_training_labels_and_the_target_checks():
    features = pd.DataFrame({"age": [30, 50, 70], "city": ["a", "b", "a"]})
    groups = {"number": ["age"], "category": ["city"], "date": [], "text": []}
    target = target_record("classification", "sick", "none", ["no", "yes"], "yes")
    labels = training_labels(features, target, groups, {})
    assert labels["ranges"] == {"age": [30.0, 70.0]} and labels["positive"] == "yes" and "date" not in labels
    with pytest.raises(PipelineError, match=r"^data.target is null"):
        check_target(None, ["a"], "data/interim/dataset.csv", key="data.target")
    with pytest.raises(PipelineError, match=r"^data/interim/dataset.csv has no column 'sick'"):
        check_target("sick", ["a"], "data/interim/dataset.csv", key="data.target")
    with pytest.raises(PipelineError, match="applies to classification, but the task is regression"):
        check_positive_for_task("high", "regression", key="data.positive_class")
