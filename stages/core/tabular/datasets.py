"""Tabular data in: scikit-learn's bundled datasets, checks on a user's table, and its profile."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from stages.core.errors import PipelineError, plain
from stages.core.tabular.columns import type_columns
from stages.core.tabular.labels import as_labels, target_rows

_LOADERS = {  # sklearn.datasets' loaders, imported when a built-in table is read (a CSV's path does without them)
    "breast_cancer": "load_breast_cancer",
    "iris": "load_iris",
    "wine": "load_wine",
    "digits": "load_digits",  # 8x8 images flattened to 64 pixel columns
    "diabetes": "load_diabetes",  # regression: disease progression a year later, 10 scaled features
}



def load_builtin(name: str, target: str | None, *, section: str) -> pd.DataFrame:
    """One of scikit-learn's bundled datasets (offline) as a table; a class column holds the class names
    (e.g. 'malignant'), not codes, so reports read like the domain; a regression target, its values."""
    from sklearn import datasets

    bunch = getattr(datasets, _LOADERS[name])(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    if target is None:  # the table without its labels: clustering only
        return frame
    if target in frame.columns:
        raise PipelineError(f"{section}.target = {target!r} clashes with a feature of {name}; pick another name")
    names = getattr(bunch, "target_names", None)
    frame[target] = bunch.target.to_numpy() if names is None else np.asarray(names)[bunch.target.to_numpy()]
    return frame


def drop_columns(frame: pd.DataFrame, drop: list[str], source: str, target: str | None = None, *,
                 section: str) -> pd.DataFrame:
    """<section>.drop: columns the user wants ignored (identifiers, free text, leaks); never the target."""
    if target is not None and target in drop:
        raise PipelineError(f"{section}.drop names the target {target!r}, which the models learn to predict; "
                            f"remove it from {section}.drop, or choose another {section}.target")
    unknown = [c for c in drop if c not in frame.columns]
    if unknown:
        raise PipelineError(f"{section}.drop names {unknown}, which {source} does not have; its columns: "
                            f"{', '.join(map(str, frame.columns))}")
    return frame.drop(columns=drop)


def tidy_csv(frame: pd.DataFrame, keep_rows: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """What a CSV carries by accident: a saved pandas index, empty columns from trailing commas, spaces around
    text values (` pos` and `pos` are one class), empty rows, repeats of the header and a totals row. Returns the
    table and a note per change. `keep_rows` (rows to predict): no row is dropped; a repeated header becomes a row
    of missing values, so every input line keeps its place."""
    notes = []
    names = [c.strip() if isinstance(c, str) else c for c in frame.columns]
    if names != list(frame.columns):  # ' age' and 'age' are one column
        notes.append(f"stripped spaces around the column names {[c for c in frame.columns if c not in names]}")
        frame = frame.set_axis(names, axis=1)
    first = frame.columns[0] if len(frame.columns) else None
    if first == "Unnamed: 0" and frame[first].notna().all() and frame[first].is_unique:
        frame = frame.drop(columns=first)
        notes.append("dropped the unnamed first column: a saved row index, not a feature")
    trailing = [c for c in frame.columns if str(c).startswith("Unnamed: ") and frame[c].isna().all()]
    if trailing:
        frame = frame.drop(columns=trailing)
        notes.append(f"dropped {len(trailing)} unnamed, entirely empty column(s) (trailing delimiters)")
    header = frame.astype("string").apply(lambda col: col.str.strip()).eq(
        pd.Series([str(c).strip() for c in frame.columns], index=frame.columns)).fillna(False).all(axis=1)
    if header.any() and keep_rows:
        lines = [str(i + 2) for i in np.flatnonzero(header.to_numpy())]
        frame = frame.copy()
        frame.loc[header.to_numpy(), :] = np.nan
        notes.append(f"line(s) {', '.join(lines[:5])} repeat the header row: no prediction for them")
    elif header.any():  # files concatenated with their headers: the repeats are no data
        frame = frame[~header.to_numpy()]  # the index stays the file's row order: notes name lines
        notes.append(f"dropped {int(header.sum())} repeat(s) of the header row inside the file")
    empty = frame.isna().all(axis=1)
    if empty.any() and not keep_rows and len(frame.columns):
        frame = frame[~empty.to_numpy()]
        notes.append(f"dropped {int(empty.sum())} empty row(s) (every cell blank)")
    if not keep_rows:
        frame, totals = _without_totals(frame)
        notes += totals
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    stripped = {c: frame[c].str.strip() for c in text}
    padded = [c for c in text if not stripped[c].equals(frame[c])]
    if padded:
        frame = frame.assign(**stripped)
        notes.append(f"stripped spaces around the text values of {padded}")
    return frame, notes


TOTALS = {"total", "totals", "grand total", "sum", "합계", "총계", "총합", "소계", "계"}


def _without_totals(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A spreadsheet's totals row(s) at the bottom (`Total`, `합계`) are sums of the rows, not a row: dropped."""
    text = frame.tail(3).astype("string").apply(lambda col: col.str.strip().str.casefold())
    total = text.isin(TOTALS).any(axis=1).fillna(False).astype(bool)
    last = total[total].index
    if not len(last) or last.max() != frame.index[-1]:  # only at the end, where a spreadsheet puts them
        return frame, []
    shown = [str(v) for v in frame.loc[last].astype("string").stack().tolist() if str(v).strip().casefold() in TOTALS]
    return frame.drop(index=last), [
        f"dropped {len(last)} totals row(s) at the end ({', '.join(dict.fromkeys(shown))}): a sum of the rows, not "
        "a row"]


def drop_duplicates(frame: pd.DataFrame, duplicates: str, *, key: str) -> tuple[pd.DataFrame, list[str]]:
    """Exact duplicate rows: a row and its copy on both sides of the split score the model on a row it learned.
    <key>: drop (the default, with a note) or keep (with a note that the test score is optimistic)."""
    twins = frame.duplicated()
    if not twins.any():
        return frame, []
    n = int(twins.sum())
    if duplicates == "keep":
        return frame, [f"{n} row(s) repeat an earlier row exactly and are kept ({key}: keep): copies can land in "
                       "both training and test rows, so the CV and test scores are optimistic"]
    return frame[~twins.to_numpy()], [
        f"dropped {n} row(s) that repeat an earlier row exactly, so that no row is both learned and tested "
        f"({key}: keep to keep them)"]


def check_table(frame: pd.DataFrame, target: str | None, source: str, *, section: str) -> pd.DataFrame:
    """Validate a table; return it without the rows whose target is missing. A null target: a table without
    labels (for clustering), every column a feature."""
    if frame.empty:
        raise PipelineError(f"{source} has a header but no rows; add data rows")
    if target is None:
        check_infinite(frame, source)
        return frame
    if target not in frame.columns:
        glued = next((d for d in ";\t|," if len(frame.columns) == 1 and d in str(frame.columns[0])), None)
        hint = (f"; the header looks {glued!r}-separated: set {section}.sep: {glued!r} (or null to detect it)"
                if glued else f"; set {section}.target to one of: {', '.join(map(str, frame.columns))}")
        raise PipelineError(f"{source} has no target column {target!r}{hint}")
    if len(frame.columns) < 2:
        raise PipelineError(f"{source} has only the target column {target!r}; add feature columns")
    features = frame.drop(columns=target)
    check_infinite(features, source)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    values = frame[target].unique()
    if len(values) < 2:
        raise PipelineError(f"{source}: target {target!r} has a single value ({plain(values[0])!r}) in every row; "
                            "a model needs at least 2 classes or 2 distinct values to learn from")
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
        if numeric.notna().all():  # codes kept as text on purpose (leading zeros): nothing to suspect
            continue
        if numeric.notna().mean() >= 0.9:
            odd = sorted(set(values[numeric.isna()].astype(str)))[:3]
            notes.append(f"column {column!r} is numbers except {odd}, so it is treated as text; if those mark "
                         f"missing values, add them to {section}.na_values")
    return notes


def class_balance(y: pd.Series) -> dict[str, int]:
    """Rows per class, classes in sorted order (JSON keys are strings)."""
    return {str(k): int(v) for k, v in y.value_counts().sort_index().items()}


def profile(frame: pd.DataFrame, target: str | None, source: str, dropped_rows: int, notes: list[str] = (),
            detected: tuple[str | None, str] = ("classification", ""), kinds: dict[str, str] | None = None) -> dict:
    """What a user wants to know before modelling: size, types, gaps, and the class balance or the target's
    spread (neither without a target). `detected`: (task, why), as detect_task decides them."""
    task, why = detected
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
    if kinds is not None:
        report["kinds"] = kinds  # every column's kind (stages/core/tabular/columns.py), dropped ones included
    if task == "classification":
        report["class_balance"] = class_balance(frame[target])
    elif task == "regression":
        report["target_summary"] = target_summary(frame[target])
    report["notes"] = list(notes)  # what ingest fixed or suspects (also printed)
    return report


def target_summary(y: pd.Series) -> dict[str, float]:
    """A numeric target's spread: what RMSE and MAE are read against."""
    return {k: float(getattr(y, k)()) for k in ("min", "median", "mean", "std", "max")}


def labelled_rows(frame: pd.DataFrame, data, source: str, decimal: str, duplicates: str | None, *,
                  section: str) -> tuple[pd.DataFrame, dict, list[str], int]:
    """A read table's rows and kinds, in the order that keeps typing honest: the target read (`target_rows`), exact
    copies dropped (`duplicates`: drop | keep; None for a bundled or unlabelled table), every column typed once on
    the rows that remain, then a class target's labels (`as_labels`). `data`: the validated `<section>` of
    params.yaml (target, task, kinds, thousands, decimal, case_sensitive_classes, merge_classes); `decimal`: the
    mark the file was read with. Returns (table, {column: Typed}, notes, rows without a target)."""
    target, task, kinds, thousands = data.target, data.task, data.kinds, data.thousands
    fixed = data.decimal != "auto"
    notes, unlabelled = [], 0
    if target is not None:
        y, keep, notes = target_rows(frame[target], target, decimal, thousands, fixed)
        frame, unlabelled = frame.assign(**{target: y})[keep.to_numpy()], int((~keep).sum())
    if duplicates is not None:  # a row and its copy must not straddle the split
        frame, said = drop_duplicates(frame, duplicates, key=f"{section}.duplicates")
        notes += said
    frame, typed, said = type_columns(frame, target, kinds, decimal, thousands, fixed=fixed, section=section)
    notes += said
    if target is not None and not frame.empty and detect_task(frame[target], task, target, source,
                                                              section=section)[0] == "classification":
        y, said = as_labels(frame[target], data.case_sensitive_classes, data.merge_classes, section=section)
        frame, notes = frame.assign(**{target: y}), notes + said
    return frame, typed, notes, unlabelled
