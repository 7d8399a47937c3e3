"""k-means against mini-batch k-means on 200,000 synthetic rows, from one run (target: mini-batch >= 3x faster,
its inertia within 3% of k-means').

    python -m benchmarks.cluster_minibatch    (from the repo root, inside .venv)

Both are built by the cluster stage's own `make_clusterer` with the default `cluster.n_init` (10 seeded starts,
the best kept). Both inertias are the same number: the within-cluster sum of squares of each one's labels,
computed on all rows. Each method runs ROUNDS times and keeps its fastest time (the machine is shared).
"""

from __future__ import annotations

import os
import time

from sklearn.datasets import make_blobs
from sklearn.preprocessing import StandardScaler

from benchmarks.common import SEED
from stages.core.clustering import by_size, inertia, make_clusterer

ROWS, FEATURES, CENTRES, N_INIT, ROUNDS = 200_000, 10, 8, 10, 2


def main() -> None:
    X, _ = make_blobs(n_samples=ROWS, n_features=FEATURES, centers=CENTRES, cluster_std=2.0, random_state=SEED)
    X = StandardScaler().fit_transform(X)
    times, inertias = {}, {}
    for method in ("kmeans", "minibatch_kmeans"):
        times[method] = float("inf")
        for _ in range(ROUNDS):
            start = time.perf_counter()
            labels = make_clusterer(method, CENTRES, N_INIT, SEED).fit_predict(X)
            times[method] = min(times[method], time.perf_counter() - start)
        inertias[method] = inertia(X, by_size(labels))
    speed = times["kmeans"] / times["minibatch_kmeans"]
    worse = inertias["minibatch_kmeans"] / inertias["kmeans"] - 1
    print(f"cluster, k={CENTRES}, n_init={N_INIT}: {ROWS} rows x {FEATURES} features (blobs), {os.cpu_count()} CPUs")
    for method in times:
        print(f"  {method:17s} {times[method]:6.2f} s (best of {ROUNDS}), inertia {inertias[method]:.6g}")
    print(f"  mini-batch speed-up: {speed:.1f}x (target >= 3x); inertia ratio {1 + worse:.4f} "
          f"({worse:+.2%}, target within 3%)")


if __name__ == "__main__":
    main()
