"""Clustering figures: the four curves people choose k from, and the clusters on a 2-D PCA map."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from stages.core.plots import plt, png

CURVES = (  # column, title, which way is better
    ("inertia", "Elbow: inertia (within-cluster sum of squares)", "lower, but always falls with k: look for the bend"),
    ("silhouette", "Silhouette", "higher is better (auto picks its peak)"),
    ("calinski_harabasz", "Calinski-Harabasz", "higher is better"),
    ("davies_bouldin", "Davies-Bouldin", "lower is better"),
)
MAX_POINTS = 5_000  # a scatter of more rows is a blot: a seeded sample is drawn


def curves_figure(curve, chosen: int, best: int, title: str) -> bytes:
    """The elbow beside the silhouette (and the two other scores), the chosen k marked on each."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    for ax, (column, name, better) in zip(axes.flat, CURVES, strict=True):
        ax.plot(curve["k"], curve[column], marker="o", color="tab:blue")
        ax.axvline(chosen, color="tab:red", linestyle=":", label=f"chosen k={chosen}")
        if best != chosen:
            ax.axvline(best, color="tab:green", linestyle="--", label=f"best silhouette k={best}")
        ax.set(title=f"{name}\n{better}", xlabel="k (clusters)", xticks=list(curve["k"]))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
    fig.suptitle(title)
    return png(fig)


def scatter_figure(X: np.ndarray, labels: np.ndarray, classes, seed: int, title: str) -> bytes:
    """Rows on their first two principal components (of the scaled features), coloured by cluster, each
    cluster's mean marked; with a class column, the same map coloured by class beside it."""
    n_axes = min(2, X.shape[1])
    pca = PCA(n_components=n_axes, random_state=seed).fit(X)
    xy = np.column_stack([pca.transform(X), np.zeros((len(X), 2 - n_axes))])
    means = np.array([xy[labels == c].mean(axis=0) for c in np.unique(labels)])
    shown = np.random.default_rng(seed).permutation(len(X))[:MAX_POINTS]
    panels = 1 if classes is None else 2
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 5.5), layout="constrained", squeeze=False)
    left = axes[0, 0]
    left.scatter(xy[shown, 0], xy[shown, 1], c=labels[shown], cmap="tab10", vmin=0, vmax=9, s=12, alpha=0.7)
    left.scatter(means[:, 0], means[:, 1], marker="X", s=180, c=range(len(means)), cmap="tab10", vmin=0, vmax=9,
                 edgecolors="black", linewidths=1.5)
    for c, (x, y) in enumerate(means):
        left.annotate(f" {c}", (x, y), fontsize=12, fontweight="bold")
    left.set(title=f"{len(means)} clusters (X: each cluster's mean)")
    if classes is not None:
        names = sorted(set(classes))
        codes = np.array([names.index(v) for v in classes])
        right = axes[0, 1]
        palette = plt.cm.Dark2 if len(names) <= 8 else plt.cm.tab20  # other colours than the clusters'
        for i, name in enumerate(names):
            mine = shown[codes[shown] == i]
            right.scatter(xy[mine, 0], xy[mine, 1], s=12, alpha=0.7, color=palette(i % palette.N), label=str(name))
        right.set(title="the same rows by class (not used to cluster)")
        if len(names) <= 20:
            right.legend(loc="best", fontsize=8)
    share = pca.explained_variance_ratio_
    for ax in axes.flat:
        ax.set(xlabel=f"PC1 ({share[0]:.0%} of the variance)",
               ylabel=f"PC2 ({share[1]:.0%} of the variance)" if n_axes == 2 else "(one feature)")
        ax.grid(alpha=0.3)
    fig.suptitle(title + (f" ({MAX_POINTS} of {len(X)} rows drawn)" if len(X) > MAX_POINTS else ""))
    return png(fig)
