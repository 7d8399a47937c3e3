"""Tabular data in: scikit-learn's bundled datasets, checks on a user's table, and its profile."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pandas as pd
from sklearn import datasets

from stages.core.errors import PipelineError, plain

DELIMITERS = ",;\t|"

_LOADERS = {
    "breast_cancer": datasets.load_breast_cancer,
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "digits": datasets.load_digits,  # 8x8 images flattened to 64 pixel columns
    "diabetes": datasets.load_diabetes,  # regression: disease progression a year later, 10 scaled features
}


def load_builtin(name: str, target: str | None, *, section: str) -> pd.DataFrame:
    """One of scikit-learn's bundled datasets (offline) as a table; a class column holds the class names
    (e.g. 'malignant'), not codes, so reports read like the domain; a regression target, its values."""
    bunch = _LOADERS[name](as_frame=True)
    frame = bunch.frame.drop(columns="target")
    if target is None:  # the table without its labels: clustering only
        return frame
    if target in frame.columns:
        raise PipelineError(f"{section}.target = {target!r} clashes with a feature of {name}; pick another name")
    names = getattr(bunch, "target_names", None)
    frame[target] = bunch.target.to_numpy() if names is None else np.asarray(names)[bunch.target.to_numpy()]
    return frame


def check_header(columns: list[str], source: str) -> None:
    """pandas silently renames a repeated column to 'x.1', so repeats are caught on the raw header. Empty names
    (a saved index, trailing delimiters) are not repeats: pandas numbers them and tidy_csv handles them."""
    repeated = sorted(name for name, n in Counter(c for c in columns if c.strip()).items() if n > 1)
    if repeated:
        raise PipelineError(f"{source}: duplicate column names {repeated}; rename or drop the repeats")


def detect_delimiter(sample: str) -> str:
    """The delimiter of the header and first rows; a single-column file gives ','."""
    lines = "\n".join(sample.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def drop_columns(frame: pd.DataFrame, drop: list[str], source: str, *, section: str) -> pd.DataFrame:
    """<section>.drop: columns the user wants ignored (identifiers, free text, leaks)."""
    unknown = [c for c in drop if c not in frame.columns]
    if unknown:
        raise PipelineError(f"{section}.drop names {unknown}, which {source} does not have; its columns: "
                            f"{', '.join(map(str, frame.columns))}")
    return frame.drop(columns=drop)


def tidy_csv(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """What a CSV carries by accident: a saved pandas index, empty columns from trailing commas, and spaces
    around text values (` pos` and `pos` are one class). Returns the table and a note per change."""
    notes = []
    first = frame.columns[0] if len(frame.columns) else None
    if first == "Unnamed: 0" and frame[first].notna().all() and frame[first].is_unique:
        frame = frame.drop(columns=first)
        notes.append("dropped the unnamed first column: a saved row index, not a feature")
    trailing = [c for c in frame.columns if str(c).startswith("Unnamed: ") and frame[c].isna().all()]
    if trailing:
        frame = frame.drop(columns=trailing)
        notes.append(f"dropped {len(trailing)} unnamed, entirely empty column(s) (trailing delimiters)")
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    stripped = {c: frame[c].str.strip() for c in text}
    padded = [c for c in text if not stripped[c].equals(frame[c])]
    if padded:
        frame = frame.assign(**stripped)
        notes.append(f"stripped spaces around the text values of {padded}")
    return frame, notes


def check_table(frame: pd.DataFrame, target: str | None, source: str, *, section: str) -> pd.DataFrame:
    """Validate a table; return it without the rows whose target is missing. A null target: a table without
    labels (for clustering), every column a feature."""
    if frame.empty:
        raise PipelineError(f"{source} has a header but no rows; add data rows")
    if target is None:
        check_empty_columns(frame, source, section)
        check_infinite(frame, source)
        check_identifiers(frame, source, section=section)
        return frame
    if target not in frame.columns:
        glued = next((d for d in ";\t|," if len(frame.columns) == 1 and d in str(frame.columns[0])), None)
        hint = (f"; the header looks {glued!r}-separated: set {section}.sep: {glued!r} (or null to detect it)"
                if glued else f"; set {section}.target to one of: {', '.join(map(str, frame.columns))}")
        raise PipelineError(f"{source} has no target column {target!r}{hint}")
    check_empty_columns(frame, source, section)
    if len(frame.columns) < 2:
        raise PipelineError(f"{source} has only the target column {target!r}; add feature columns")
    features = frame.drop(columns=target)
    check_infinite(features, source)
    check_identifiers(features, source, section=section)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    values = frame[target].unique()
    if len(values) < 2:
        raise PipelineError(f"{source}: target {target!r} has a single value ({plain(values[0])!r}) in every row; "
                            "a model needs at least 2 classes or 2 distinct values to learn from")
    return frame


def check_empty_columns(frame: pd.DataFrame, source: str, section: str) -> None:
    empty = [str(c) for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise PipelineError(f"{source}: column(s) {empty} are entirely empty; drop them from the CSV or "
                            f"list them in {section}.drop")


def check_infinite(features: pd.DataFrame, source: str) -> None:
    numeric = features.select_dtypes("number")
    rows = np.isinf(numeric.to_numpy(dtype=float)).sum(axis=0)
    bad = {str(c): int(n) for c, n in zip(numeric.columns, rows, strict=True) if n}
    if bad:
        column, n = next(iter(bad.items()))
        more = f" (and {len(bad) - 1} more column(s))" if len(bad) > 1 else ""
        raise PipelineError(f"{source}: column {column!r} holds +inf or -inf in {n} row(s){more}; replace them "
                            "with numbers, or empty the cells to treat them as missing")


MIN_ROWS_FOR_IDENTIFIER = 20  # below this, all-distinct text is as likely a small table's categories


def check_identifiers(features: pd.DataFrame, source: str, *, section: str) -> None:
    """A text column with a different value in every row names rows (an ID, a name): one-hot encoding
    it gives the models nothing to learn and every row its own column."""
    for column in features.columns:
        values = features[column].dropna()
        is_text = not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if is_text and len(values) >= MIN_ROWS_FOR_IDENTIFIER and values.is_unique:
            raise PipelineError(f"{source}: column {column!r} looks like an identifier ({len(values)} rows, every "
                                f"value distinct, e.g. {plain(values.iloc[0])!r}); ignore it with {section}.drop: "
                                f"[{column}]")


MAX_INTEGER_CLASSES = 20  # more distinct whole numbers than this (and than 5% of rows): a quantity, not classes


def detect_task(y: pd.Series | None, wanted: str, target: str | None, source: str, *,
                section: str) -> tuple[str | None, str]:
    """<section>.task: classification or regression, and why. `auto` reads the target: text, booleans or a few
    integer codes are classes; fractional numbers, or whole numbers with many distinct values (prices,
    ages), are a quantity. An explicit task that the column cannot serve is a one-line error. No target
    (y None): no task."""
    if y is None:
        if wanted != "auto":
            raise PipelineError(f"{section}.task = {wanted!r} needs a target, but {section}.target is null; name "
                                f"the column to predict in {section}.target, or set {section}.task: auto")
        return None, f"{section}.target: null, a table without labels: only the cluster stage runs"
    known = y.dropna()
    numeric = pd.api.types.is_numeric_dtype(known) and not pd.api.types.is_bool_dtype(known)
    distinct = known.nunique()
    whole = numeric and bool(np.all(np.mod(known, 1) == 0))
    many = distinct > MAX_INTEGER_CLASSES and distinct > len(known) / 20
    if wanted == "regression":
        if not numeric:
            raise PipelineError(f"{section}.task = 'regression' but target {target!r} of {source} holds text (e.g. "
                                f"{plain(known.iloc[0])!r}); use a numeric column, or {section}.task: classification")
        return "regression", f"{section}.task: regression"
    if wanted == "classification":
        if numeric and (not whole or many):
            kind = "continuous values" if not whole else "whole numbers"
            raise PipelineError(f"{source}: target {target!r} has {distinct} distinct {kind} (e.g. "
                                f"{plain(known.iloc[0])}): a quantity, not classes; set {section}.task: regression "
                                "(or auto)")
        return "classification", f"{section}.task: classification"
    if not numeric:
        return "classification", f"auto: {target!r} holds labels ({distinct} classes)"
    if not whole:
        return "regression", f"auto: {target!r} holds fractional numbers ({distinct} distinct values)"
    if many:
        return "regression", f"auto: {target!r} holds {distinct} distinct whole numbers, too many to be classes"
    return "classification", (f"auto: {target!r} holds {distinct} integer codes (at most {MAX_INTEGER_CLASSES}, "
                              f"read as classes; set {section}.task: regression if they are a quantity)")


def numbers_as_text(frame: pd.DataFrame, *, section: str) -> list[str]:
    """Notes for text columns that are nearly all numbers: a missing-value marker pandas did not know."""
    notes = []
    for column in frame.columns:
        values = frame[column].dropna()
        if pd.api.types.is_numeric_dtype(values) or values.empty:
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().mean() >= 0.9:
            odd = sorted(set(values[numeric.isna()].astype(str)))[:3]
            notes.append(f"column {column!r} is numbers except {odd}, so it is treated as text; if those mark "
                         f"missing values, add them to {section}.na_values")
    return notes


def class_balance(y: pd.Series) -> dict[str, int]:
    """Rows per class, classes in sorted order (JSON keys are strings)."""
    return {str(k): int(v) for k, v in y.value_counts().sort_index().items()}


def profile(frame: pd.DataFrame, target: str | None, source: str, dropped_rows: int, notes: list[str] = (),
            task: str | None = "classification", why: str = "") -> dict:
    """What a user wants to know before modelling: size, types, gaps, and the class balance or the target's
    spread (neither without a target)."""
    features = frame.drop(columns=target) if target else frame
    dtypes = Counter(str(t) for t in features.dtypes)
    report = {
        "source": source,
        "rows": len(frame),
        "columns": len(frame.columns),
        "target": target,
        "task": task,
        "task_reason": why,
        "rows_dropped_missing_target": dropped_rows,
        "dtypes": dict(sorted(dtypes.items())),
        "missing": {str(c): int(n) for c, n in features.isna().sum().items()},
    }
    if task == "classification":
        report["class_balance"] = class_balance(frame[target])
    elif task == "regression":
        report["target_summary"] = target_summary(frame[target])
    report["notes"] = list(notes)  # what ingest fixed or suspects (also printed)
    return report


def target_summary(y: pd.Series) -> dict[str, float]:
    """A numeric target's spread: what RMSE and MAE are read against."""
    return {k: float(getattr(y, k)()) for k in ("min", "median", "mean", "std", "max")}
