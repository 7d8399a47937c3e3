"""Tabular data in: scikit-learn's bundled datasets, checks on a user's table, and its profile."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from sklearn import datasets

from stages.core.errors import PipelineError

_LOADERS = {
    "breast_cancer": datasets.load_breast_cancer,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "digits": datasets.load_digits,  # 8x8 images flattened to 64 pixel columns
}


def load_builtin(name: str, target: str) -> pd.DataFrame:
    """One of scikit-learn's bundled datasets (offline) as a table; the class column holds the
    class names (e.g. 'malignant'), not codes, so reports read like the domain."""
    bunch = _LOADERS[name](as_frame=True)
    frame = bunch.frame.drop(columns="target")
    if target in frame.columns:
        raise PipelineError(f"data.target = {target!r} clashes with a feature of {name}; pick another name")
    frame[target] = np.asarray(bunch.target_names)[bunch.target.to_numpy()]
    return frame


def check_header(columns: list[str], source: str) -> None:
    """pandas silently renames a repeated column to 'x.1', so repeats are caught on the raw header."""
    repeated = sorted(name for name, n in Counter(columns).items() if n > 1)
    if repeated:
        raise PipelineError(f"{source}: duplicate column names {repeated}; rename or drop the repeats")


def check_table(frame: pd.DataFrame, target: str, source: str) -> pd.DataFrame:
    """Validate a table for classification; return it without the rows whose class is missing."""
    if frame.empty:
        raise PipelineError(f"{source} has a header but no rows; add data rows")
    if target not in frame.columns:
        raise PipelineError(
            f"{source} has no target column {target!r}; set data.target to one of: {', '.join(map(str, frame.columns))}"
        )
    empty = [str(c) for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise PipelineError(f"{source}: column(s) {empty} are entirely empty; drop them from the CSV")
    if len(frame.columns) < 2:
        raise PipelineError(f"{source} has only the target column {target!r}; add feature columns")
    y = frame[target]
    if pd.api.types.is_float_dtype(y) and not np.all(np.mod(y.dropna(), 1) == 0):
        raise PipelineError(
            f"{source}: target {target!r} holds continuous values ({y.nunique()} distinct); "
            "this pipeline classifies: use a column of class labels"
        )
    frame = frame[y.notna()].reset_index(drop=True)
    classes = frame[target].unique()
    if len(classes) < 2:
        raise PipelineError(
            f"{source}: target {target!r} has a single class ({classes[0]!r}); a classifier needs at least 2"
        )
    return frame


def class_balance(y: pd.Series) -> dict[str, int]:
    """Rows per class, classes in sorted order (JSON keys are strings)."""
    return {str(k): int(v) for k, v in y.value_counts().sort_index().items()}


def profile(frame: pd.DataFrame, target: str, source: str, dropped_rows: int) -> dict:
    """What a user wants to know before modelling: size, types, gaps, and class balance."""
    features = frame.drop(columns=target)
    dtypes = Counter(str(t) for t in features.dtypes)
    return {
        "source": source,
        "rows": len(frame),
        "columns": len(frame.columns),
        "target": target,
        "rows_dropped_missing_target": dropped_rows,
        "dtypes": dict(sorted(dtypes.items())),
        "missing": {str(c): int(n) for c, n in features.isna().sum().items()},
        "class_balance": class_balance(frame[target]),
    }
