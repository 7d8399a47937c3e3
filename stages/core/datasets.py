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


def drop_columns(frame: pd.DataFrame, drop: list[str], source: str) -> pd.DataFrame:
    """data.drop: columns the user wants ignored (identifiers, free text, leaks)."""
    unknown = [c for c in drop if c not in frame.columns]
    if unknown:
        raise PipelineError(f"data.drop names {unknown}, which {source} does not have; its columns: "
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


def check_table(frame: pd.DataFrame, target: str, source: str) -> pd.DataFrame:
    """Validate a table for classification; return it without the rows whose class is missing."""
    if frame.empty:
        raise PipelineError(f"{source} has a header but no rows; add data rows")
    if target not in frame.columns:
        glued = next((d for d in ";\t|," if len(frame.columns) == 1 and d in str(frame.columns[0])), None)
        hint = (f"; the header looks {glued!r}-separated: set data.sep: {glued!r} (or null to detect it)"
                if glued else f"; set data.target to one of: {', '.join(map(str, frame.columns))}")
        raise PipelineError(f"{source} has no target column {target!r}{hint}")
    empty = [str(c) for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise PipelineError(f"{source}: column(s) {empty} are entirely empty; drop them from the CSV or "
                            "list them in data.drop")
    if len(frame.columns) < 2:
        raise PipelineError(f"{source} has only the target column {target!r}; add feature columns")
    features = frame.drop(columns=target)
    check_infinite(features, source)
    check_identifiers(features, source)
    check_target(frame[target], target, source)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    classes = frame[target].unique()
    if len(classes) < 2:
        raise PipelineError(
            f"{source}: target {target!r} has a single class ({plain(classes[0])!r}); a classifier needs at least 2"
        )
    return frame


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


def check_identifiers(features: pd.DataFrame, source: str) -> None:
    """A text column with a different value in every row names rows (an ID, a name): one-hot encoding
    it gives the models nothing to learn and every row its own column."""
    for column in features.columns:
        values = features[column].dropna()
        is_text = not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if is_text and len(values) >= MIN_ROWS_FOR_IDENTIFIER and values.is_unique:
            raise PipelineError(f"{source}: column {column!r} looks like an identifier ({len(values)} rows, every "
                                f"value distinct, e.g. {plain(values.iloc[0])!r}); ignore it with data.drop: "
                                f"[{column}]")


MAX_INTEGER_CLASSES = 20  # more distinct whole numbers than this (and than 5% of rows): a quantity, not classes


def check_target(y: pd.Series, target: str, source: str) -> None:
    """This pipeline classifies: a measured quantity as the target would give one class per value."""
    known = y.dropna()
    if not pd.api.types.is_numeric_dtype(known) or pd.api.types.is_bool_dtype(known):
        return
    whole = bool(np.all(np.mod(known, 1) == 0))
    if not whole:
        raise PipelineError(
            f"{source}: target {target!r} holds continuous values ({known.nunique()} distinct); "
            "this pipeline classifies: use a column of class labels"
        )
    distinct = known.nunique()
    if distinct > MAX_INTEGER_CLASSES and distinct > len(known) / 20:
        raise PipelineError(
            f"{source}: target {target!r} has {distinct} distinct whole numbers (e.g. {plain(known.iloc[0])}): it "
            "looks like a regression target; this pipeline classifies: use a column of class labels"
        )


def numbers_as_text(frame: pd.DataFrame) -> list[str]:
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
                         f"missing values, add them to data.na_values")
    return notes


def class_balance(y: pd.Series) -> dict[str, int]:
    """Rows per class, classes in sorted order (JSON keys are strings)."""
    return {str(k): int(v) for k, v in y.value_counts().sort_index().items()}


def profile(frame: pd.DataFrame, target: str, source: str, dropped_rows: int, notes: list[str] = ()) -> dict:
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
        "notes": list(notes),  # what ingest fixed or suspects (also printed)
    }
