"""Clustering's figures (stages/core/tabular/cluster_plots.py): the four scores per k, and a scatter that
samples large tables."""

import numpy as np
import pandas as pd

from stages.core.tabular.cluster_plots import MAX_POINTS, curves_figure, scatter_figure


def test_curves_and_a_large_scatter_are_drawn_the_same_way_twice():
    curve = pd.DataFrame({"k": [2, 3, 4], "inertia": [90.0, 50.0, 45.0], "silhouette": [0.5, 0.6, 0.4],
                          "calinski_harabasz": [100.0, 150.0, 120.0], "davies_bouldin": [0.9, 0.6, 0.8]})
    assert curves_figure(curve, 3, 3, "k") == curves_figure(curve, 3, 3, "k")
    assert curves_figure(curve, 4, 3, "k") != curves_figure(curve, 3, 3, "k")  # the chosen k is marked
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(MAX_POINTS * 2, 3)), rng.integers(0, 2, MAX_POINTS * 2)
    scatter = scatter_figure(X, labels, np.array(["x", "y"])[labels], 0, "scatter")
    assert scatter.startswith(b"\x89PNG") and scatter == scatter_figure(X, labels, np.array(["x", "y"])[labels], 0,
                                                                         "scatter")
