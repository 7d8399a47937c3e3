"""New rows for the tabular model: read like ingest reads the training CSV, then checked against the
training schema, so a prediction never rests on a silently misread value."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from stages.core.datasets import detect_delimiter, tidy_csv
from stages.core.errors import plain


class BadInput(ValueError):
    """Input the user can fix; the message says what is wrong and how (HTTP 400, exit code 2)."""


def read_rows(data: bytes, where: str, na_values: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """A CSV's rows (UTF-8, a byte-order mark allowed) with the delimiter detected, `na_values` read as missing,
    and what a CSV carries by accident (a saved index, trailing delimiters, padded labels) tidied as ingest
    does; plus notes."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{where}: not UTF-8 text; re-save it as a UTF-8 CSV") from None
    if not text.strip():
        raise BadInput(f"{where} is empty; it needs a header row and data rows")
    sep = detect_delimiter(text[:64 * 1024])
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, na_values=na_values, keep_default_na=True)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise BadInput(f"{where} is not a readable CSV with delimiter {sep!r}: {' '.join(str(exc).split())}") from None
    frame, notes = tidy_csv(frame)
    return frame, [f"detected the delimiter {sep!r}"] * (sep != ",") + notes


def rows_from_json(rows) -> pd.DataFrame:
    """The API's `rows`: a list of {column: value} objects, one per row."""
    if not isinstance(rows, list) or not rows:
        raise BadInput("`rows` must be a non-empty list of objects, one per row: "
                       '{"rows": [{"column": value, ...}, ...]}')
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadInput(f"rows[{i}] is {type(row).__name__}, not an object of column: value")
    return pd.DataFrame(rows)


def check_rows(frame: pd.DataFrame, numeric: list[str], categories: dict[str, list],
               where: str) -> tuple[pd.DataFrame, list[str]]:
    """The model's feature columns, typed as in training: numbers in numeric columns (blank = missing, imputed
    as in training), categorical values matched to the training categories. Missing columns and values of the
    wrong type are errors naming the column (and row); extra columns are dropped with a note."""
    features = numeric + list(categories)
    if frame.empty:
        raise BadInput(f"{where} has no rows to predict")
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise BadInput(f"{where} lacks the column(s) {missing}; the model was trained on {features}")
    notes = []
    extra = [str(c) for c in frame.columns if c not in features]
    if extra:
        notes.append(f"ignored {len(extra)} column(s) the model does not use: {extra}")
    rows = frame[features].reset_index(drop=True)
    for column in numeric:
        rows[column] = _numbers(rows[column], column, where)
    for column, known in categories.items():
        rows[column], unseen = _categories(rows[column], known)
        if unseen:
            notes.append(f"column {column!r}: {unseen[:5]} never occurred in training; the model treats "
                         f"{'it' if len(unseen) == 1 else 'them'} as unknown")
    return rows, notes


def _numbers(values: pd.Series, column: str, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        raise BadInput(f"{where}: column {column!r} holds {values.dtype} values; the model needs numbers")
    text = values.map(lambda v: v.strip() if isinstance(v, str) else v).replace("", np.nan)
    numbers = pd.to_numeric(text.map(lambda v: np.nan if isinstance(v, bool) else v), errors="coerce")
    bad = (numbers.isna() & text.notna()) | np.isinf(numbers)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise BadInput(f"{where}: row {row + 1}, column {column!r}: {plain(values.iloc[row])!r} is not a finite "
                       "number; fix the value, or leave it blank to have it imputed as in training")
    return numbers.astype(float)


def _categories(values: pd.Series, known: list) -> tuple[pd.Series, list[str]]:
    """Values as the training categories spell them (`1` may have been read as "1", `True` as "True")."""
    spelled = {str(k): k for k in known}
    text = values.map(lambda v: v if pd.isna(v) else str(v).strip())
    unseen = sorted({v for v in text.dropna() if v not in spelled})
    return text.map(lambda v: spelled.get(v, v) if isinstance(v, str) else np.nan).astype(object), unseen
