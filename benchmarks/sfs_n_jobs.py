"""SFS wall time with n_jobs=1 against n_jobs=2, from one run, on breast_cancer's training split.

    make bench    (or: python -m benchmarks.sfs_n_jobs from the repo root, inside .venv)

The same search as `select_features` with method sfs: forward, the whole path 1..30 features,
logistic regression, 5-fold inner CV. mlxtend scores the candidate subsets of each step in parallel.
"""

from __future__ import annotations

import os
import time

from mlxtend.feature_selection import SequentialFeatureSelector
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from stages.core.tabular.models import make_estimator


def timed_sfs(X, y, n_jobs: int) -> tuple[float, tuple]:
    sfs = SequentialFeatureSelector(
        make_estimator("logistic_regression", 42), k_features=(1, X.shape[1]), forward=True,
        cv=StratifiedKFold(5, shuffle=True, random_state=42), n_jobs=n_jobs,
    )
    start = time.perf_counter()
    sfs.fit(X, y)
    return time.perf_counter() - start, sfs.subsets_[5]["feature_idx"]


def main() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
    X_train = StandardScaler().fit_transform(X_train)
    serial, subset1 = timed_sfs(X_train, y_train, n_jobs=1)
    parallel, subset2 = timed_sfs(X_train, y_train, n_jobs=2)
    assert subset1 == subset2, "n_jobs must not change the selection"
    print(f"SFS forward 1..30 features, breast_cancer train split ({len(y_train)} rows), {os.cpu_count()} CPUs")
    print(f"  n_jobs=1: {serial:6.1f} s")
    print(f"  n_jobs=2: {parallel:6.1f} s")
    print(f"  speed-up n_jobs=2 vs n_jobs=1: {serial / parallel:.2f}x (same subsets)")


if __name__ == "__main__":
    main()
