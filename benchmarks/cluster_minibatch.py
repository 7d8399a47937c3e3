"""k-means against mini-batch k-means on 200,000 synthetic rows, from one run (target: mini-batch >= 3x faster,
its inertia within 3% of k-means').

    python -m benchmarks.cluster_minibatch    (from the repo root, inside .venv)

Both are built by the cluster stage's own `make_clusterer` with the default `cluster.n_init` (10 seeded starts;
k-means runs all ten to the end, mini-batch k-means scores them on a 3,072-row sample and runs the best). Three
blob tables, from well separated to overlapping, because the answer depends on the data: the inertia compared is
one number for both, the within-cluster sum of squares of each one's labels on all rows.
"""

from __future__ import annotations

import os
import time

from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from benchmarks.common import SEED
from stages.core.tabular.clustering import inertia, make_clusterer

ROWS, N_INIT = 200_000, 10
TABLES = [(10, 8, 2.0), (20, 10, 3.0), (10, 8, 4.0), (10, 8, 6.0)]  # features, centres (= k), spread of each blob


def timed(method: str, X, k: int) -> tuple[float, float]:
    start = time.perf_counter()
    labels = make_clusterer(method, k, N_INIT, SEED).fit_predict(X)
    return time.perf_counter() - start, inertia(X, labels)


def main() -> None:
    print(f"k-means vs mini-batch k-means, n_init={N_INIT}, {ROWS} rows of scaled blobs, {os.cpu_count()} CPUs")
    speeds, ratios = [], []
    for features, k, spread in TABLES:
        X, _ = make_blobs(n_samples=ROWS, n_features=features, centers=k, cluster_std=spread, random_state=SEED)
        X = StandardScaler().fit_transform(X)
        (full, full_inertia), (mini, mini_inertia) = timed("kmeans", X, k), timed("minibatch_kmeans", X, k)
        speeds.append(full / mini)
        ratios.append(mini_inertia / full_inertia)
        print(f"  {features} features, k={k}, blob std {spread}: k-means {full:5.2f} s, mini-batch {mini:5.2f} s "
              f"-> {speeds[-1]:.1f}x faster, inertia ratio {ratios[-1]:.4f}")
    print(f"  mini-batch speed-up {min(speeds):.1f}x to {max(speeds):.1f}x (target >= 3x); inertia "
          f"{min(ratios) - 1:+.2%} to {max(ratios) - 1:+.2%} (target within 3%)")


if __name__ == "__main__":
    main()
