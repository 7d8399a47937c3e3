"""transfer's plan (stages/core/images/transfer_plan.py): every check that needs no network names its key."""


from types import SimpleNamespace

import numpy as np
import pytest

from stages.core.errors import PipelineError
from stages.core.images.transfer_plan import plan_transfer


def test_plan_transfer_names_its_section_and_returns_its_notes():
    y = np.repeat(np.arange(4), [3, 30, 30, 30])
    pipeline = SimpleNamespace(source_classes=["c", "d"], target_samples_per_class=5, filters=[4, 8])
    settings = SimpleNamespace(backbone="pipeline", weights="imagenet", input_size=None, threshold=0.5,
                               class_weight="none", pipeline=pipeline)
    labels = {"classes": ["a", "b", "c", "d"], "image_size": 16}
    plan = plan_transfer(labels, y, 0, settings, None, key="images.positive_class", section="tl")
    assert plan.names == ["a", "b"] and plan.notes == [
        "fewer training images than tl.pipeline.target_samples_per_class = 5, all used: a 3"]
    assert np.bincount(plan.y).tolist() == [3, 5] and plan.positive == 0  # the rarer class
    with pytest.raises(PipelineError, match=r"^tl.weights = 'w.h5': a weights file needs a keras.applications"):
        other = SimpleNamespace(**vars(settings) | {"weights": "w.h5", "pipeline": SimpleNamespace(
            source_classes="auto", target_samples_per_class=None, filters=[4, 8])})
        plan_transfer(labels, y, 0, other, None, key="images.positive_class", section="tl")
