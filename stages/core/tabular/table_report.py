"""The data, seen before it is modelled: skrub's TableReport of the table as ingest typed it
(reports/ingest/table.html), one self-contained page that opens offline: every column's distribution, missing
cells and most frequent values, and the associations between columns.

Ingest's own reading sits above skrub's report: each column's kind (stages/core/tabular/columns.py) with ingest's
note, and one entry per kind in the report's column filter. Above REPORT_ROWS rows the report is drawn from a seeded
sample, and the page says so; its cost then stays near constant (about 2 s for 15 columns on 100,000 rows), while
ingest's grows with the rows. Plots cost 55 to 80 ms a column (150 columns: 10 s, a 4.5 MB page) and associations
the square of the columns, so above DRAWN_COLUMNS the page leaves both out and says why.

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

import pandas as pd

REPORT_ROWS = 100_000
DRAWN_COLUMNS = 100  # distributions (up to about 7 s of plots) and associations (4,950 pairs) up to this many
OFF = ("<!doctype html><meta charset=\"utf-8\"><title>table report</title><p>The table report is off "
       "(<code>data.table_report: false</code> in params.yaml).</p>\n")

STYLE = ("<style>.ingest{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:1rem auto;padding:0 1rem}"
         ".ingest h1{font-size:1.4rem;margin:.4rem 0}.ingest p{margin:.3rem 0}.ingest details{margin:.1rem 0}"
         ".ingest summary{cursor:pointer}</style>")


def table_page(table: pd.DataFrame, kinds: dict, data, source: str, seed: int) -> tuple[str, list[str]]:
    """reports/ingest/table.html and the lines ingest prints: the report by `data` (params.yaml's section), or a
    page that says it is off (DVC still finds the declared output)."""
    if not data.table_report:
        return OFF, []
    sample, why = report_rows(len(table), data.report_rows)
    said = [f"ingest: data.report_rows = {sample}: {why}"] if sample is not None else []
    return report_page(table, kinds, data.target, source, sample, seed), said


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
    drawn = n_columns <= DRAWN_COLUMNS
    report = TableReport(shown, column_filters=filters, verbose=0, plot_distributions=drawn,
                         compute_associations=drawn)
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
    skipped = ("" if n_columns <= DRAWN_COLUMNS else
               f" Distributions and associations are left out: {n_columns:,} columns > {DRAWN_COLUMNS} (plots cost "
               "55 to 80 ms a column, associations the square of the columns).")
    dropped = [c for c in kinds if c not in table.columns]
    by_name = {str(c): kind for c, kind in kinds.items()}  # by_kind names columns as text
    lines = [f"<h1>{escape(source)}: the table as ingest typed it</h1>",
             f"<p>{n_rows:,} rows &times; {n_columns:,} columns"
             + (f", target <code>{escape(str(target))}</code>" if target else "") + f".{sampled}{skipped}</p>",
             "<p>Each column's kind, as ingest decided it (preprocess encodes by it; <code>data.kinds</code> "
             "overrides it). The report's column filter lists the same kinds.</p>"]
    lines += [_listed(kind, [_named(c, by_name[c]) for c in columns]) for kind, columns in by_kind.items()]
    if dropped:
        lines.append(_listed("dropped by ingest", [_named(str(c), kinds[c], kind_too=True) for c in dropped]))
    return '<section class="ingest">' + "".join(lines) + "</section>"


def _named(column: str, typed, kind_too: bool = False) -> str:
    """A column as the header lists it: its name, then (its kind, ingest's note) where there is something to say."""
    said = [typed.kind] * kind_too + [typed.note] * bool(typed.note)
    return f"<code>{escape(column)}</code>" + (f" ({escape(', '.join(said))})" if said else "")


def _listed(label: str, named: list[str]) -> str:
    return (f"<details><summary>{escape(label)}: {len(named)} column{'s' * (len(named) != 1)}</summary>"
            f"<p>{', '.join(named)}</p></details>")


@contextlib.contextmanager
def _pinned():
    """skrub's random page and plot ids from a counter, matplotlib's SVG date and ids fixed: the same bytes."""
    from unittest import mock  # here, with skrub: ingest without a report starts without them

    import matplotlib
    import skrub._reporting._html as report_html
    import skrub._utils as skrub_utils

    counter = itertools.count()
    ids = types.SimpleNamespace(token_hex=lambda nbytes=None: hashlib.sha256(b"%d" % next(counter)).hexdigest())
    with mock.patch.object(report_html, "secrets", ids), mock.patch.object(skrub_utils, "secrets", ids), \
            mock.patch.dict(os.environ, {"SOURCE_DATE_EPOCH": "0"}), matplotlib.rc_context({"svg.hashsalt": "skrub"}):
        yield
