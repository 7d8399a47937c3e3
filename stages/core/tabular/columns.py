"""Every column read as what it is: the typing step ingest runs on a user's table (and serve on new rows).

pandas reads what looks like a number in its own locale and leaves everything else as text. A table exported
from Excel or a database carries more: decimal commas, thousands separators, percentages, currency signs,
padded missing markers, identifiers, dates. Each column gets one kind, decided on the whole column:

| kind | what | what the models get |
| --- | --- | --- |
| number | numbers, in any of the formats below | imputed, scaled |
| category | text with a few distinct values (at most CARDINALITY), booleans | one-hot |
| text | text with many distinct values (a ticket, a car name) | target-encoded inside each fold |
| date | dates (and times) | year, month, day, weekday (skrub's DatetimeEncoder) |
| identifier | a different value in (nearly) every row: an ID, a name | dropped, with a note |
|  | (whole numbers that are plausible Unix times, in seconds or milliseconds from 1990 to 2100, are dates) |  |
| constant | one value in every row | kept (it carries nothing; harmless), with a note |
| empty | no value at all | dropped, with a note |

A numeric column whose missing cells are written `.` (SAS and Stata exports), `—` or `–` is read as numbers with
those cells missing, and a note says so. `data.kinds` forces a column's kind. Identifiers are dropped rather than
stopped on: an identifier is never a feature, so the run can go on; the note names the column and the key that
keeps it.

skrub's ToFloat converts with given separators but neither detects them nor rejects a grouping like "1,2,3"
and it casts to float32; the formats are therefore matched here with strict patterns on every value, and the
numbers parsed by pandas in float64. Dates are parsed by pandas with one guessed format for the whole column.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stages.core.errors import PipelineError
from stages.core.tabular.names import KINDS  # noqa: F401 (the kinds type_columns gives)

CARDINALITY = 40  # more distinct text values than this: `text` (skrub's TableVectorizer uses the same threshold)
IDENTIFIER_SHARE = 0.99  # text with this share of distinct values (and every integer one) names rows
MIN_ROWS = 20  # below this, distinct values are as likely a small table's categories
ID_NAME = re.compile(r"(^|[^a-z])(id|no|nr|num|number|key|code)$|^id|(번호|코드|아이디|일련번호)$", re.IGNORECASE)
CODE_DIGITS = 8  # whole numbers all written with this many digits or more, all the same width: codes, not amounts
LEADING_ZERO = re.compile(r"[+-]?0\d+")  # 02134, 010...: a code (zip, phone) that a number would lose the zero of
CURRENCY = "$€£¥₩"
MISSING_MARKS = (".", "\u2014", "\u2013")  # alone in a cell of numbers: SAS/Stata's missing, an em or en dash
EPOCHS = {"s": (631_152_000, 4_102_444_800)}  # Unix seconds from 1990-01-01 to 2100-01-01
EPOCHS["ms"] = tuple(1000 * bound for bound in EPOCHS["s"])
TIME_NAME = re.compile(r"time|date|stamp|epoch|created|updated|(^|_)(ts|at)$|시간|시각|일시|날짜", re.IGNORECASE)
DATE = re.compile(
    r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
)


@dataclass(frozen=True)
class NumberFormat:
    """How a column writes its numbers: the decimal mark, the thousands separator, a % or currency sign."""

    decimal: str = "."
    thousands: str | None = None
    percent: bool = False
    currency: str | None = None
    parentheses: bool = False  # (1,234.50) is -1234.5, as accounting exports write it
    suffix: str | None = None  # a unit after every number: 37,700원, 12 kg

    def pattern(self) -> re.Pattern:
        d = re.escape(self.decimal)
        # a group never starts with 0 (0,125 is a decimal); U+202F and U+00A0 are the spaces locales group with
        whole = r"\d+" if self.thousands is None else rf"[1-9]\d{{0,2}}(?:{re.escape(self.thousands)}\d{{3}})+|\d+"
        exponent = r"(?:[eE][+-]?\d+)?" if self.decimal == "." and self.thousands is None else ""
        return re.compile(rf"[+-]?(?:(?:{whole})(?:{d}\d+)?|{d}\d+){exponent}")

    def describe(self) -> str:
        parts = [f"decimal {self.decimal!r}"] + ([f"thousands {self.thousands!r}"] if self.thousands else [])
        signs = ["%"] * self.percent + ([f"currency {self.currency!r}"] if self.currency else []) + (
            [f"unit {self.suffix!r}"] if self.suffix else [])
        return ", ".join(parts + signs + ["negatives in parentheses"] * self.parentheses)

    def parse(self, values: pd.Series) -> pd.Series | None:
        """Text -> float64, or None when a value is not a number in this format; missing stays missing."""
        text = values.astype("string").str.strip()
        if self.suffix:
            text = text.str.removesuffix(self.suffix).str.rstrip()
        if self.percent:
            text = text.str.removesuffix("%").str.rstrip()
        if self.parentheses:
            text = text.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
        if self.currency:  # $1,000, -$5, ($1,000.50): the sign may stand before or inside it
            text = text.str.replace(f"[{CURRENCY}]", "", regex=True).str.replace(r"^([+-])\s+", r"\1", regex=True)
            text = text.str.strip()
        text = text.str.replace(r"^(\d[\d.,\s\u00a0\u202f']*)-$", r"-\1", regex=True)  # 10.25-: SAP's trailing minus
        if not (text.str.fullmatch(self.pattern()).fillna(True) | values.isna()).all():
            return None
        if self.thousands:
            text = text.str.replace(self.thousands, "", regex=False)
        return pd.to_numeric(text.str.replace(self.decimal, ".", regex=False)).astype(float)


def number_formats(decimal: str, thousands: str | None, fixed: bool) -> list[NumberFormat]:
    """The formats tried on a text column, the file's decimal mark first; `fixed` (data.decimal set): that mark
    only; `thousands` (data.thousands set): that separator only."""
    marks = [decimal] if fixed else [decimal, "." if decimal == "," else ","]
    separators = [thousands] if thousands else [None, ".", ",", " ", "\u00a0", "\u202f", "'"]
    return [NumberFormat(mark, sep) for mark in marks for sep in separators if sep != mark]


def as_numbers(values: pd.Series, decimal: str, thousands: str | None,
               fixed: bool = False) -> tuple[pd.Series, NumberFormat] | None:
    """A text column as numbers when every value is one in a single format (with an optional % or currency
    sign on every value): (numbers, format), or None."""
    text = values.dropna().astype(str).str.strip()
    if text.empty or not text.head(1_000).str.contains(r"\d", regex=True).all():  # most text fails here, fast
        return None
    if text.str.fullmatch(LEADING_ZERO).any():  # a zip code or a phone number: the zero is part of it
        return None
    suffix = _unit(text)
    if suffix:
        text = text.str.removesuffix(suffix).str.rstrip()
    percent = bool(text.str.endswith("%").all())
    signs = [c for c in CURRENCY if text.head(1_000).str.contains(c, regex=False).all()]
    parentheses = bool(text.str.fullmatch(r"\(.*\)").any())
    for base in number_formats(decimal, thousands, fixed):
        fmt = NumberFormat(base.decimal, base.thousands, percent, signs[0] if signs else None, parentheses, suffix)
        if fmt.parse(values.loc[text.index[:1_000]]) is None:  # a sample first: one pass per failing format
            continue
        numbers = fmt.parse(values)
        if numbers is not None:
            return numbers, fmt
    return None


def marked_numbers(values: pd.Series, decimal: str, thousands: str | None,
                   fixed: bool = False) -> tuple[pd.Series, NumberFormat, pd.Series] | None:
    """as_numbers, where cells holding only a missing marker (MISSING_MARKS: SAS and Stata's `.`, a dash) are
    missing: (numbers, format, the marked cells), or None. ingest types columns with it, serve reads new rows."""
    parsed = as_numbers(values, decimal, thousands, fixed)
    if parsed is not None:
        return *parsed, pd.Series(False, index=values.index)
    # only now: one vectorised pass, not a Python call per cell of every text column
    found = values.astype("string").str.strip().isin(MISSING_MARKS).fillna(False).astype(bool)
    if not found.any() or found.all():
        return None
    parsed = as_numbers(values.where(~found), decimal, thousands, fixed)
    return None if parsed is None else (*parsed, found)


def _unit(text: pd.Series) -> str | None:
    """The unit every value ends with (원, kg, km, EUR), when they share one: letters of any script, not digits."""
    found = text.head(1_000).str.extract(r"\d\s*([^\W\d_]+)$", expand=False)
    if found.isna().any() or found.nunique() != 1:
        return None
    unit = found.iloc[0]
    return unit if text.str.endswith(unit).all() else None


def file_decimal(frame: pd.DataFrame, sep: str) -> str:
    """The decimal mark of a file: ',' when its text cells hold numbers like 51,26 or 1.234,5 (a comma no
    thousands separator writes) more often than numbers like 1,234.5; else '.'. A ';' file leans to ','."""
    comma_only = re.compile(r"[+-]?\d+,\d{1,2}|[+-]?\d+,\d{4,}|[+-]?\d{1,3}(\.\d{3})+,\d+|[+-]?\d{1,3}(\.\d{3}){2,}")
    dot_only = re.compile(r"[+-]?\d{1,3}(,\d{3})+\.\d+|[+-]?\d{1,3}(,\d{3}){2,}")
    votes = {",": 0, ".": 0}
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):  # pandas read these with '.': fractions vote for it
            votes["."] += int((np.mod(frame[column].dropna().head(1_000), 1) != 0).sum())
        elif frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            text = frame[column].dropna().astype(str).str.strip().head(1_000)
            votes[","] += int(text.str.fullmatch(comma_only).sum())
            votes["."] += int(text.str.fullmatch(dot_only).sum())
    if votes[","] > votes["."] or (sep == ";" and (votes[","] or not votes["."])):  # Excel's ';' goes with ","
        return ","
    return "."


@dataclass(frozen=True)
class Typed:
    """A column's kind and, for numbers and dates written as text, how to read them again (serve)."""

    kind: str
    number: NumberFormat | None = None
    date_format: str | None = None
    note: str | None = None
    epoch: str | None = None  # dates written as Unix times: "s" or "ms"

    def record(self) -> dict:
        out = {"kind": self.kind}
        if self.number is not None:
            out["number"] = {"decimal": self.number.decimal, "thousands": self.number.thousands,
                             "percent": self.number.percent, "currency": self.number.currency,
                             "parentheses": self.number.parentheses}
        if self.date_format is not None:
            out["date_format"] = self.date_format
        if self.epoch is not None:
            out["epoch"] = self.epoch
        return out


MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE_SHAPE = re.compile(  # what pandas' own parser is asked to read: numeric dates, month names, times, zones
    rf"(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|\d{{1,2}}[- ]{MONTH}[- ,]*\d{{2,4}}"
    rf"|{MONTH} \d{{1,2}},? \d{{4}})?(?:(?:[ T]|^)\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?: ?[ap]m)?"
    r"(?: ?(?:z|utc|[+-]\d{2}:?\d{2}))?)?", re.IGNORECASE)
_KOREAN_DATE = re.compile(r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_KOREAN_TIME = re.compile(r"(오전|오후)\s*(\d{1,2}:\d{2}(?::\d{2})?)")


def date_text(text: pd.Series) -> pd.Series:
    """Korean dates and times as pandas reads them: 2021년 9월 2일 -> 2021-9-2, 오후 3:36:00 -> 3:36:00 PM."""
    text = text.str.replace(_KOREAN_DATE, r"\1-\2-\3", regex=True)
    return text.str.replace(_KOREAN_TIME, lambda m: f"{m[2]} {'AM' if m[1] == '오전' else 'PM'}", regex=True)


def _looks_dated(text: pd.Series) -> bool:
    shaped = text.str.fullmatch(DATE_SHAPE) & text.str.contains(r"[-/.:]|[a-z]{3}", case=False, regex=True)
    return bool(shaped.all())


def as_dates(values: pd.Series, dayfirst: bool) -> tuple[pd.Series, str] | None:
    """The column as dates when one strptime format reads every value: (dates, format), or None. Day-first or
    month-first by whichever parses all (the file's habit, `dayfirst`, first when both do). Korean dates, month
    names and time zones (converted to UTC) too; a column of several formats is read value by value ('mixed')."""
    text = date_text(values.dropna().astype(str).str.strip())
    if text.empty or not _looks_dated(text.head(1_000)) or not _looks_dated(text):
        return None
    if not text.str.fullmatch(DATE).all():
        return _mixed_dates(text, values.index, dayfirst)
    from pandas.tseries.api import guess_datetime_format

    year_first = bool(re.match(r"\d{4}", text.iloc[0]))
    for first in (False,) if year_first else (dayfirst, not dayfirst):
        fmt = guess_datetime_format(text.iloc[0], dayfirst=first)
        dates = pd.to_datetime(text, format=fmt, errors="coerce") if fmt else None
        if dates is not None and dates.notna().all():
            return dates.reindex(values.index), fmt
    return _mixed_dates(text, values.index, dayfirst)


def _mixed_dates(text: pd.Series, index, dayfirst: bool) -> tuple[pd.Series, str] | None:
    """pandas reading each value on its own (format='mixed'); time zones converted to UTC; None if one fails."""
    zoned = bool(text.str.contains(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)? ?(?:z|utc|[+-]\d{2}:?\d{2})$", case=False,
                                   regex=True).any())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dates = pd.to_datetime(text, format="mixed", dayfirst=dayfirst, errors="coerce", utc=zoned)
    if dates.isna().any():
        return None
    if zoned:
        dates = dates.dt.tz_convert(None)
    if not text.str.contains(r"\d{4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2}|[a-z]{3}", case=False, regex=True).all():
        dates = pd.Timestamp("1900-01-01") + (dates - dates.dt.normalize())  # times of day alone: no date to invent
    return dates.reindex(index), "mixed formats" + (", time zones converted to UTC" if zoned else "")


def _keeping(key: str, name: str) -> str:
    return f"set {key}: {{{name}: category}} (or number) to keep it as a feature"


def _is_whole(values: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(values) or (
        pd.api.types.is_float_dtype(values) and bool(np.all(np.mod(values, 1) == 0)))


def type_column(values: pd.Series, name: str, decimal: str, thousands: str | None, fixed: bool, dayfirst: bool,
                key: str) -> tuple[pd.Series, Typed]:
    """One column -> (its values as the kind reads them, the kind). `key`: the params key that forces a kind."""
    known = values.dropna()
    keep = _keeping(key, name)
    if known.empty:
        return values, Typed("empty", note=f"column {name!r} is empty in every row: dropped")
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        parsed = marked_numbers(values, decimal, thousands, fixed)
        if parsed is not None:
            numbers, fmt, marked = parsed
            plain = fmt == NumberFormat()
            example = numbers.first_valid_index()  # a number, not a missing marker
            notes = [] if plain else [f"column {name!r} holds numbers written with {fmt.describe()} (e.g. "
                                      f"{values[example]!r} -> {numbers[example]:g}): read as numbers"]
            if marked.any():
                shown = " and ".join(repr(m) for m in MISSING_MARKS if (values[marked].str.strip() == m).any())
                notes.append(f"column {name!r}: {int(marked.sum())} cell(s) hold only {shown}, a missing marker (SAS "
                             "and Stata write '.'): read as missing; the rest are numbers")
            return _typed_number(numbers, name, "; ".join(notes) or None, fmt, key)
        parsed = as_dates(values, dayfirst)
        if parsed is not None:
            dates, fmt = parsed
            iso = "%Y-%m-%d" if (dates.dropna() == dates.dropna().dt.normalize()).all() else "%Y-%m-%d %H:%M:%S"
            text = dates.dt.strftime(iso).astype(object).where(dates.notna(), np.nan)
            return text, Typed("date", date_format=iso, note=(
                f"column {name!r} holds dates ({fmt}, e.g. {known.iloc[0]!r}): encoded as year, month, day and "
                f"weekday, not one-hot"))
        distinct = known.nunique()
        if distinct == 1:
            return values, Typed("constant", note=f"column {name!r} holds {known.iloc[0]!r} in every row: it "
                                 "carries nothing to learn")
        if len(known) >= MIN_ROWS and distinct >= IDENTIFIER_SHARE * len(known):
            return values, Typed("identifier", note=(
                f"column {name!r} looks like an identifier ({distinct} distinct values in {len(known)} rows, e.g. "
                f"{known.iloc[0]!r}): dropped; {keep}"))
        if distinct > CARDINALITY:
            return values, Typed("text", note=(
                f"column {name!r} has {distinct} distinct text values (more than {CARDINALITY}): target-encoded "
                "inside each fold, not one-hot; list it in data.drop if it is free text with nothing to learn"))
        return values, Typed("category")
    if pd.api.types.is_bool_dtype(values):
        return values, Typed("category")
    return _typed_number(values, name, None, None, key)


def _typed_number(values: pd.Series, name: str, note: str | None, fmt: NumberFormat | None,
                  key: str) -> tuple[pd.Series, Typed]:
    """A column of numbers: constant, Unix times, an identifier, codes, or amounts. `key` forces another kind."""
    known = values.dropna()
    keep = _keeping(key, name)
    if known.nunique() == 1:
        return values, Typed("constant", number=fmt, note=f"column {name!r} holds {known.iloc[0]:g} in every row: "
                             "it carries nothing to learn")
    whole = len(known) >= MIN_ROWS and _is_whole(known)
    unit = next((unit for unit, (low, high) in EPOCHS.items() if whole and low <= known.min() and known.max() < high),
                None)
    if unit and (TIME_NAME.search(str(name)) or (known.is_unique and known.is_monotonic_increasing)):
        return _epoch_dates(values, name, unit, key)
    numbered = whole and known.is_unique and known.min() in (0, 1) and known.max() - known.min() + 1 == len(known)
    if whole and known.is_unique and (known.is_monotonic_increasing or ID_NAME.search(str(name)) or numbered):
        order = ("in increasing order" if known.is_monotonic_increasing else "and an identifier's name"
                 if ID_NAME.search(str(name)) else f"numbering the rows {int(known.min())}..{int(known.max())}")
        return values, Typed("identifier", number=fmt, note=(
            f"column {name!r} looks like an identifier ({len(known)} distinct whole numbers, one per row, {order}):"
            f" dropped; {keep}"))
    width = known.abs().astype(np.float64).map(lambda v: len(f"{v:.0f}")) if whole else None
    if width is not None and width.min() >= CODE_DIGITS and width.nunique() == 1:  # a card, phone or member number
        codes = known.map(lambda v: f"{v:.0f}").reindex(values.index)
        distinct = known.nunique()
        kind = ("identifier" if distinct >= IDENTIFIER_SHARE * len(known) else "text" if distinct > CARDINALITY
                else "category")
        return codes, Typed(kind, note=(
            f"column {name!r} holds {width.iloc[0]}-digit codes (e.g. {codes.dropna().iloc[0]}), not amounts: "
            + {"identifier": "dropped as an identifier", "text": "target-encoded as text",
               "category": "read as categories"}[kind] + f"; {keep}"))
    return values, Typed("number", number=fmt, note=note)


def _epoch_dates(values: pd.Series, name: str, unit: str, key: str) -> tuple[pd.Series, Typed]:
    """Whole numbers that are Unix times (an event log's clock) -> dates written as ISO text, with a note."""
    dates = pd.to_datetime(values, unit=unit)
    iso = "%Y-%m-%d" if (dates.dropna() == dates.dropna().dt.normalize()).all() else "%Y-%m-%d %H:%M:%S"
    first = values.dropna().index[0]
    said = (f"column {name!r} holds Unix times in {'seconds' if unit == 's' else 'milliseconds'} (e.g. "
            f"{values[first]:.0f} -> {dates[first]:%Y-%m-%d %H:%M:%S}): read as dates (year, month, day, weekday), "
            f"not as an identifier; set {key}: {{{name}: number}} to keep the numbers")
    text = dates.dt.strftime(iso).astype(object).where(dates.notna(), np.nan)
    return text, Typed("date", date_format=iso, epoch=unit, note=said)  # dates now: a number format's note is moot


def type_columns(frame: pd.DataFrame, target: str | None, kinds: dict[str, str], decimal: str,
                 thousands: str | None, fixed: bool = False, *,
                 section: str) -> tuple[pd.DataFrame, dict[str, Typed], list[str]]:
    """Every column typed: (the table with numbers and dates as read and identifiers and empty columns dropped,
    {column: Typed}, notes). The target only has its numbers read: it is never dropped or encoded here.
    `kinds` (<section>.kinds) forces kinds; `decimal` is the file's mark (file_decimal, or <section>.decimal)."""
    unknown = [c for c in kinds if c not in frame.columns]
    if unknown:
        raise PipelineError(f"{section}.kinds names {unknown}, which the table does not have; its columns: "
                            f"{', '.join(map(str, frame.columns))}")
    dayfirst = decimal == ","  # day-first dates go with decimal commas (most of Europe)
    columns, typed, notes = {}, {}, []
    for name in frame.columns:
        values, kind = type_column(frame[name], str(name), decimal, thousands, fixed, dayfirst, f"{section}.kinds")
        if name in kinds:
            values, kind = _forced(frame[name], values, kind, kinds[name], str(name), section)
        elif name == target:  # read as numbers or kept as labels, never dropped
            numeric = kind.number is not None or (pd.api.types.is_numeric_dtype(frame[name])
                                                  and not pd.api.types.is_bool_dtype(frame[name]))
            kind = Typed("number", number=kind.number, note=kind.note if kind.number else None) if numeric else Typed(
                "category")
            values = values if numeric else frame[name]
        if kind.note:
            notes.append(kind.note)
        typed[name] = kind
        if kind.kind not in ("identifier", "empty"):
            columns[name] = values
    return pd.DataFrame(columns), typed, notes


def _forced(raw: pd.Series, values: pd.Series, found: Typed, wanted: str, name: str,
            section: str) -> tuple[pd.Series, Typed]:
    """A kind forced by <section>.kinds, without a note: the user chose it."""
    if wanted == found.kind or (wanted == "number" and found.number is not None):
        return values, Typed(wanted, number=found.number, date_format=found.date_format)
    if wanted == "number":
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            return raw, Typed("number")
        raise PipelineError(f"{section}.kinds: column {name!r} is not numbers in any format (e.g. "
                            f"{raw.dropna().iloc[0]!r}); use category, text or identifier")
    if wanted == "date":
        raise PipelineError(f"{section}.kinds: column {name!r} is not dates in one format (e.g. "
                            f"{raw.dropna().iloc[0]!r})")
    if wanted in ("category", "text"):
        return raw.map(lambda v: v if pd.isna(v) else str(v)), Typed(wanted)
    return raw, Typed(wanted)  # identifier, empty, constant: dropped or kept as found


def strip_missing(frame: pd.DataFrame, na_values: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Cells that are a missing marker once their spaces are stripped (` ?` in a comma-space file) -> NaN:
    (the table, {column: cells marked}) for the columns that had any."""
    markers = {v.strip() for v in na_values}
    marked = {}
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            hit = frame[column].astype("string").str.strip().isin(markers).fillna(False).astype(bool)
            if hit.any():
                marked[str(column)] = int(hit.sum())
                frame[column] = frame[column].where(~hit, np.nan)
    return frame, marked


def dates_as_trained(values: pd.Series, date_format: str, epoch: str | None = None) -> pd.Series:
    """New rows' dates (serve) written as ingest wrote the training column's (`date_format`, ISO; `epoch`: Unix
    times in that unit); a value that does not parse becomes NaN, for the caller to name."""
    if epoch:
        dates = pd.to_datetime(pd.to_numeric(values, errors="coerce"), unit=epoch, errors="coerce")
        return dates.dt.strftime(date_format).astype(object).where(dates.notna(), np.nan)
    dates = pd.to_datetime(date_text(values.astype("string").str.strip()), errors="coerce", format="mixed")
    return dates.dt.strftime(date_format).astype(object).where(dates.notna(), np.nan)
