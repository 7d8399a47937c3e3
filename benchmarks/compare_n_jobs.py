"""compare_models' cross-validation with n_jobs=2 against n_jobs=1, from one run (target: >= 1.7x).

    make bench    (or: python -m benchmarks.compare_n_jobs from the repo root, inside .venv)

The default comparison: 6 models, 3x10-fold repeated stratified CV, 4 metrics, breast_cancer training split.
Each setting runs ROUNDS times and keeps its fastest time (the machine is shared: the minimum is the
least disturbed run).
"""

from __future__ import annotations

import os
import time

from benchmarks.common import SEED, training_split
from stages.core.tabular.comparison import fold_scores, scorers
from stages.core.tabular.models import build_pipeline, make_estimator
from stages.core.tabular.selection import SelectFeatures
from stages.core.tabular.tasks import TASKS

ROUNDS = 3
MODELS = ["logistic_regression", "knn", "decision_tree", "random_forest", "svm", "hist_gradient_boosting"]
FOLDS = TASKS["classification"].repeated_folds(10, 3, SEED)  # compare_models' default splits


def main() -> None:
    X, y, preprocessor = training_split()
    pipelines = {m: build_pipeline(preprocessor, SelectFeatures(), make_estimator(m, SEED)) for m in MODELS}
    metrics = scorers(["accuracy", "balanced_accuracy", "f1", "roc_auc"], 2)
    times, results = {}, {}
    for n_jobs in (1, 2):
        times[n_jobs] = float("inf")
        for _ in range(ROUNDS):
            start = time.perf_counter()
            results[n_jobs] = fold_scores(pipelines, X, y, metrics, FOLDS, n_jobs=n_jobs)
            times[n_jobs] = min(times[n_jobs], time.perf_counter() - start)
    same = results[1].drop(columns="fit_time").equals(results[2].drop(columns="fit_time"))
    print(f"compare_models, {len(MODELS)} models x 3x10 folds, breast_cancer ({len(y)} rows), {os.cpu_count()} CPUs")
    print(f"  n_jobs=1: {times[1]:6.1f} s (best of {ROUNDS})")
    print(f"  n_jobs=2: {times[2]:6.1f} s (best of {ROUNDS})")
    print(f"  speed-up n_jobs=2 vs n_jobs=1: {times[1] / times[2]:.2f}x (target >= 1.7x); "
          f"fold scores identical: {same}")


if __name__ == "__main__":
    main()
