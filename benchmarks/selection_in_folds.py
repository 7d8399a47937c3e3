"""What refitting the feature selection inside every CV fold costs compare_models, from one run.

    make bench    (or: python -m benchmarks.selection_in_folds from the repo root, inside .venv)

compare_models' default comparison (6 models, 3x10-fold CV, 4 metrics, breast_cancer training split) with
no selection, with chi2 (k=20) and with RFE (k=20, logistic regression) refitted in each fold. Each setting
runs ROUNDS times and keeps its fastest time. No target: the honest score is worth its price; this says
what the price is.
"""

from __future__ import annotations

import time

from sklearn.linear_model import LogisticRegression

from benchmarks.common import SEED, training_split
from stages.core.tabular.comparison import fold_scores, scorers
from stages.core.tabular.models import build_pipeline, make_estimator
from stages.core.tabular.selection import Method, SelectFeatures
from stages.core.tabular.tasks import TASKS

ROUNDS = 2
MODELS = ["logistic_regression", "knn", "decision_tree", "random_forest", "svm", "hist_gradient_boosting"]
SELECTIONS = {
    "none": SelectFeatures(),
    "chi2": SelectFeatures(Method("chi2", None), k=20),
    "rfe": SelectFeatures(Method("rfe", LogisticRegression(max_iter=5000, random_state=SEED)), k=20),
}
FOLDS = TASKS["classification"].repeated_folds(10, 3, SEED)  # compare_models' default splits


def main() -> None:
    X, y, preprocessor = training_split()
    metrics = scorers(["accuracy", "balanced_accuracy", "f1", "roc_auc"], 2, positive=0)
    times, accuracy = {}, {}
    for name, selector in SELECTIONS.items():
        pipelines = {m: build_pipeline(preprocessor, selector, make_estimator(m, SEED)) for m in MODELS}
        times[name] = float("inf")
        for _ in range(ROUNDS):
            start = time.perf_counter()
            scores = fold_scores(pipelines, X, y, metrics, FOLDS, n_jobs=2)
            times[name] = min(times[name], time.perf_counter() - start)
        accuracy[name] = scores.groupby("model")["accuracy"].mean().max()
    print(f"compare_models, {len(MODELS)} models x 3x10 folds, breast_cancer ({len(y)} rows), n_jobs=2")
    for name in SELECTIONS:
        print(f"  selection {name:5s} in each fold: {times[name]:6.1f} s (best of {ROUNDS}), "
              f"{times[name] / times['none']:.2f}x the time without; winner's CV accuracy {accuracy[name]:.4f}")


if __name__ == "__main__":
    main()
