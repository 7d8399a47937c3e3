"""What real exports carry, read right or stopped with the fix: labels (stages/core/tabular/labels.py), numbers,
codes and dates (columns.py), rows and headers (reading.py, datasets.py), copies across the split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stages.core.classes import positive_class, positive_code
from stages.core.errors import PipelineError
from stages.core.tabular.columns import type_column
from stages.core.tabular.datasets import drop_duplicates, tidy_csv
from stages.core.tabular.labels import as_labels, class_array, target_rows
from stages.core.tabular.preprocessing import training_twins
from stages.core.tabular.reading import read_csv
from stages.core.tabular.sizing import class_folds


@pytest.mark.parametrize("classes, dtype", [([0, 1], np.int64), ([1, 2], np.int64), ([False, True], np.bool_),
                                            (["neg", "pos"], object), (["양성", "음성"], object)])
def test_class_array_keeps_the_labels_type_so_scikit_learn_reads_them_alike(classes, dtype):
    from sklearn.metrics import accuracy_score

    array = class_array(classes)
    assert array.dtype == dtype and array[[1, 0]].tolist() == [classes[1], classes[0]]
    assert accuracy_score(array[[0, 1, 1]], np.asarray(classes, dtype=dtype)[[0, 1, 0]]) == pytest.approx(2 / 3)


def test_a_positive_class_named_in_yaml_finds_its_label_whatever_its_type():
    y = pd.Series([0, 1, 1, 0, 0])
    assert positive_class(None, y, key="data.positive_class") == 1  # the rarer, as written: 1, not '1'
    assert positive_class("0", y, key="data.positive_class") == 0
    assert positive_code([False, True], "True") == 1
    with pytest.raises(PipelineError, match=r"data.positive_class = 'yes' is not a class; choose one of 0, 1"):
        positive_class("yes", y, key="data.positive_class")


def test_target_markers_are_missing_and_a_few_text_cells_leave_a_quantity():
    y = pd.Series(["12", "-", "13", "N/A", "unknown", *map(str, range(14, 60))])
    values, keep, notes = target_rows(y, "price", ".", None, False)
    assert keep.sum() == len(y) - 3 and values[keep].dtype == float
    assert "read 2 target cell(s) ['-', 'N/A'] as missing" in notes[0]
    assert "holds numbers except 1 row(s) (lines 6: unknown): those rows are dropped" in notes[1]
    labels = pd.Series(["pos", "neg", "-"] * 10)  # text labels stay labels; only the marker goes
    values, keep, notes = target_rows(labels, "y", ".", None, False)
    assert set(values[keep]) == {"pos", "neg"} and len(notes) == 1


def test_labels_that_differ_in_case_or_spaces_merge_and_whole_floats_are_integers():
    y, notes = as_labels(pd.Series(["yes", "Yes", "YES", "no", "No ", "no"]), False, {}, section="data")
    assert y.tolist() == ["yes", "yes", "yes", "no", "no", "no"]
    assert "['YES', 'Yes'] into 'yes'" in notes[0] and "data.case_sensitive_classes: true" in notes[0]
    kept, _ = as_labels(pd.Series(["yes", "Yes"]), True, {}, section="data")
    assert kept.tolist() == ["yes", "Yes"]
    whole, _ = as_labels(pd.Series([0.0, 1.0, 1.0]), False, {}, section="data")
    assert whole.dtype == np.int64
    merged, notes = as_labels(pd.Series([3, 4, 5, 4]), False, {3: "4"}, section="data")
    assert merged.tolist() == [4, 4, 5, 4] and "3 into 4" in notes[0]
    with pytest.raises(PipelineError, match=r"data.merge_classes names class 9, which the target does not have"):
        as_labels(pd.Series([3, 4]), False, {9: 4}, section="data")


def test_a_class_rarer_than_the_folds_lowers_them_and_one_training_row_is_an_error():
    y = np.array([0] * 30 + [1] * 4 + [2] * 30)
    lowered = class_folds(10, "compare.folds", y, [3, 4, 5], "fewer_folds", why="auto")
    assert (lowered.rule, lowered.value) == ("folds", 4)
    assert lowered.line().startswith("compare.folds = 4: class 4 has only 4 training rows")
    assert class_folds(3, "tune.cv", y, [3, 4, 5], "fewer_folds").value == 3
    assert class_folds(5, "features.sfs.cv", y, [3, 4, 5], "fewer_folds", share=0.5).value == 2
    with pytest.raises(PipelineError, match=r"tune.cv = 5 but class 4 has only 1 training row\(s\) there; add rows "
                                            r"of that class, drop them, or merge it .* data.merge_classes: \{4: "):
        class_folds(5, "tune.cv", np.array([0] * 30 + [1] + [2] * 30), [3, 4, 5], "fewer_folds")


@pytest.mark.parametrize("values, kind, first", [
    (["37,700원", "1,200원", "500원"], "number", [37700.0, 1200.0, 500.0]),
    (["10.25-", "3.5", "7.75-"], "number", [-10.25, 3.5, -7.75]),
    (["($1,000.50)", "$2,000.00", "$30.25"], "number", [-1000.5, 2000.0, 30.25]),
    (["02134", "10001", "02138"], "category", ["02134", "10001", "02138"]),
    (["2021년 9월 2일", "2021년 10월 12일", "2022년 1월 3일"], "date", ["2021-09-02", "2021-10-12", "2022-01-03"]),
    (["오전 3:36:00", "오후 11:05:00", "오전 9:00:00"], "date", ["1900-01-01 03:36:00", "1900-01-01 23:05:00",
                                                           "1900-01-01 09:00:00"]),
    (["02-Sep-2021", "13-Oct-2021", "01-Jan-2022"], "date", ["2021-09-02", "2021-10-13", "2022-01-01"]),
    (["2021-09-02T03:36:00+09:00", "2021-09-03T04:00:00Z", "2021-09-04T05:00:00-05:00"], "date",
     ["2021-09-01 18:36:00", "2021-09-03 04:00:00", "2021-09-04 10:00:00"]),
])
def test_numbers_codes_and_dates_as_exports_write_them(values, kind, first):
    read, typed = type_column(pd.Series(values * 10), "v", ".", None, False, False, "data.kinds")
    assert typed.kind == kind and read.head(3).tolist() == first


def test_long_codes_and_row_numbers_are_identifiers_never_amounts():
    order = np.random.default_rng(0).permutation(60)
    _, typed = type_column(pd.Series(order + 1), "seq", ".", None, False, False, "data.kinds")
    assert typed.kind == "identifier" and "numbering the rows 1..60" in typed.note
    _, typed = type_column(pd.Series(4_000_000_000_000_000 + order * 7919), "회원번호", ".", None, False, False, "k")
    assert typed.kind == "identifier"
    codes, typed = type_column(pd.Series([12345678, 23456789] * 30), "card", ".", None, False, False, "k")
    assert typed.kind == "category" and "8-digit codes" in typed.note and codes.iloc[0] == "12345678"


def test_a_semicolon_file_reads_its_commas_as_decimals():
    frame, _, mark = read_csv("x;label\n" + "".join(f"0,{125 + i};{'ab'[i % 2]}\n" for i in range(30)), "f.csv")
    assert mark == "," and frame["x"].head(2).tolist() == ["0,125", "0,126"]  # typed later: 0.125, never 125
    _, typed = type_column(frame["x"], "x", mark, None, False, True, "data.kinds")
    assert typed.kind == "number"


def test_totals_rows_repeated_headers_and_copies_are_dropped_with_a_note():
    body = "".join(f"{i},{'ab'[i % 2]}\n" for i in range(20))
    frame, _, _ = read_csv("x,label\n" + body + "x,label\n" + body + "190,Total\n", "f.csv")
    frame, notes = tidy_csv(frame)
    assert len(frame) == 40 and any("repeat(s) of the header" in n for n in notes)
    assert any("dropped 1 totals row(s) at the end (Total)" in n for n in notes)
    kept, notes = drop_duplicates(frame, "drop", key="data.duplicates")
    assert len(kept) == 20 and "dropped 20 row(s) that repeat an earlier row exactly" in notes[0]
    same, notes = drop_duplicates(frame, "keep", key="data.duplicates")
    assert len(same) == 40 and "optimistic" in notes[0]
    assert training_twins(frame.head(20), frame.tail(20)) == 20


@pytest.mark.parametrize("text, message", [
    ("Sales report 2021\nx,label\n1,a\n2,b\n3,a\n", "the first 1 line(s) look like a title above the header "
                                                   "('Sales report 2021'); delete them"),
    ("height,weight,label\ncm,kg,\n" + "".join(f"{150 + i},{50 + i},{'ab'[i % 2]}\n" for i in range(20)),
     "line 2 looks like units under the header (cm, kg), not data"),
    ("Age,age ,label\n1,1,a\n2,2,b\n", "columns 'Age' and 'age ' are the same name once trimmed and case-folded"),
])
def test_layout_mistakes_stop_with_the_fix(text, message):
    with pytest.raises(PipelineError, match=f"^f.csv: .*{message.replace('(', '.').replace(')', '.')}"):
        read_csv(text, "f.csv")
