"""Random and successive-halving search against exhaustive grid search on one fixed grid, from one run.

    make bench    (or: python -m benchmarks.search_strategies from the repo root, inside .venv)

Target: >= 99.5% of the grid's best CV score in <= 25% of its time. Every best candidate is re-scored
on the same 5 folds with all training rows (as `tune` does), so the scores compare like for like.
"""

from __future__ import annotations

import time

from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_score

from benchmarks.common import SEED, training_split
from stages.core.tabular.models import build_pipeline, make_estimator
from stages.core.tabular.selection import SelectFeatures
from stages.core.tabular.tuning import Search, make_search

GRID = {  # 3 x 3 x 2 x 3 = 54 candidates
    "model__n_estimators": [50, 100, 200],
    "model__max_depth": [None, 5, 10],
    "model__max_features": ["sqrt", "log2"],
    "model__min_samples_leaf": [1, 2, 4],
}
N_ITER = 10


def main() -> None:
    for dataset in ("breast_cancer", "digits"):
        compare_searches(dataset)


def compare_searches(dataset: str) -> None:
    X, y, preprocessor = training_split(dataset)
    pipeline = build_pipeline(preprocessor, SelectFeatures(), make_estimator("random_forest", SEED))
    cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
    rows = {}
    for search in ("grid", "random", "halving"):
        start = time.perf_counter()
        found = make_search(Search(search, GRID, cv, "accuracy", N_ITER, 2, SEED), pipeline).fit(X, y)
        elapsed = time.perf_counter() - start
        best = cross_val_score(clone(pipeline).set_params(**found.best_params_), X, y, cv=cv, n_jobs=2).mean()
        rows[search] = (elapsed, best, len(found.cv_results_["params"]))
    grid_time, grid_best, _ = rows["grid"]
    print(f"{dataset}: random forest, {len(y)} rows, 5-fold accuracy, grid of 54 candidates (random: {N_ITER} draws)")
    for search, (elapsed, best, fits) in rows.items():
        print(f"  {search:8s} {fits:3d} candidates {elapsed:6.1f} s  best CV {best:.4f}  "
              f"time {elapsed / grid_time:6.1%} of grid  score {best / grid_best:7.2%} of grid")
    print("  target: >= 99.5% of the grid's score in <= 25% of its time\n")


if __name__ == "__main__":
    main()
