"""Reading a CSV as its writer meant it: the delimiter (or whitespace), whether the first row is a header, rows
with more fields than the header, the decimal mark, and missing markers with spaces around them. ingest reads
the training CSV with it, serve the rows to predict, so both see the same values."""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
import zipfile
from collections import Counter
from types import SimpleNamespace

import pandas as pd

from stages.core.errors import PipelineError
from stages.core.tabular.columns import LEADING_ZERO, file_decimal, strip_missing
from stages.core.tabular.datasets import tidy_csv

FORMATS = "CSV (.csv, .tsv, .txt; any delimiter), gzip- or zip-compressed CSV (.csv.gz, .csv.zip) and Excel .xlsx"
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
WHITESPACE = "whitespace"
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")


def file_text(data: bytes, name: str, where: str) -> tuple[str, list[str]]:
    """A table file's bytes -> (its text as CSV, notes): gzip and zip unpacked, an .xlsx workbook's first sheet
    written as CSV, the encoding detected when it is not UTF-8 (CP949 from a Korean Excel, UTF-16 "Unicode
    text"). Any other format is one line naming the formats that are read."""
    notes, lower = [], name.lower()
    if data[:2] == b"\x1f\x8b":
        data, lower = gzip.decompress(data), lower.removesuffix(".gz")
        notes.append("unpacked the gzip-compressed file")
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX")]
            if "xl/workbook.xml" in members:
                return _workbook(data, where)
            tables = [m for m in members if m.lower().endswith((".csv", ".tsv", ".txt"))]
            if len(tables) != 1:
                raise PipelineError(f"{where}: a zip archive holding {len(tables)} CSV files "
                                    f"({', '.join(members[:5])}); it needs exactly one: unpack the one you mean into "
                                    "data/raw/tables/")
            data, lower = archive.read(tables[0]), tables[0].lower()
            notes.append(f"read {tables[0]} from the zip archive")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or lower.endswith((".xls", ".xlsb", ".ods", ".parquet",
                                                                          ".json", ".sav", ".dta", ".feather")):
        raise PipelineError(f"{where}: not a format ingest reads; it reads {FORMATS}: save the sheet as one of them")
    text, said = _decoded(data, where)
    return text, notes + said


def _decoded(data: bytes, where: str) -> tuple[str, list[str]]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), ["read as UTF-16 (Excel's \"Unicode text\"), not UTF-8"]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None or b"\x00" in data[:4096]:
        raise PipelineError(f"{where}: not text in any encoding found (binary data?); ingest reads {FORMATS}")
    try:
        text = data.decode(best.encoding)
    except UnicodeDecodeError:
        raise PipelineError(f"{where}: not UTF-8, and not {best.encoding} throughout; re-save the file as UTF-8 "
                            "CSV") from None
    korean = " (Korean Excel's default)" if best.encoding in ("cp949", "euc_kr", "johab") else ""
    return text, [f"read as {best.encoding}{korean}, not UTF-8 (detected); re-save it as UTF-8 to be sure"]


def _workbook(data: bytes, where: str) -> tuple[str, list[str]]:
    """The first sheet of an .xlsx, cells as Excel typed them, written as CSV for the same reading as any file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's note on default styles
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object, engine="openpyxl")
    if not sheets:
        raise PipelineError(f"{where}: the workbook has no sheets")
    name, sheet = next(iter(sheets.items()))
    others = f" (of {len(sheets)}: move the table to the first sheet to read another)" if len(sheets) > 1 else ""
    return sheet.to_csv(index=False, header=False), [f"read the workbook's first sheet {name!r}{others}"]


def detect_delimiter(sample: str) -> str:
    """The delimiter of the header and first rows: one of DELIMITERS, `whitespace` when the lines split on runs
    of spaces into the same number (2 or more) of fields, else ','."""
    lines = sample.splitlines()[:50]
    whole = [line for line in lines[:-1] if line.strip()] or lines  # the last line may be cut
    spaced = {len(_whitespace_fields(line)) for line in whole}
    by_space = len(spaced) == 1 and min(spaced) >= 2
    try:
        sep = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        return WHITESPACE if by_space else ","
    # the Sniffer prefers ',' whenever most lines hold one: a headerless ';' file with a decimal comma in one
    # column is read as 2 fields. A delimiter that splits every line into the same number of fields, more than
    # the sniffed one gives, is the file's
    steady = {d: n for d in DELIMITERS if len(fields := {len(r) for r in csv.reader(whole, delimiter=d)}) == 1
              and (n := fields.pop()) >= 2}
    if steady and max(steady.values()) > steady.get(sep, 0):
        sep = max(steady, key=steady.get)
    counts = {len(row) for row in csv.reader(whole, delimiter=sep)}
    # e.g. auto-mpg.data: runs of spaces, and one tab before the quoted name
    return WHITESPACE if by_space and len(counts) > 1 and sep in "\t " else sep


def _whitespace_fields(line: str) -> list[str]:
    return next(csv.reader([re.sub(r"\s+", " ", line.strip())], delimiter=" ", quotechar='"'), [])


def split_lines(sample: str, sep: str) -> list[list[str]]:
    """The sample's rows as fields (the last line dropped: the sample may cut it)."""
    lines = sample.splitlines()
    lines = lines[:-1] if len(lines) > 1 else lines
    if sep == WHITESPACE:
        return [_whitespace_fields(line) for line in lines if line.strip()]
    return [row for row in csv.reader(lines, delimiter=sep) if row]


def looks_like_data(header: list[str], rows: list[list[str]]) -> str | None:
    """Why a first row reads as data rather than names, or None: most of its cells are numbers, or most of
    them recur as values in their column below."""
    cells = [c.strip() for c in header if c.strip()]
    if not cells:
        return None
    numbers = [c for c in cells if _NUMBER.fullmatch(c)]
    if len(numbers) >= max(2, len(cells) / 2):
        return f"{len(numbers)} of its {len(cells)} cells are numbers"
    below = [Counter(row[i].strip() for row in rows[1:] if i < len(row)) for i in range(len(header))]
    recurring = [c for i, c in enumerate(header) if c.strip() and below[i][c.strip()]]
    if len(rows) > 5 and len(recurring) >= max(2, len(cells) / 2):
        return f"{len(recurring)} of its {len(cells)} cells recur as values below it"
    return None


AS_WRITTEN = SimpleNamespace(sep=None, header="auto", columns=None, decimal="auto", na_values=())


def read_csv(source, where: str, layout=AS_WRITTEN, *, section: str | None = "data",
             blank_rows: bool = False) -> tuple[pd.DataFrame, list[str], str]:
    """A CSV (a path, or its text) -> (table, notes, decimal mark). `layout`: how the file is written, read from
    params.yaml's validated data section (sep, header, columns, decimal, na_values; None and auto: read from the
    file), or AS_WRITTEN. Every way it can be misread is an error naming `where` and the <section> key that fixes
    it; `section` None (serve's uploads): no params to name. `blank_rows`: an empty line is a row of missing
    values (rows to predict keep their places), not skipped."""
    sep, header, columns = layout.sep, layout.header, layout.columns
    decimal, na_values = layout.decimal, layout.na_values

    def override(key: str) -> str:
        return f" (set {section}.{key} to override)" if section else ""

    try:
        text = source if isinstance(source, str) else None
        sample = text[:SNIFF_BYTES] if text is not None else _head(source)
    except UnicodeDecodeError:
        raise PipelineError(f"{where}: not UTF-8 text; re-save the file as UTF-8 CSV") from None
    sample = sample.removeprefix("\ufeff")
    if not sample.strip():
        raise PipelineError(f"{where}: the file is empty; it needs a header row and data rows")
    notes = []
    if sep is None:
        sep = detect_delimiter(sample)
        if sep != ",":
            notes.append(f"detected the delimiter {sep!r}{override('sep')}")
    rows = split_lines(sample, sep)
    first = rows[0] if rows else []
    if header is False:
        if columns is None:
            raise PipelineError(f"{where}: {section}.header is false, so name the file's {len(first)} columns in "
                                f"{section}.columns: [...]")
        if len(columns) != len(first):
            raise PipelineError(f"{where}: {section}.columns names {len(columns)} columns, but the rows have "
                                f"{len(first)} fields (e.g. {', '.join(first[:4])}, ...); name each of them")
    else:
        titled = _title_rows(rows)
        if titled:
            raise PipelineError(f"{where}: the first {titled} line(s) look like a title above the header "
                                f"({' '.join(rows[0]).strip()[:40]!r}); delete them so that the column names are "
                                "line 1")
        _check_header(first, where)
        units = _units_row(first, rows)
        if units:
            raise PipelineError(f"{where}: line 2 looks like units under the header ({', '.join(units[:4])}), not "
                                "data, and would turn the numbers below it into text; delete that line (put a unit "
                                "in its column's name, e.g. height_cm)")
        repeated = any([c.strip() for c in row] == [c.strip() for c in first] for row in rows[1:])
        why = looks_like_data(first, rows) if header == "auto" and not repeated else None
        if why:
            shown = ", ".join(c.strip() for c in first[:5])
            raise PipelineError(f"{where}: the first row looks like data, not column names ({why}: {shown}, ...); "
                                f"if the file has no header, set {section}.header: false and name its {len(first)} "
                                f"columns in {section}.columns: [...] (or {section}.header: true to keep it)")
        wider = next((i for i, row in enumerate(rows[1:], start=2) if len(row) > len(first)), None)
        if wider is not None:
            raise PipelineError(f"{where}: row {wider} has {len(rows[wider - 1])} fields but the header has "
                                f"{len(first)} (a trailing delimiter, or an unquoted {sep!r} inside a value); fix "
                                "that row, or quote the value")
    fix = f"; check {section}.sep" if section else ""
    layout = (sep, header, columns, na_values, blank_rows)
    frame = _read(source, text, layout, _codes(rows, header, columns), where, fix)
    mark = decimal if decimal != "auto" else file_decimal(frame, sep)
    if mark == ",":  # pandas took 1.234 for a float: read every cell as text and let the typing read them
        frame = _read(source, text, layout, str, where, fix)
        if decimal == "auto":
            notes.append(f"the numbers use a decimal comma (e.g. 51,26); read as such{override('decimal')}")
    frame, marked = strip_missing(frame, list(na_values))
    if marked:
        notes.append(f"read {sum(marked.values())} cell(s) that are missing markers with spaces around them "
                     f"(e.g. ' ?') as missing, in {list(marked)}")
    return frame, notes, mark


def _codes(rows: list[list[str]], header, columns) -> dict | None:
    """Columns written with leading zeros (02134, 010-...) read as text: pandas would drop the zero of a code."""
    names = columns if header is False else rows[0] if rows else []
    body = rows if header is False else rows[1:]
    coded = {i for row in body[:2_000] for i, cell in enumerate(row) if i < len(names)
             and LEADING_ZERO.fullmatch(cell.strip())}
    # named as pandas names them: skipinitialspace strips a header cell's leading spaces
    return {names[i].lstrip() if header is not False else names[i]: str for i in sorted(coded)} or None


def _head(path) -> str:
    with open(path, newline="", encoding="utf-8") as f:
        return f.read(SNIFF_BYTES)


def _check_header(columns: list[str], where: str) -> None:
    """pandas silently renames a repeated column to 'x.1', so repeats are caught on the raw header. Empty names
    (a saved index, trailing delimiters) are not repeats: pandas numbers them and tidy_csv handles them. Names
    that differ only in case or surrounding spaces (`Age`, `age `) are one column to a reader: an error too."""
    repeated = sorted(name for name, n in Counter(c.strip() for c in columns if c.strip()).items() if n > 1)
    if repeated:
        raise PipelineError(f"{where}: duplicate column names {repeated}; rename or drop the repeats")
    folded: dict[str, list[str]] = {}
    for c in columns:
        if c.strip():
            folded.setdefault(c.strip().casefold(), []).append(c)
    clash = next((names for names in folded.values() if len(names) > 1), None)
    if clash:
        raise PipelineError(f"{where}: columns {' and '.join(map(repr, clash))} are the same name once trimmed and "
                            "case-folded; rename one of them (or drop it) so that no one mistakes them")


def _title_rows(rows: list[list[str]]) -> int:
    """Lines above the header that hold one cell or none (a report's title, a date), before a wider header."""
    count = 0
    while count < min(len(rows) - 1, 10) and sum(1 for c in rows[count] if c.strip()) <= 1:
        count += 1
    wide = rows[count:count + 5] if count else []
    return count if wide and min(len(r) for r in wide) >= 2 else 0


def _units_row(header: list[str], rows: list[list[str]]) -> list[str]:
    """The cells of a line right under the header that names units (cm, kg, 원) over columns of numbers."""
    if len(rows) < 4:
        return []
    below = rows[2:52]
    numeric = [i for i in range(len(header)) if sum(bool(_NUMBER.fullmatch(r[i].strip())) for r in below
                                                    if i < len(r)) >= 0.9 * len(below)]
    second = rows[1]
    units = [second[i].strip() for i in numeric if i < len(second) and second[i].strip()
             and not _NUMBER.fullmatch(second[i].strip()) and len(second[i].strip()) <= 12
             and re.search(r"[^\W\d_]", second[i])]  # a letter of any script: cm, kg, 원 (not a '?' marker)
    return units if numeric and len(units) >= max(1, len(numeric) / 2) else []


def _read(source, text, layout: tuple, dtype, where, fix) -> pd.DataFrame:
    sep, header, columns, na_values, blank_rows = layout
    options = {"sep": r"\s+" if sep == WHITESPACE else sep, "na_values": list(na_values), "keep_default_na": True,
               "skipinitialspace": True, "index_col": False, "dtype": dtype, "encoding": "utf-8-sig",
               "skip_blank_lines": not blank_rows}
    if header is False:
        options |= {"header": None, "names": columns}
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(io.StringIO(text) if text is not None else source, **options)
        except UnicodeDecodeError:
            raise PipelineError(f"{where}: not UTF-8 text; re-save the file as UTF-8 CSV") from None
        except pd.errors.ParserWarning:
            raise PipelineError(f"{where}: some rows have more fields than the header (a trailing delimiter, or an "
                                f"unquoted {sep!r} inside a value); fix those rows, or quote the values") from None
        except (pd.errors.ParserError, csv.Error) as exc:
            raise PipelineError(f"{where}: not a readable CSV with delimiter {sep!r} "
                                f"({' '.join(str(exc).split())}){fix}") from None


def read_like_ingest(data: bytes, name: str, where: str, layout=AS_WRITTEN, *, section: str | None = "data",
                     keep_rows: bool = False) -> tuple[pd.DataFrame, list[str], str]:
    """A table file's bytes as ingest reads the training CSV, and serve reads new rows: unpacked and decoded
    (file_text), parsed (read_csv, as `layout` says) and tidied (tidy_csv) -> (table, notes, decimal mark).
    `keep_rows` (rows to predict): every line keeps its place, a blank one as a row of missing values."""
    text, notes = file_text(data, name, where)
    if keep_rows:
        text = text.rstrip("\r\n") + "\n"  # blank lines after the last row are the file's end, not rows
    frame, more, decimal = read_csv(text, where, layout, section=section, blank_rows=keep_rows)
    frame, tidied = tidy_csv(frame, keep_rows)
    return frame, notes + more + tidied, decimal
