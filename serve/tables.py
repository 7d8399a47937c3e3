"""New rows for the tabular model: read like ingest reads the training CSV, then checked against the
training schema, so a prediction never rests on a silently misread value."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from stages.core.errors import PipelineError, listed, plain
from stages.core.tabular.columns import MISSING_MARKS, dates_as_trained, marked_numbers
from stages.core.tabular.reading import AS_WRITTEN, read_like_ingest


class BadInput(ValueError):
    """Input the user can fix; the message says what is wrong and how (HTTP 400, exit code 2)."""


def read_rows(data: bytes, where: str, na_values: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """A CSV's rows read as ingest reads the training CSV (stages/core/tabular/reading.py: the delimiter detected, a
    row wider than the header an error naming it, missing markers matched without their spaces, the decimal
    mark read from the numbers), tidied as ingest tidies it, with numbers written in any format read as
    numbers; plus notes. Every line keeps its place: a blank one is a row of missing values (one prediction per
    input row, in order)."""
    try:
        layout = SimpleNamespace(**vars(AS_WRITTEN) | {"header": True, "na_values": na_values})
        frame, notes, decimal = read_like_ingest(data, where, where, layout, section=None, keep_rows=True)
    except PipelineError as exc:
        raise BadInput(str(exc)) from None
    frame = frame.reset_index(drop=True)  # rows to predict, in order
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            parsed = marked_numbers(frame[column], decimal, None)  # '.' and dashes alone: missing, as in training
            if parsed is not None:
                frame[column] = parsed[0]
    return frame, notes


def rows_from_json(rows) -> pd.DataFrame:
    """The API's `rows`: a list of {column: value} objects, one per row."""
    if not isinstance(rows, list) or not rows:
        raise BadInput("`rows` must be a non-empty list of objects, one per row: "
                       '{"rows": [{"column": value, ...}, ...]}')
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadInput(f"rows[{i}] is {type(row).__name__}, not an object of column: value")
    return pd.DataFrame(rows)


FAR = 1.0  # a value more than this many training ranges outside the training range is flagged


def check_rows(frame: pd.DataFrame, numeric: list[str], categories: dict[str, list], where: str,
               others: dict[str, dict] | None = None,
               ranges: dict[str, list[float]] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The model's feature columns, typed as in training: numbers in numeric columns (blank = missing, imputed
    as in training), categorical values matched to the training categories, dates and many-valued text (`others`:
    column -> its columns.json spec) read as ingest read them. Missing columns and values of the wrong type are
    errors naming the column (and row); extra columns are dropped with a note; a number far outside its training
    range (`ranges`) gets a note: the model extrapolates there."""
    others = others or {}
    features = numeric + list(categories) + list(others)
    if frame.empty:
        raise BadInput(f"{where} has no rows to predict")
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise BadInput(f"{where}: {len(missing)} of the model's {len(features)} columns missing: {listed(missing, 3)}")
    notes = []
    extra = [str(c) for c in frame.columns if c not in features]
    if extra:
        notes.append(f"ignored {len(extra)} column(s) the model does not use: {extra}")
    rows = frame[features].reset_index(drop=True)
    for column in numeric:
        rows[column] = _numbers(rows[column], column, where)
        notes += _far(rows[column], column, (ranges or {}).get(column))
    for column, spec in others.items():
        rows[column] = _dates(rows[column], column, spec, where) if spec["kind"] == "date" else rows[column].map(
            lambda v: v if pd.isna(v) else str(v).strip())
    for column, known in categories.items():
        rows[column], unseen = _categories(rows[column], known)
        if unseen:
            notes.append(f"column {column!r}: {unseen[:5]} never occurred in training; the model treats "
                         f"{'it' if len(unseen) == 1 else 'them'} as unknown")
    return rows, notes


def _numbers(values: pd.Series, column: str, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        raise BadInput(f"{where}: column {column!r} holds {values.dtype} values; the model needs numbers")
    text = values.map(lambda v: v.strip() if isinstance(v, str) else v).replace(["", *MISSING_MARKS], np.nan)
    numbers = pd.to_numeric(text.map(lambda v: np.nan if isinstance(v, bool) else v), errors="coerce")
    bad = (numbers.isna() & text.notna()) | np.isinf(numbers)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise BadInput(f"{where}: row {row + 1}, column {column!r}: {plain(values.iloc[row])!r} is not a finite "
                       "number; fix the value, or leave it blank to have it imputed as in training")
    return numbers.astype(float)


def _far(values: pd.Series, column: str, seen: list[float] | None) -> list[str]:
    """A note for the first value far outside the training range, e.g. 'mean radius' 1141 is 40x its maximum."""
    if not seen:
        return []
    low, high = seen
    span = (high - low) or abs(high) or 1.0
    far = (values > high + FAR * span) | (values < low - FAR * span)
    if not far.any():
        return []
    row = int(np.flatnonzero(far.to_numpy())[0])
    value = float(values.iloc[row])
    times = f" ({value / high:.0f}x the training maximum)" if high > 0 and value > high * 2 else ""
    more = f" (and {int(far.sum()) - 1} more value(s))" if far.sum() > 1 else ""
    return [f"row {row + 1}, column {column!r}: {value:g} is far outside the training range {low:g} to {high:g}"
            f"{times}{more}; the model has not seen such values, so treat the prediction with care"]


def _dates(values: pd.Series, column: str, spec: dict, where: str) -> pd.Series:
    dates = dates_as_trained(values.astype(object), spec["date_format"], spec.get("epoch"))
    bad = dates.isna() & values.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise BadInput(f"{where}: row {row + 1}, column {column!r}: {plain(values.iloc[row])!r} is not a date; "
                       "write it like the training data, e.g. 2021-03-15")
    return dates


def _categories(values: pd.Series, known: list) -> tuple[pd.Series, list[str]]:
    """Values as the training categories spell them (`1` may have been read as "1", `True` as "True")."""
    spelled = {str(k): k for k in known}
    text = values.map(lambda v: v if pd.isna(v) else str(v).strip())
    unseen = sorted({v for v in text.dropna() if v not in spelled})
    return text.map(lambda v: spelled.get(v, v) if isinstance(v, str) else np.nan).astype(object), unseen
