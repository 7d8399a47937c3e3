"""Class labels as the user wrote them, one rule for every stage and for serve.

Inside the pipelines a class is its code 0..k-1 (sorted labels, LabelEncoder's order); outside, it is the label
itself: `1` for a 0/1 target, `True` for a boolean one, `yes` for text, `양성` for Korean. `class_array` turns the
recorded labels back into the array predictions are drawn from, keeping their type, so a prediction compares
equal to the label a user wrote and scikit-learn reads integer labels as integers (an object array of ints is
type "unknown" to its metrics). A name given in params.yaml (`data.positive_class`, `data.merge_classes`: YAML may
say 1 or "1") finds its label by evaluation.same_class.

Ingest reads a target with `target_rows` before typing (missing markers such as `-` and `N/A` are missing; a numeric
target with a few text cells is a quantity whose odd rows are named and dropped) and `as_labels` after it
(whole-number floats, a 0/1 column that had gaps, are integers; text labels that differ only in case or spaces
are one class).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.core.classes import same_class
from stages.core.errors import PipelineError, listed, plain
from stages.core.tabular.columns import as_numbers

TARGET_MISSING = {"-", "--", "?", "n/a", "na", "nan", "null", "none", "missing", "#n/a"}  # case-folded
MAX_ODD_SHARE = 0.05  # a numeric target keeps its quantity reading when at most this share of cells is text


def class_array(classes: list) -> np.ndarray:
    """The recorded labels as the array predictions index: ints stay ints, bools bools, text is an object array."""
    values = [plain(c) for c in classes]
    if values and all(isinstance(v, (bool, np.bool_)) for v in values):
        return np.asarray(values, dtype=bool)
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values, dtype=object)


def _row_numbers(index) -> str:
    return listed([str(i + 2) for i in index])  # +2: the header is line 1, data starts on line 2


def target_rows(y: pd.Series, target: str, decimal: str, thousands: str | None,
                fixed: bool) -> tuple[pd.Series, pd.Series, list[str]]:
    """Before typing: (the target, the rows that have one, notes). Missing markers (`-`, `N/A`) are missing; a
    column of numbers with a few text cells (at most MAX_ODD_SHARE) is a quantity, and those rows are named and
    dropped rather than turning every value into a class."""
    notes = []
    text = y.astype("string").str.strip()
    marker = (text.str.casefold().isin(TARGET_MISSING).fillna(False).astype(bool) & y.notna()).to_numpy()
    if marker.any():
        notes.append(f"read {int(marker.sum())} target cell(s) {sorted(set(text[marker]))} as missing: those rows "
                     "are dropped")
        y = y.where(~marker, np.nan)
    keep = y.notna()
    numbers = _numbers_with_text(y[keep], decimal, thousands, fixed)
    if numbers is not None:
        odd = keep & numbers.reindex(y.index).isna()
        notes.append(f"target {target!r} holds numbers except {int(odd.sum())} row(s) (lines "
                     f"{_row_numbers(y.index[odd])}: {listed(sorted(set(text[odd])), 3)}): those rows are dropped and "
                     "the rest read as a quantity")
        keep &= ~odd
        y = numbers.reindex(y.index)
    return y, keep, notes


def _numbers_with_text(y: pd.Series, decimal: str, thousands: str | None, fixed: bool) -> pd.Series | None:
    """A text column whose cells are numbers in one format except a few without any digit, read as numbers
    (the others NaN); None when it is numbers throughout, or labels."""
    if pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y) or y.empty:
        return None
    digits = y.astype(str).str.contains(r"\d", regex=True)
    if digits.all() or (~digits).mean() > MAX_ODD_SHARE:
        return None
    parsed = as_numbers(y[digits], decimal, thousands, fixed)
    return None if parsed is None else parsed[0].reindex(y.index)


def as_labels(y: pd.Series, case_sensitive: bool, merge: dict, *, section: str) -> tuple[pd.Series, list[str]]:
    """After typing, a class target's labels: whole-number floats (a 0/1 column that had gaps) are integers, text
    labels that differ only in case or spaces are one class, and <section>.merge_classes is applied."""
    notes = []
    if pd.api.types.is_float_dtype(y) and len(y) and bool(np.all(np.mod(y.dropna(), 1) == 0)) and y.notna().all():
        y = y.astype(np.int64)
    if not (pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y)):
        y, said = _merge_spelling(y, case_sensitive, section)
        notes += said
    if merge:
        y, said = merge_classes(y, merge, key=f"{section}.merge_classes")
        notes += said
    return y, notes


def _merge_spelling(y: pd.Series, case_sensitive: bool, section: str) -> tuple[pd.Series, list]:
    """Text labels that differ only in case or spaces (`yes`, `Yes `, `YES`) become one: the lower-case spelling
    where there is one, else the most frequent."""
    y = y.map(lambda v: v.strip() if isinstance(v, str) else v)
    if case_sensitive:
        return y, []
    folded = y.astype(str).str.casefold().str.split().str.join(" ")
    counts = y.value_counts()
    spellings = {}
    for _, group in y.groupby(folded.to_numpy(), sort=True):
        names = sorted(set(group), key=lambda v: (v != v.casefold(), -counts[v], str(v)))  # lower case first
        if len(names) > 1:
            spellings.update({name: names[0] for name in names[1:]})
    if not spellings:
        return y, []
    merged = sorted({v: [k for k, t in spellings.items() if t == v] for v in spellings.values()}.items())
    said = "; ".join(f"{[*others]} into {kept!r}" for kept, others in merged)
    return y.replace(spellings), [f"merged classes that differ only in case or spaces: {said} (set "
                                  f"{section}.case_sensitive_classes: true to keep them apart)"]


def merge_classes(y: pd.Series, merge: dict, *, key: str) -> tuple[pd.Series, list[str]]:
    """`data.merge_classes: {3: 4}`: the rows of class 3 count as class 4 (a class too rare to learn)."""
    labels = list(pd.unique(y))
    mapping = {}
    for old, new in merge.items():
        found = [v for v in labels if same_class(v, old)]
        into = [v for v in labels if same_class(v, new)]
        if not found:
            raise PipelineError(f"{key} names class {plain(old)!r}, which the target does not have; its classes: "
                                f"{listed([str(v) for v in sorted(labels, key=str)], 10)}")
        mapping[found[0]] = into[0] if into else new
    return y.replace(mapping), [f"merged classes as {key} says: " + ", ".join(
        f"{plain(a)!r} into {plain(b)!r}" for a, b in mapping.items())]
