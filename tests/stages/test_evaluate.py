"""Stage evaluate: held-out metrics around the positive class, per-class values, curves and figures."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from stages import compare_models, evaluate, ingest, preprocess, select_features, tune
from stages.common import paths
from stages.common.io import read_json, read_table
from stages.core.evaluation import held_out_metrics, majority_baseline
from tests.conftest import REPO, project_of, run_fails, run_stages

PIPELINE = (ingest, preprocess, select_features, compare_models, tune)


def test_binary_metrics_are_about_the_positive_class():
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # 1 = sick
    pred = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0])
    scores = np.column_stack([1 - pred * 0.8, pred * 0.8])
    m = held_out_metrics(y, pred, scores, ["healthy", "sick"], positive=1)
    assert m["recall"] == pytest.approx(3 / 4)  # sensitivity: sick people found
    assert m["specificity"] == pytest.approx(5 / 6)  # healthy people cleared
    assert m["precision"] == pytest.approx(3 / 4)
    assert m["per_class"]["healthy"]["recall"] == pytest.approx(5 / 6)
    assert m["balanced_accuracy"] == pytest.approx((3 / 4 + 5 / 6) / 2)


def test_majority_baseline_always_predicts_the_training_majority():
    y_train = np.array([0] * 6 + [1] * 4)
    y_test = np.array([0, 0, 0, 1, 1])
    majority, b = majority_baseline(y_train, y_test, ["healthy", "sick"], positive=1)
    assert majority == "healthy" and b["accuracy"] == pytest.approx(3 / 5)
    assert (b["recall"], b["specificity"], b["balanced_accuracy"], b["roc_auc"]) == (0, 1, 0.5, 0.5)


def test_stage_on_a_user_csv_defaults_to_the_rarer_class(patients_csv):
    workdir = project_of(patients_csv)
    run_stages(workdir, *PIPELINE, evaluate)
    metrics = read_json(paths.EVALUATE_METRICS)
    test = read_table(paths.TEST)
    rarer = test["outcome"].value_counts().idxmin()  # codes: neg 0, pos 1
    confusion = read_table(paths.CONFUSION)
    assert len(confusion) == len(test) and set(confusion["actual"]) <= {"neg", "pos"}
    name = ["neg", "pos"][rarer]
    hits = ((confusion["actual"] == name) & (confusion["predicted"] == name)).sum()
    assert metrics["recall"] == pytest.approx(hits / (confusion["actual"] == name).sum())
    assert {"accuracy", "balanced_accuracy", "precision", "recall", "specificity", "f1", "roc_auc"} <= set(metrics)
    majority = ["neg", "pos"][read_table(paths.TRAIN)["outcome"].value_counts().idxmax()]
    assert metrics["baseline"]["recall"] == 0  # it never predicts the rarer class
    assert metrics["baseline"]["accuracy"] == pytest.approx((confusion["actual"] == majority).mean())
    roc = read_table(paths.ROC)
    assert roc["fpr"].is_monotonic_increasing and roc[["fpr", "tpr"]].iloc[-1].tolist() == [1, 1]
    for png in (paths.CONFUSION_PNG, paths.ROC_PNG, paths.PRECISION_RECALL_PNG):
        assert png.read_bytes().startswith(b"\x89PNG")


def test_positive_class_param_switches_the_view(patients_csv):
    workdir = project_of(patients_csv)
    run_stages(workdir, *PIPELINE, evaluate, data__positive_class="neg")
    neg = read_json(paths.EVALUATE_METRICS)
    run_stages(workdir, preprocess, evaluate, data__positive_class="pos")  # the same model, another view
    pos = read_json(paths.EVALUATE_METRICS)
    assert neg["recall"] == pytest.approx(pos["specificity"]) and neg["specificity"] == pytest.approx(pos["recall"])


def test_multiclass_reports_macro_averages_and_every_class(workdir):
    run_stages(workdir, *PIPELINE, evaluate, data__dataset="iris")
    metrics = read_json(paths.EVALUATE_METRICS)
    assert {"recall_macro", "specificity_macro", "f1_macro", "roc_auc_macro"} <= set(metrics)
    assert set(read_json(paths.EVALUATE_PER_CLASS)) == {"setosa", "versicolor", "virginica"}
    assert "per_class" not in metrics  # headline numbers only: `dvc exp show` stays readable
    assert metrics["accuracy"] > 0.8


def test_unknown_positive_class(patients_csv, capsys):
    run_stages(project_of(patients_csv), ingest, data__positive_class="maybe")
    msg = run_fails(preprocess, capsys)
    assert "data.positive_class = 'maybe' is not a class; choose one of neg, pos (or null: the rarer class)" in msg
    assert not paths.LABELS.exists()


def test_positive_class_on_multiclass_data(workdir, capsys):
    run_stages(workdir, ingest, data__dataset="iris", data__positive_class="setosa")
    msg = run_fails(preprocess, capsys)
    assert "data.positive_class = 'setosa' needs two classes, but 3 are here" in msg


def messy_csv(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """What broke compare_models before: a 1,000-value text column, dates, and a numeric column with `?`."""
    rng = np.random.default_rng(seed)
    codes = np.concatenate([np.arange(1000), rng.integers(0, 1000, n - 1000)])
    glucose = rng.normal(120, 30, n).round(0)
    frame = pd.DataFrame({
        "code": [f"id{c:05d}" for c in rng.permutation(codes)],
        "visit": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1100, n), unit="D"),
        "glucose": glucose.astype(object),
        "age": rng.integers(21, 80, n),
        "outcome": np.where(glucose + rng.normal(0, 15, n) > 135, "pos", "neg"),
    })
    frame.loc[rng.choice(n, 40, replace=False), "glucose"] = "?"
    return frame


def test_high_cardinality_csv_runs_every_stage_and_the_saved_model_works_in_a_fresh_process(workdir):
    messy_csv().to_csv(workdir / "data/raw/tables/messy.csv", index=False)
    run_stages(workdir, *PIPELINE, evaluate, data__csv="data/raw/tables/messy.csv", data__target="outcome",
               preprocess__max_categories=20)
    assert read_json(paths.PROFILE)["missing"]["glucose"] == 40  # `?` read as missing: a numeric column
    assert read_json(paths.LABELS)["numeric"] == ["glucose", "age"]
    accuracy = read_json(paths.EVALUATE_METRICS)["accuracy"]
    assert accuracy > 0.7
    # what the README shows: three lines, raw rows in, class names out
    script = (
        "import json, joblib, pandas as pd\n"
        f"model = joblib.load({str(paths.MODEL)!r})\n"
        f"rows = pd.read_csv({str(paths.TEST)!r})\n"
        "predicted = model.predict(rows)\n"
        "truth = rows['outcome'].map({0: 'neg', 1: 'pos'})  # the split stores codes\n"
        "print(json.dumps([type(model).__name__, sorted(set(predicted.tolist())), (predicted == truth).mean(),\n"
        "                  list(model.predict_proba(rows.head()).columns)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=workdir,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    name, classes, fresh_accuracy, columns = json.loads(done.stdout)
    assert (name, classes, columns) == ("NamedClassifier", ["neg", "pos"], ["neg", "pos"])
    assert fresh_accuracy == pytest.approx(accuracy)
