"""Clustering: groups of rows found without labels, on preprocessed (scaled) features.

k-means and friends, the curves people choose k from (the elbow and the silhouette), centres back in the
original units, agreement with a class column when the table has one, and a bootstrap stability score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)

from stages.core.errors import PipelineError, plain
from stages.core.tabular.names import CLUSTER_METHODS

SILHOUETTE_SAMPLE = 10_000  # silhouette is O(rows²): above this, scored on a seeded sample of rows
AGGLOMERATIVE_MAX_ROWS = 20_000  # ward keeps rows²/2 distances: 20,000 rows take 1.6 GB

METHODS = CLUSTER_METHODS  # make_clusterer builds them


def make_clusterer(method: str, k: int, n_init: int, seed: int):
    # imported here: sklearn.cluster costs the start-up of every stage that imports this module
    from sklearn.cluster import AgglomerativeClustering, KMeans, MiniBatchKMeans
    from sklearn.mixture import GaussianMixture

    if method == "kmeans":
        return KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed)
    if method == "minibatch_kmeans":  # updates the centres from batches of 1,024 rows: for large tables
        return MiniBatchKMeans(n_clusters=k, n_init=n_init, random_state=seed)
    if method == "agglomerative":  # ward: each merge adds the least within-cluster variance
        return AgglomerativeClustering(n_clusters=k, linkage="ward")
    return GaussianMixture(n_components=k, n_init=n_init, random_state=seed)


def by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters by size, largest first (ties: the first seen), so cluster 0 is the largest group
    whatever numbers the method happened to give."""
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    renumber = np.empty(ids.max() + 1, dtype=int)
    renumber[ids[order]] = np.arange(len(ids))
    return renumber[labels]


def cluster_rows(X: np.ndarray, method: str, k: int, n_init: int, seed: int, *, key: str) -> np.ndarray:
    """Each row's cluster, 0 the largest; `key` sets the method."""
    labels = by_size(make_clusterer(method, k, n_init, seed).fit_predict(X))
    if len(np.unique(labels)) < 2:  # a mixture can leave components empty
        raise PipelineError(f"{key} = {method!r} put every row in one cluster at k={k}; "
                            "try kmeans, or scale the features (preprocess.scale)")
    return labels


def inertia(X: np.ndarray, labels: np.ndarray) -> float:
    """Within-cluster sum of squared distances to each cluster's mean: k-means' objective (the elbow), scored
    the same way for every method."""
    return float(sum(((X[labels == c] - X[labels == c].mean(axis=0)) ** 2).sum() for c in np.unique(labels)))


def scores(X: np.ndarray, labels: np.ndarray, seed: int) -> dict[str, float]:
    """Inertia (lower is tighter, but always falls with k), silhouette (-1..1, higher: rows nearer their own
    cluster than the next), Calinski-Harabasz (higher: better separated), Davies-Bouldin (lower: better)."""
    sample = SILHOUETTE_SAMPLE if len(X) > SILHOUETTE_SAMPLE else None
    return {
        "inertia": inertia(X, labels),
        "silhouette": float(silhouette_score(X, labels, sample_size=sample, random_state=seed)),
        "calinski_harabasz": float(calinski_harabasz_score(X, labels)),
        "davies_bouldin": float(davies_bouldin_score(X, labels)),
    }


def best_silhouette(curve: pd.DataFrame) -> int:
    """`cluster.k: auto`: the k whose rows sit most clearly in their own cluster (ties: the smaller k). The
    elbow is not used: inertia always falls as k grows, and where it bends is a judgement, not a number."""
    return int(curve.loc[curve["silhouette"].idxmax(), "k"])


def stability(X: np.ndarray, labels: np.ndarray, k: int, cluster, seed: int, step=lambda: None) -> tuple[float, float]:
    """Mean and std of the adjusted Rand index between the chosen clustering (k groups) and the same method
    refitted on bootstrap resamples (each with its own seed), compared on the resampled rows. Near 1: the groups
    are in the data; near 0: an accident of the seed and the sample. `cluster`: the validated cluster section of
    params.yaml (method, n_init, bootstrap: the resamples)."""
    method, n_init, resamples = cluster.method, cluster.n_init, cluster.bootstrap
    rng = np.random.default_rng(seed)
    agreements = []
    for b in range(resamples):
        rows = rng.integers(0, len(X), len(X))
        again = make_clusterer(method, k, n_init, seed + 1 + b).fit_predict(X[rows])
        agreements.append(adjusted_rand_score(labels[rows], again))
        step()
    return float(np.mean(agreements)), float(np.std(agreements))


def agreement(classes: pd.Series, labels: np.ndarray) -> dict[str, float]:
    """How far the clusters match a class column: 1 is the same partition, 0 what chance gives."""
    return {"adjusted_rand": float(adjusted_rand_score(classes, labels)),
            "normalized_mutual_info": float(normalized_mutual_info_score(classes, labels))}


def sizes(labels: np.ndarray, target: pd.Series | None, task: str | None) -> pd.DataFrame:
    """Rows per cluster and their share; with a class column, the cluster x class counts (the contingency
    table); with a quantity, its mean per cluster."""
    table = pd.DataFrame({"cluster": labels}).value_counts("cluster").sort_index().rename("rows").reset_index()
    table["share"] = table["rows"] / len(labels)
    if task == "classification":
        counts = pd.crosstab(labels, target.astype(str)).reindex(table["cluster"], fill_value=0)
        table = table.join(counts.reset_index(drop=True))
    elif task == "regression":
        table[f"mean {target.name}"] = target.groupby(labels).mean().reindex(table["cluster"]).to_numpy()
    return table


def centres(preprocessor, X: pd.DataFrame, labels: np.ndarray, numeric: list[str]) -> pd.DataFrame:
    """Each cluster's average row in the original units: the mean of the encoded features per cluster, with
    the scaling undone (scalers are linear, so this is the mean of the imputed values). One-hot columns read
    as the share of the cluster's rows in that category."""
    means = X.groupby(labels).mean()
    scale = preprocessor.named_transformers_["numeric"].named_steps["scale"]
    if numeric and scale != "passthrough":
        means[numeric] = scale.inverse_transform(means[numeric].to_numpy())
    readable = means.map(lambda v: float(f"{v:.4g}"))  # 4 significant digits: a table to read, not to compute on
    return readable.rename_axis("cluster").reset_index()


class Plan(NamedTuple):
    ks: list[int]  # the curves' k
    k: int | None  # None: auto, the best silhouette over ks


def check_plan(k: int | str, k_range: list[int], method: str, X: pd.DataFrame, *, section: str) -> Plan:
    """Every k must leave a cluster with two rows (silhouette) and be no more than the distinct rows."""
    n, distinct = len(X), len(X.drop_duplicates())
    ks = list(range(k_range[0], k_range[1] + 1))
    wanted = [(f"{section}.k_range", k_range[1], f"[{k_range[0]}, {min(k_range[1], n - 1)}]")]
    if k != "auto":
        wanted.insert(0, (f"{section}.k", k, str(min(k, n - 1))))
    for key, most, fix in wanted:
        if most > n - 1:
            what = "components" if method == "gaussian_mixture" else "clusters"
            raise PipelineError(f"{key} asks for {most} {what} of {n} rows; {method} needs fewer {what} than rows "
                                f"(at most {n - 1}): set {key}: {fix}")
        if most > distinct:
            raise PipelineError(f"{key} asks for {most} clusters, but the table has only {distinct} distinct rows "
                                f"(after preprocessing), so at most {distinct} groups can differ; lower {key}")
    if method == "agglomerative" and n > AGGLOMERATIVE_MAX_ROWS:
        raise PipelineError(f"{section}.method = 'agglomerative' keeps a distance for every pair of rows, too many "
                            f"for {n} rows (limit {AGGLOMERATIVE_MAX_ROWS}); use kmeans or minibatch_kmeans")
    return Plan(ks, None if k == "auto" else k)


def check_variation(features: pd.DataFrame, source: str) -> None:
    """Clustering needs at least one feature whose values differ between rows."""
    constant = [c for c in features.columns if features[c].nunique() <= 1]
    if len(constant) == len(features.columns):
        column = constant[0]
        value = features[column].dropna()
        said = f"holds {plain(value.iloc[0])!r} in every row" if len(value) else "is empty"
        more = f" (and so do {len(constant) - 1} other column(s))" if len(constant) > 1 else ""
        raise PipelineError(f"{source}: column {column!r} {said}{more}: no feature varies, so every row is alike "
                            "and there is nothing to cluster; add columns that vary")


@dataclass
class Found:
    curve: pd.DataFrame  # one row per k of the range: silhouette, inertia, ...
    best: int  # the k of the best silhouette
    k: int  # the chosen k: as asked, or the best
    labels: np.ndarray  # each row's cluster at k
    scores: dict  # the scores at k


def fit_range(X: np.ndarray, method: str, plan: Plan, n_init: int, seed: int, step: Callable[[], None], *,
              key: str) -> Found:
    """Every k of the plan fitted and scored (the elbow and silhouette curve), then the chosen k's clusters:
    the fit of the curve when k is in the range, else one more fit. Nothing printed per k: curves.png shows them.
    `key` sets the method."""
    rows, labels_at = [], {}
    for k in plan.ks:
        labels_at[k] = cluster_rows(X, method, k, n_init, seed, key=key)
        rows.append({"k": k, **scores(X, labels_at[k], seed)})
        step()
    curve = pd.DataFrame(rows)
    best = best_silhouette(curve)
    k = plan.k or best
    if k in labels_at:  # fitted and scored for the curve already
        return Found(curve, best, k, labels_at[k], {n: v for n, v in rows[plan.ks.index(k)].items() if n != "k"})
    labels = cluster_rows(X, method, k, n_init, seed, key=key)
    step()
    return Found(curve, best, k, labels, scores(X, labels, seed))


def without_text(groups: dict[str, list[str]]) -> tuple[dict[str, list[str]], str]:
    """Many-valued text columns are target-encoded, which needs labels: clustering leaves them out, and says so."""
    if not groups["text"]:
        return groups, ""
    return {**groups, "text": []}, (f"left out the many-valued text column(s) {groups['text']}: without labels "
                                    "they have no encoding that measures distance")
