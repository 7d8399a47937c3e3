"""Stage ingest: built-in datasets, a user's CSV, and every way a CSV can be wrong."""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import patients, run_fails, run_ok, set_params
from stages import ingest, paths
from stages.core.datasets import check_table, load_builtin, profile
from stages.core.errors import PipelineError


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
    frame = load_builtin(name, "target")
    assert frame.shape == (rows, columns)
    assert set(frame["target"]) == classes
    assert frame.columns[-1] == "target"


def test_builtin_target_name_follows_params():
    assert "species" in load_builtin("iris", "species").columns


def test_profile_counts_types_gaps_and_classes():
    frame = patients()
    report = profile(frame, "outcome", "data/raw/patients.csv", dropped_rows=0)
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
    assert report["source"] == "data/raw/patients.csv"
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
    set_params(workdir, data__csv="data/raw/nope.csv")
    err = run_fails(ingest, capsys)
    assert "data.csv = 'data/raw/nope.csv': file not found" in err
    assert "no CSV is in data/raw/ yet" in err
    assert_nothing_written(workdir)


def test_missing_csv_lists_the_csvs_that_are_there(workdir, patients_csv, capsys):
    set_params(workdir, data__csv="data/raw/patient.csv")
    assert "CSVs there: data/raw/patients.csv" in run_fails(ingest, capsys)


def test_csv_outside_data_raw(workdir, capsys):
    patients().to_csv(workdir / "elsewhere.csv", index=False)
    set_params(workdir, data__csv="elsewhere.csv", data__target="outcome")
    err = run_fails(ingest, capsys)
    assert "is outside data/raw/" in err and "dvc add data/raw/elsewhere.csv" in err
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
    assert "target 'outcome' has a single class ('neg'); a classifier needs at least 2" in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_duplicate_column_names(workdir, patients_csv, capsys):
    patients_csv.write_text("age,bmi,age,outcome\n1,2,3,pos\n4,5,6,neg\n")
    assert "duplicate column names ['age']" in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_entirely_empty_column(workdir, patients_csv, capsys):
    patients().assign(notes=np.nan).to_csv(patients_csv, index=False)
    assert "column(s) ['notes'] are entirely empty; drop them" in run_fails(ingest, capsys)
    assert_nothing_written(workdir)


def test_continuous_target(workdir, patients_csv, capsys):
    set_params(workdir, data__target="bmi")
    assert "target 'bmi' holds continuous values" in run_fails(ingest, capsys)


def test_not_utf8(workdir, patients_csv, capsys):
    patients_csv.write_bytes("name,outcome\n\xe9t\xe9,pos\n".encode("latin-1"))
    assert "not UTF-8 text" in run_fails(ingest, capsys)


def test_a_failed_run_keeps_the_previous_complete_outputs(workdir, capsys):
    run_ok(ingest)
    before = paths.DATASET.read_bytes(), paths.PROFILE.read_bytes()
    set_params(workdir, data__csv="data/raw/nope.csv")
    run_fails(ingest, capsys)
    assert (paths.DATASET.read_bytes(), paths.PROFILE.read_bytes()) == before
    assert not list(paths.DATASET.parent.glob(".*.tmp"))


def test_check_table_rejects_target_only_table():
    with pytest.raises(PipelineError, match="only the target column"):
        check_table(pd.DataFrame({"y": ["a", "b"]}), "y", "t.csv")
