"""The data, seen before it is modelled: skrub's TableReport of the table as ingest typed it
(reports/ingest/table.html), one self-contained page that opens offline: every column's distribution, missing
cells and most frequent values, and the associations between columns.

Ingest's own reading sits above skrub's report: each column's kind (stages/core/tabular/columns.py) with ingest's
note, and one entry per kind in the report's column filter. Above REPORT_ROWS rows the report is drawn from a seeded
sample, and the page says so; its cost then stays near constant (about 2 s for 15 columns on 100,000 rows), while
ingest's grows with the rows. Plots cost 55 to 80 ms a column (150 columns: 10 s, a 4.5 MB page) and associations
the square of the columns, so above PLOT_COLUMNS and ASSOCIATION_COLUMNS the page leaves them out and says why.

The same table gives the same bytes: skrub draws a random id per page and per plot, and matplotlib stamps each
SVG with the time; both are pinned while the page is drawn.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import types
from html import escape
from unittest import mock

import pandas as pd

REPORT_ROWS = 100_000
PLOT_COLUMNS = 100  # up to about 7 s of plots
ASSOCIATION_COLUMNS = 100  # 4,950 pairs

STYLE = ("<style>.ingest{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:1rem auto;padding:0 1rem}"
         ".ingest h1{font-size:1.4rem;margin:.4rem 0}.ingest p{margin:.3rem 0}.ingest details{margin:.1rem 0}"
         ".ingest summary{cursor:pointer}</style>")


def report_rows(n: int, rows) -> tuple[int | None, str]:
    """(rows to sample, or None for every row; why): every row up to REPORT_ROWS (`data.report_rows`: auto, a count,
    or null for every row), else a seeded sample: at 100,000 rows a share or a mean is read to a fraction of a
    percent, and the page is done in seconds."""
    limit = REPORT_ROWS if rows == "auto" else rows
    if limit is None or n <= limit:
        return None, "set in params.yaml" if rows is None else f"{n:,} rows <= {limit:,}"
    if rows != "auto":
        return limit, "set in params.yaml"
    return limit, (f"{n:,} rows > {REPORT_ROWS:,}: the report is drawn from a seeded sample (the page says so); "
                   "ingest's table keeps every row")


def report_page(table: pd.DataFrame, kinds: dict[str, object], target: str | None, source: str, sample: int | None,
                seed: int) -> str:
    """The standalone HTML page: ingest's header (kinds, sample) above skrub's TableReport of `table`.
    `kinds`: column -> its `columns.Typed` (`.kind`, `.note`) as ingest decided it, dropped columns included."""
    from skrub import TableReport

    shown = table if sample is None else table.sample(sample, random_state=seed).sort_index()
    kept = {str(c): kinds[c] for c in table.columns if c in kinds}
    by_kind: dict[str, list[str]] = {}
    for column, kind in kept.items():
        by_kind.setdefault("target" if column == target else kind.kind, []).append(column)
    filters = {f"ingest: {kind} ({len(columns)})": columns for kind, columns in by_kind.items()}
    n_columns = table.shape[1]
    report = TableReport(shown, column_filters=filters, verbose=0,
                         plot_distributions=n_columns <= PLOT_COLUMNS,
                         compute_associations=n_columns <= ASSOCIATION_COLUMNS)
    with _pinned():
        html = report.html()
    header = _header(table, kinds, target, source, sample, by_kind)
    if html.count("<main>") != 1:  # a skrub whose page no longer has one main: say so, not a page without a header
        raise RuntimeError("skrub's TableReport page changed: expected one <main> to put ingest's header in")
    return html.replace("<main>", f"<main>{STYLE}{header}", 1)


def _header(table: pd.DataFrame, kinds: dict, target: str | None, source: str, sample: int | None,
            by_kind: dict[str, list[str]]) -> str:
    n_rows, n_columns = table.shape
    sampled = ("" if sample is None else
               f" The report below is drawn from a seeded sample of {sample:,} of the {n_rows:,} rows "
               "(<code>data.report_rows</code>): its counts are the sample's, its shares and distributions the "
               "table's to a fraction of a percent.")
    left_out = [what for what, limit in (("distributions", PLOT_COLUMNS), ("associations", ASSOCIATION_COLUMNS))
                if n_columns > limit]
    skipped = (f" {' and '.join(left_out).capitalize()} are left out: {n_columns:,} columns > {PLOT_COLUMNS} (plots "
               "cost 55 to 80 ms a column, associations the square of the columns)." if left_out else "")
    dropped = [c for c in kinds if c not in table.columns]
    by_name = {str(c): kind for c, kind in kinds.items()}  # by_kind names columns as text
    lines = [f"<h1>{escape(source)}: the table as ingest typed it</h1>",
             f"<p>{n_rows:,} rows &times; {n_columns:,} columns"
             + (f", target <code>{escape(str(target))}</code>" if target else "") + f".{sampled}{skipped}</p>",
             "<p>Each column's kind, as ingest decided it (preprocess encodes by it; <code>data.kinds</code> "
             "overrides it). The report's column filter lists the same kinds.</p>"]
    for kind, columns in by_kind.items():
        named = ", ".join(f"<code>{escape(c)}</code>" + _note(by_name[c]) for c in columns)
        lines.append(f"<details><summary>{escape(kind)}: {len(columns)} column{'s' * (len(columns) != 1)}"
                     f"</summary><p>{named}</p></details>")
    if dropped:
        named = ", ".join(f"<code>{escape(str(c))}</code> ({escape(kinds[c].kind)}" + _note(kinds[c], ", ") + ")"
                          for c in dropped)
        lines.append(f"<details><summary>dropped by ingest: {len(dropped)} column{'s' * (len(dropped) != 1)}"
                     f"</summary><p>{named}</p></details>")
    return '<section class="ingest">' + "".join(lines) + "</section>"


def _note(kind, before: str = " ") -> str:
    note = getattr(kind, "note", None)
    return "" if not note else (f"{before}{escape(note)}" if before == ", " else f" ({escape(note)})")


@contextlib.contextmanager
def _pinned():
    """skrub's random page and plot ids from a counter, matplotlib's SVG date and ids fixed: the same bytes."""
    import matplotlib
    import skrub._reporting._html as report_html
    import skrub._utils as skrub_utils

    counter = itertools.count()
    ids = types.SimpleNamespace(token_hex=lambda nbytes=None: hashlib.sha256(b"%d" % next(counter)).hexdigest())
    with mock.patch.object(report_html, "secrets", ids), mock.patch.object(skrub_utils, "secrets", ids), \
            mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": "0"}), matplotlib.rc_context({"svg.hashsalt": "skrub"}):
        yield
