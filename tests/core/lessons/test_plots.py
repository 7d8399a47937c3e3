"""The lessons' figures (stages/core/lessons/plots.py), drawn from the lessons' own small results."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from stages.core.lessons import lessons
from stages.core.lessons.plots import decision_figure, loss_curves_figure, vanishing_figure


def test_each_lesson_figure_is_a_png_and_the_same_twice():
    gates = lessons.logic_gates(0.1, 20, 0.9, seed=0)
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(30, 4)), np.eye(3)[rng.integers(0, 3, 30)]
    curves = pd.DataFrame({"epoch": [1, 2, 3], "per_row": [0.3, 0.2, 0.1], "per_epoch": [0.3, 0.28, 0.26]})
    scratch = SimpleNamespace(depth=3, learning_rate=0.1, epochs=2, batch_size=10)
    norms, losses = lessons.vanishing_gradients(x, t, scratch, 8, seed=0)
    for draw in (lambda: decision_figure(gates, lessons.INPUTS, lessons.GATES, "gates"),
                 lambda: loss_curves_figure(curves, "delta rule", "mean squared error"),
                 lambda: vanishing_figure(norms, losses, "vanishing")):
        first = draw()
        assert first.startswith(b"\x89PNG") and first == draw()
