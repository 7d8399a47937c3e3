"""compare_models' fits on a Dask LocalCluster of 2 workers against n_jobs=1, and against loky with n_jobs=2,
from one run each (targets: >= 1.6x and >= 0.85x: the engine's overhead is small).

    make bench    (or: python -m benchmarks.compare_dask from the repo root, inside .venv, with `make dask`)

A synthetic task where fits dominate: 20,000 rows x 50 features, 6 models, 5-fold CV, the stage's own
fold_scores. Dask's time includes starting the cluster, as in the stage; the fits-only time is printed too.
About 14 minutes on 2 cores (the n_jobs=1 run alone is 7).
"""

from __future__ import annotations

import logging
import os
import time

import pandas as pd
from joblib import parallel_config
from sklearn.datasets import make_classification

from benchmarks.common import SEED
from stages.core.tabular.comparison import fold_scores, scorers
from stages.core.tabular.models import build_pipeline, make_estimator
from stages.core.tabular.preprocessing import build_preprocessor
from stages.core.tabular.selection import SelectFeatures
from stages.core.tabular.tasks import TASKS

ROWS, FEATURES, FOLDS = 20_000, 50, 5
MODELS = ["logistic_regression", "knn", "decision_tree", "random_forest", "svm", "hist_gradient_boosting"]


def main() -> None:
    from dask.distributed import Client, LocalCluster

    X, y = make_classification(ROWS, FEATURES, n_informative=15, n_redundant=10, flip_y=0.05, random_state=SEED)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(FEATURES)])
    preprocessor = build_preprocessor({"number": list(X.columns), "category": []}, "standard", "median", 20)
    pipelines = {m: build_pipeline(preprocessor, SelectFeatures(), make_estimator(m, SEED)) for m in MODELS}
    metrics = scorers(["accuracy", "roc_auc"], 2)
    cv = TASKS["classification"].repeated_folds(FOLDS, 1, SEED)

    def timed(n_jobs: int) -> tuple[float, pd.DataFrame]:
        start = time.perf_counter()
        scores = fold_scores(pipelines, X, y, metrics, cv, n_jobs)
        return time.perf_counter() - start, scores.drop(columns="fit_time")

    serial, reference = timed(1)
    loky, by_loky = timed(2)
    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster), parallel_config(backend="dask"):
        fits, by_dask = timed(2)
    dask = time.perf_counter() - start
    same = reference.equals(by_loky) and reference.equals(by_dask)
    print(f"compare_models' fits, {len(MODELS)} models x {FOLDS}-fold, synthetic {ROWS} x {FEATURES}, "
          f"{os.cpu_count()} CPUs, one run each")
    print(f"  n_jobs=1:                    {serial:6.1f} s")
    print(f"  loky, n_jobs=2:              {loky:6.1f} s")
    print(f"  Dask LocalCluster, 2 workers: {dask:6.1f} s ({fits:.1f} s of fitting, "
          f"{dask - fits:.1f} s cluster start/stop)")
    print(f"  Dask vs n_jobs=1: {serial / dask:.2f}x (target >= 1.6x); Dask vs loky: {loky / dask:.2f}x "
          f"(target >= 0.85x); fold scores identical: {same}")


if __name__ == "__main__":
    main()
