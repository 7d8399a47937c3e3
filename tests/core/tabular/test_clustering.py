"""Clustering's plan (stages/core/tabular/clustering.py): the k range fitted once and reused for the chosen k."""


import numpy as np

from stages.core.tabular.clustering import Plan, fit_range, without_text


def test_clustering_fits_the_range_and_uses_its_fit_for_the_chosen_k():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (20, 2))])
    steps = []
    found = fit_range(X, "kmeans", Plan([2, 3], None), 3, 0, lambda: steps.append(1), key="cluster.method")
    assert (found.k, found.best, len(steps)) == (2, 2, 2) and len(found.curve) == 2
    assert found.curve["silhouette"].iloc[0] > 0.9
    outside = fit_range(X, "kmeans", Plan([2, 3], 4), 3, 0, lambda: steps.append(1), key="cluster.method")
    assert outside.k == 4 and len(set(outside.labels)) == 4 and len(steps) == 5  # one more fit
    groups, note = without_text({"number": ["a"], "text": ["comment"]})
    assert groups["text"] == [] and "left out the many-valued text column(s) ['comment']" in note
    assert without_text({"number": ["a"], "text": []})[1] == ""
