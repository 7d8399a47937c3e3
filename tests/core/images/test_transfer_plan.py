"""transfer's plan (stages/core/images/transfer_plan.py): every check that needs no network names its key."""


from dataclasses import replace

import numpy as np
import pytest

from stages.core.errors import PipelineError
from stages.core.images.transfer_plan import TransferSettings, plan_transfer


def test_plan_transfer_names_its_section_and_returns_its_notes():
    y = np.repeat(np.arange(4), [3, 30, 30, 30])
    settings = TransferSettings(backbone="pipeline", weights="imagenet", source_classes=["c", "d"],
                                samples_per_class=5, requested_size=None, blocks=2, threshold=0.5,
                                class_weight="none", section="tl")
    plan = plan_transfer(["a", "b", "c", "d"], y, 16, 0, settings, None, key="images.positive_class")
    assert plan.names == ["a", "b"] and plan.notes == [
        "fewer training images than tl.pipeline.target_samples_per_class = 5, all used: a 3"]
    assert np.bincount(plan.y).tolist() == [3, 5] and plan.positive == 0  # the rarer class
    with pytest.raises(PipelineError, match=r"^tl.weights = 'w.h5': a weights file needs a keras.applications"):
        plan_transfer(["a", "b", "c", "d"], y, 16, 0, replace(settings, weights="w.h5", source_classes="auto",
                                                              samples_per_class=None), None,
                      key="images.positive_class")
