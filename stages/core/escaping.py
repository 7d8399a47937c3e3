"""Text from the user's data (column names, class labels, file names) made safe where people open it.

- Spreadsheets: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel
  and LibreOffice (OWASP, "CSV Injection"). Such text cells get a leading `'`, which the spreadsheet shows as
  text; a real number (`-3.5`, `+1,5`) is left as it is, and so is every numeric column.
- Markdown: reports/summary.md is both the terminal's last screen and a page a pull request renders, so it is one
  fenced block (nothing inside a fence is rendered as HTML), fenced by more backticks than any line holds.
- HTML pages escape with `html.escape` (the run page) or Jinja's autoescape (the web app).
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d[\d\s.,']*|[.,]\d+)([eE][+-]?\d+)?%?")


def cell_safe(value):
    """One cell: text a spreadsheet would run as a formula gets a leading quote; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its text cells and column names neutralised (the frame itself when nothing changes)."""
    out = frame
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            risky = values.map(lambda v: cell_safe(v) is not v).astype(bool)
            if risky.any():  # only those cells change: map() would turn a column of 1, 2 and None into 1.0, 2.0
                safe = values.copy()
                safe[risky] = ["'" + v for v in values[risky]]
                out = out.copy() if out is frame else out
                out.isetitem(i, safe)
    names = [cell_safe(c) for c in frame.columns]
    return out if names == list(frame.columns) else out.set_axis(names, axis=1)


def fenced(lines: list[str]) -> list[str]:
    """Lines as one Markdown code block: shown as typed in a terminal and in a rendered page, never as HTML."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *lines, fence]
