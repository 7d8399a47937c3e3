"""User text made safe where people open it (stages/core/escaping.py): spreadsheet cells and Markdown."""

import pandas as pd

from stages.core.escaping import cell_safe, fenced, spreadsheet_safe


def test_cells_a_spreadsheet_would_run_get_a_quote_and_real_numbers_do_not():
    for formula in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"):
        assert cell_safe(formula) == "'" + formula
    for kept in ("-3.5", "+1,5", "-1 234,5", "-7%", "1e-3", "north", "양성", "", "a=b", 5, -2.0, None):
        assert cell_safe(kept) == kept


def test_a_table_keeps_its_numbers_and_its_korean_and_neutralises_text_and_names():
    frame = pd.DataFrame({"=cmd": ["=1+1", "양성", "-4"], "amount": [-1.5, 2.0, -3.0], "ok": ["a", "b", "c"]})
    safe = spreadsheet_safe(frame)
    assert safe.columns.tolist() == ["'=cmd", "amount", "ok"]
    assert safe["'=cmd"].tolist() == ["'=1+1", "양성", "-4"] and safe["amount"].tolist() == [-1.5, 2.0, -3.0]
    assert frame["=cmd"][0] == "=1+1"  # the caller's table is untouched
    labels = pd.DataFrame({"predicted": pd.Series([1, None, 2], dtype=object), "note": ["=x", None, "ok"]})
    assert spreadsheet_safe(labels)["predicted"].tolist() == [1, None, 2]  # integer labels stay 1, not 1.0
    note = spreadsheet_safe(labels)["note"]
    assert note[[0, 2]].tolist() == ["'=x", "ok"] and pd.isna(note[1])
    plain = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    assert spreadsheet_safe(plain) is plain  # nothing to change: no copy


def test_fenced_lines_render_as_text_whatever_they_hold():
    assert fenced(["a <b>", "c"]) == ["```", "a <b>", "c", "```"]
    inner = fenced(["``` escape", "<script>"])
    assert inner[0] == inner[-1] == "````"
