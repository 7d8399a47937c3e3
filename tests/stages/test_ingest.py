"""Stage ingest: built-in datasets, a user's CSV, and every way a CSV can be wrong."""

import json

import numpy as np
import pandas as pd
import pytest

from stages import ingest
from stages.common import paths
from stages.common.io import read_table
from stages.core.errors import PipelineError
from stages.core.tabular.datasets import check_table, load_builtin, profile
from tests.conftest import patients, run_fails, run_ok, set_params


@pytest.mark.parametrize(
    "name, rows, columns, classes",
    [
        ("breast_cancer", 569, 31, {"malignant", "benign"}),
        ("iris", 150, 5, {"setosa", "versicolor", "virginica"}),
        ("wine", 178, 14, {"class_0", "class_1", "class_2"}),
        ("digits", 1797, 65, set(range(10))),
    ],
)
def test_builtin_datasets_load_offline_with_class_names(name, rows, columns, classes):
    frame = load_builtin(name, "target", section="data")
    assert frame.shape == (rows, columns)
    assert set(frame["target"]) == classes
    assert frame.columns[-1] == "target"


def test_builtin_target_name_follows_params():
    assert "species" in load_builtin("iris", "species", section="data").columns


def test_profile_counts_types_gaps_and_classes():
    frame = patients()
    report = profile(frame, "outcome", "data/raw/tables/patients.csv", dropped_rows=0)
    assert report["rows"] == 80 and report["columns"] == 5
    assert report["missing"] == {"age": 8, "bmi": 0, "smoker": 6, "region": 0}
    assert sum(report["class_balance"].values()) == 80
    assert set(report["class_balance"]) == {"neg", "pos"}
    assert report["dtypes"]["float64"] == 2


def test_stage_writes_dataset_and_profile_for_default_params(workdir, capsys):
    run_ok(ingest)
    table = pd.read_csv(paths.DATASET)
    assert table.shape == (569, 31)
    report = json.loads(paths.PROFILE.read_text())
    assert report["source"] == "sklearn:breast_cancer"
    assert report["class_balance"] == {"benign": 357, "malignant": 212}
    assert paths.PROFILE_PNG.read_bytes().startswith(b"\x89PNG")
    assert str(paths.DATASET) in capsys.readouterr().out


def test_stage_reads_user_csv(patients_csv):
    run_ok(ingest)
    table = pd.read_csv(paths.DATASET)
    pd.testing.assert_frame_equal(table, pd.read_csv(patients_csv))
    report = json.loads(paths.PROFILE.read_text())
    assert report["source"] == "data/raw/tables/patients.csv"
    assert report["target"] == "outcome"
    assert report["missing"]["smoker"] == 6


def test_rows_without_a_class_are_dropped_and_counted(workdir, patients_csv):
    frame = patients()
    frame.loc[[3, 7], "outcome"] = np.nan
    frame.to_csv(patients_csv, index=False)
    run_ok(ingest)
    assert len(pd.read_csv(paths.DATASET)) == 78
    assert json.loads(paths.PROFILE.read_text())["rows_dropped_missing_target"] == 2


# --- bad input: one line naming the culprit and the fix, exit 2, nothing written -------------------


def assert_nothing_written(workdir):
    assert not any(p.exists() for p in (paths.DATASET, paths.PROFILE, paths.PROFILE_PNG))


def test_missing_csv(workdir, capsys):
    set_params(workdir, data__csv="data/raw/tables/nope.csv")
    err = run_fails(ingest, capsys)
    assert "data.csv = 'data/raw/tables/nope.csv': file not found" in err
    assert "no table is in data/raw/tables/ yet" in err
    assert_nothing_written(workdir)


def test_missing_csv_lists_the_csvs_that_are_there(workdir, patients_csv, capsys):
    set_params(workdir, data__csv="data/raw/tables/patient.csv")
    assert "tables there: data/raw/tables/patients.csv" in run_fails(ingest, capsys)


def test_csv_outside_data_raw(workdir, capsys):
    patients().to_csv(workdir / "elsewhere.csv", index=False)
    set_params(workdir, data__csv="elsewhere.csv", data__target="outcome")
    err = run_fails(ingest, capsys)
    assert "is outside data/raw/tables/" in err and "dvc add data/raw/tables/elsewhere.csv" in err
    assert_nothing_written(workdir)


def test_empty_csv(workdir, patients_csv, capsys):
    patients_csv.write_text("")
    assert "the file is empty" in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_header_only_csv(workdir, patients_csv, capsys):
    patients_csv.write_text("age,bmi,outcome\n")
    assert "has a header but no rows" in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_csv_without_target_lists_its_columns(workdir, patients_csv, capsys):
    set_params(workdir, data__target="diagnosis")
    err = run_fails(ingest, capsys)
    assert "no target column 'diagnosis'" in err
    assert "set data.target to one of: age, bmi, smoker, region, outcome" in err
    assert_nothing_written(workdir)


def test_single_class_target(workdir, patients_csv, capsys):
    frame = patients().assign(outcome="neg")
    frame.to_csv(patients_csv, index=False)
    assert ("target 'outcome' has a single value ('neg') in every row; a model needs at least 2 classes or 2 "
            "distinct values") in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_duplicate_column_names(workdir, patients_csv, capsys):
    patients_csv.write_text("age,bmi,age,outcome\n1,2,3,pos\n4,5,6,neg\n")
    assert "duplicate column names ['age']" in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_entirely_empty_column_is_dropped_with_a_note(workdir, patients_csv, capsys):
    patients().assign(notes=np.nan).to_csv(patients_csv, index=False)
    run_ok(ingest)
    assert "note: ingest: column 'notes' is empty in every row: dropped" in capsys.readouterr().out
    assert "notes" not in pd.read_csv(paths.DATASET).columns
    assert json.loads(paths.PROFILE.read_text())["kinds"]["notes"] == "empty"


def test_continuous_target_is_a_regression_and_cannot_be_classified(workdir, patients_csv, capsys):
    set_params(workdir, data__target="bmi")
    run_ok(ingest)
    profile = json.loads(paths.PROFILE.read_text())
    assert profile["task"] == "regression" and "fractional numbers" in profile["task_reason"]
    assert set(profile["target_summary"]) == {"min", "median", "mean", "std", "max"}
    assert "class_balance" not in profile
    set_params(workdir, data__task="classification")
    err = run_fails(ingest, capsys)
    assert "target 'bmi' has " in err and "distinct continuous values (e.g. " in err
    assert "a quantity, not classes; set data.task: regression (or auto)" in err


def test_whole_number_target_with_many_values_is_a_regression_target(workdir, patients_csv, capsys):
    set_params(workdir, data__target="age")  # ages 20..79: whole numbers, ~50 distinct
    run_ok(ingest)
    assert "holds 45 distinct whole numbers, too many to be classes" in capsys.readouterr().out
    set_params(workdir, data__task="classification")
    err = run_fails(ingest, capsys)
    assert "target 'age' has 45 distinct whole numbers (e.g. " in err and "np." not in err


def test_text_target_cannot_be_a_regression(workdir, patients_csv, capsys):
    set_params(workdir, data__task="regression")
    assert ("data.task = 'regression' but target 'outcome' of data/raw/tables/patients.csv holds text (e.g. "
            "'pos'); use a numeric column, or data.task: classification") in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_integer_class_labels_stay_a_classification(workdir, patients_csv):
    patients().assign(outcome=lambda f: np.where(f["outcome"] == "pos", 2, 1)).to_csv(patients_csv, index=False)
    run_ok(ingest)
    assert json.loads(paths.PROFILE.read_text())["class_balance"].keys() == {"1", "2"}


def korean_table() -> pd.DataFrame:
    """A Korean Excel export's columns: a region name, an amount and the label."""
    rng = np.random.default_rng(3)
    amount = rng.normal(50, 10, 60).round(3)
    return pd.DataFrame({"지역": rng.choice(["서울", "부산", "대구"], 60), "금액": amount,
                         "결과": np.where(amount + rng.normal(0, 5, 60) > 50, "양성", "음성")})


@pytest.mark.parametrize("encoding, said", [("cp949", "read as cp949 (Korean Excel's default), not UTF-8"),
                                            ("utf-16", "read as UTF-16")])
def test_korean_excel_exports_in_cp949_and_utf16_are_read_with_a_note(workdir, capsys, encoding, said):
    path = workdir / "data/raw/tables/korean.csv"
    path.write_bytes(korean_table().to_csv(index=False).encode(encoding))
    set_params(workdir, data__csv="data/raw/tables/korean.csv", data__target="결과")
    run_ok(ingest)
    assert said in capsys.readouterr().out
    table = read_table(paths.DATASET)
    assert table.equals(korean_table()) and json.loads(paths.PROFILE.read_text())["kinds"]["금액"] == "number"


@pytest.mark.parametrize("name", ["korean.csv.gz", "korean.csv.zip", "korean.xlsx"])
def test_compressed_csvs_and_workbooks_are_read(workdir, capsys, name):
    path = workdir / "data/raw/tables" / name
    if name.endswith(".xlsx"):
        korean_table().to_excel(path, index=False, sheet_name="결과표")
    else:
        method = {"gz": "gzip", "zip": "zip"}[name.rsplit(".", 1)[1]]
        korean_table().to_csv(path, index=False, compression={"method": method, "archive_name": "korean.csv"}
                              if method == "zip" else method)
    set_params(workdir, data__csv=f"data/raw/tables/{name}", data__target="결과")
    run_ok(ingest)
    assert read_table(paths.DATASET).equals(korean_table())
    assert ("first sheet '결과표'" if "xlsx" in name else "gzip" if "gz" in name else "from the zip") in (
        capsys.readouterr().out)


def test_another_format_names_the_formats_read(workdir, capsys):
    (workdir / "data/raw/tables/old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    set_params(workdir, data__csv="data/raw/tables/old.xls", data__target="y")
    err = run_fails(ingest, capsys)
    assert "not a format ingest reads; it reads CSV (.csv, .tsv, .txt; any delimiter)" in err and ".xlsx" in err


def test_a_failed_run_keeps_the_previous_complete_outputs(workdir, capsys):
    run_ok(ingest)
    before = paths.DATASET.read_bytes(), paths.PROFILE.read_bytes()
    set_params(workdir, data__csv="data/raw/tables/nope.csv")
    run_fails(ingest, capsys)
    assert (paths.DATASET.read_bytes(), paths.PROFILE.read_bytes()) == before
    assert not list(paths.DATASET.parent.glob(".*.tmp"))


def test_check_table_rejects_target_only_table():
    with pytest.raises(PipelineError, match="only the target column"):
        check_table(pd.DataFrame({"y": ["a", "b"]}), "y", "t.csv", section="data")


# --- what real CSVs carry: fixed with a note, or stopped with one line -----------------------------


def test_semicolon_csv_with_question_marks_for_missing_is_read_as_numbers(workdir, patients_csv, capsys):
    frame = patients()
    text = frame.to_csv(index=False, sep=";", na_rep="?")
    patients_csv.write_text(text)
    run_ok(ingest)
    table = pd.read_csv(paths.DATASET)
    assert table["age"].dtype == float and table["age"].isna().sum() == 8  # `?` is missing, not text
    assert table.shape == (80, 5)
    out = capsys.readouterr().out
    assert "note: ingest: detected the delimiter ';'" in out
    assert json.loads(paths.PROFILE.read_text())["missing"]["age"] == 8


def test_na_values_param_adds_markers(workdir, patients_csv):
    patients().to_csv(patients_csv, index=False, na_rep="-999")
    set_params(workdir, data__na_values=["-999"])
    run_ok(ingest)
    assert pd.read_csv(paths.DATASET)["age"].isna().sum() == 8


def test_a_wrong_sep_names_the_delimiter_the_header_uses(workdir, patients_csv, capsys):
    patients().to_csv(patients_csv, index=False, sep=";")
    set_params(workdir, data__sep=",")
    err = run_fails(ingest, capsys)
    assert "has no target column 'outcome'; the header looks ';'-separated: set data.sep: ';'" in err


def test_unknown_marker_in_a_numeric_column_gets_a_note(workdir, patients_csv, capsys):
    patients().astype({"age": object}).fillna({"age": "unknown"}).to_csv(patients_csv, index=False)
    run_ok(ingest)
    out = capsys.readouterr().out
    assert "note: ingest: column 'age' is numbers except ['unknown'], so it is treated as text" in out
    assert "add them to data.na_values" in out


def test_saved_pandas_index_column_is_dropped_with_a_note(workdir, patients_csv, capsys):
    patients().to_csv(patients_csv)  # index=True: a first column without a name
    run_ok(ingest)
    table = pd.read_csv(paths.DATASET)
    assert list(table.columns) == ["age", "bmi", "smoker", "region", "outcome"]
    assert "note: ingest: dropped the unnamed first column: a saved row index" in capsys.readouterr().out
    assert any("saved row index" in note for note in json.loads(paths.PROFILE.read_text())["notes"])


def test_trailing_commas_are_dropped_with_a_note(workdir, patients_csv, capsys):
    lines = patients().to_csv(index=False).splitlines()
    patients_csv.write_text("\n".join(line + "," for line in lines) + "\n")
    run_ok(ingest)
    assert list(pd.read_csv(paths.DATASET).columns) == ["age", "bmi", "smoker", "region", "outcome"]
    assert "dropped 1 unnamed, entirely empty column(s) (trailing delimiters)" in capsys.readouterr().out


def test_saved_index_and_trailing_delimiters_together(workdir, patients_csv, capsys):
    lines = patients().to_csv(sep=";").splitlines()  # header starts with an empty name, and each line ends with ;
    patients_csv.write_text("\n".join(line + ";" for line in lines) + "\n")
    run_ok(ingest)
    assert list(pd.read_csv(paths.DATASET).columns) == ["age", "bmi", "smoker", "region", "outcome"]
    out = capsys.readouterr().out
    assert "saved row index" in out and "trailing delimiters" in out


def test_labels_with_surrounding_spaces_are_one_class(workdir, patients_csv, capsys):
    frame = patients()
    frame.loc[::3, "outcome"] = " " + frame.loc[::3, "outcome"]
    frame.loc[1::3, "region"] = frame.loc[1::3, "region"] + "  "
    frame.to_csv(patients_csv, index=False)
    run_ok(ingest)
    report = json.loads(paths.PROFILE.read_text())
    assert report["class_balance"].keys() == {"neg", "pos"}
    assert set(pd.read_csv(paths.DATASET)["region"]) == {"north", "south", "east", "west"}
    assert "stripped spaces around the text values of ['region']" in capsys.readouterr().out  # leading: the reader


def test_infinity_names_the_column_and_row_count(workdir, patients_csv, capsys):
    frame = patients()
    frame.loc[[1, 5, 9], "bmi"] = np.inf
    frame.loc[2, "bmi"] = -np.inf
    frame.to_csv(patients_csv, index=False)
    err = run_fails(ingest, capsys)
    assert "column 'bmi' holds +inf or -inf in 4 row(s); replace them with numbers, or empty the cells" in err
    assert_nothing_written(workdir)


def test_identifier_column_is_dropped_with_a_note_and_the_key_that_keeps_it(workdir, patients_csv, capsys):
    patients().assign(patient_id=[f"P{i:04d}" for i in range(80)]).to_csv(patients_csv, index=False)
    run_ok(ingest)
    assert ("note: ingest: column 'patient_id' looks like an identifier (80 distinct values in 80 rows, e.g. "
            "'P0000'): dropped; set data.kinds: {patient_id: category} (or number) to keep it as a feature"
            ) in capsys.readouterr().out
    assert "patient_id" not in pd.read_csv(paths.DATASET).columns
    set_params(workdir, data__kinds={"patient_id": "category"})
    run_ok(ingest)
    assert "patient_id" in pd.read_csv(paths.DATASET).columns


def test_drop_with_an_unknown_column_lists_the_columns(workdir, patients_csv, capsys):
    set_params(workdir, data__drop=["patient"])
    err = run_fails(ingest, capsys)
    assert "data.drop names ['patient'], which data/raw/tables/patients.csv does not have; its columns: age, bmi" in err


def test_drop_works_on_builtin_data(workdir):
    set_params(workdir, data__drop=["mean radius"])
    run_ok(ingest)
    assert pd.read_csv(paths.DATASET).shape == (569, 30)


def test_single_class_message_prints_plain_numbers(workdir, patients_csv, capsys):
    patients().assign(outcome=2).to_csv(patients_csv, index=False)
    assert "has a single value (2) in every row" in run_fails(ingest, capsys)


# --- the table report: skrub's TableReport of the table as ingest typed it ------------------------------------


def test_the_table_report_shows_every_column_of_a_builtin_table_with_its_kind_and_the_same_bytes_twice(workdir):
    set_params(workdir, data__table_report=True)
    run_ok(ingest)
    page = paths.TABLE_REPORT.read_text()
    assert page.startswith("<!DOCTYPE html>") and "sklearn:breast_cancer: the table as ingest typed it" in page
    assert "569 rows &times; 31 columns, target <code>target</code>" in page and "seeded sample" not in page
    for column in pd.read_csv(paths.DATASET).columns:
        assert f"<code>{column}</code>" in page  # ingest's kinds, above skrub's report
    assert "number: 30 columns" in page and "target: 1 column" in page and "ingest: number (30)" in page
    assert json.loads(paths.PROFILE.read_text())["table_report"] == str(paths.TABLE_REPORT)
    first = paths.TABLE_REPORT.read_bytes()
    run_ok(ingest)
    assert paths.TABLE_REPORT.read_bytes() == first  # skrub's random ids and the SVGs' dates are pinned


def test_the_table_report_of_a_csv_lists_the_kinds_ingest_decided_and_the_columns_it_dropped(workdir, patients_csv,
                                                                                              capsys):
    set_params(workdir, data__table_report=True)
    patients().assign(patient_id=[f"P{i:04d}" for i in range(80)]).to_csv(patients_csv, index=False)
    run_ok(ingest)
    page = paths.TABLE_REPORT.read_text()
    assert "data/raw/tables/patients.csv: the table as ingest typed it" in page
    assert "number: 2 columns" in page and "category: 2 columns" in page  # age, bmi; smoker, region
    assert "dropped by ingest: 1 column" in page and "<code>patient_id</code> (identifier, " in page
    assert "reports/ingest/table.html" in capsys.readouterr().out  # the stage's line names it


def test_the_table_report_is_drawn_from_a_seeded_sample_above_its_rows_and_says_so(workdir, patients_csv, capsys):
    from stages.core.tabular.table_report import report_rows

    assert report_rows(100_000, "auto") == (None, "100,000 rows <= 100,000")
    sample, why = report_rows(1_000_000, "auto")
    assert sample == 100_000 and why.startswith("1,000,000 rows > 100,000: the report is drawn from a seeded sample")
    assert report_rows(1_000_000, None) == (None, "set in params.yaml")

    patients(400, seed=3).to_csv(patients_csv, index=False)
    set_params(workdir, data__table_report=True, data__report_rows=150)
    run_ok(ingest)
    assert "ingest: data.report_rows = 150: set in params.yaml" in capsys.readouterr().out
    page = paths.TABLE_REPORT.read_text()
    assert "drawn from a seeded sample of 150 of the 400 rows" in page
    assert len(pd.read_csv(paths.DATASET)) == 400  # the table keeps every row


def test_the_table_report_can_be_turned_off_and_dvc_still_finds_its_page(workdir, capsys):
    run_ok(ingest)  # the tests' params: off
    assert "data.table_report: false" in paths.TABLE_REPORT.read_text()
    assert json.loads(paths.PROFILE.read_text())["table_report"] is None


def test_a_wide_table_report_leaves_out_plots_and_associations_and_says_why():
    from stages.core.tabular.columns import Typed
    from stages.core.tabular.table_report import DRAWN_COLUMNS, report_page

    wide = pd.DataFrame(np.random.default_rng(0).normal(size=(30, DRAWN_COLUMNS + 1))).add_prefix("m")
    page = report_page(wide, {c: Typed("number") for c in wide.columns}, None, "wide.csv", None, seed=0)
    assert f"Distributions and associations are left out: {DRAWN_COLUMNS + 1} columns > {DRAWN_COLUMNS}" in page
    assert "data-test-plots-skipped" in page and "data-test-associations-skipped" in page  # skrub's own marks
    assert f"number: {DRAWN_COLUMNS + 1} columns" in page
