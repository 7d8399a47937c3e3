"""Stage evaluate: held-out metrics around the positive class, per-class values, curves and figures."""

import numpy as np
import pytest

from conftest import project_of, run_fails, run_stages
from stages import compare_models, evaluate, ingest, paths, preprocess, select_features, tune
from stages.core.evaluation import held_out_metrics
from stages.io import read_json, read_table

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
    roc = read_table(paths.ROC)
    assert roc["fpr"].is_monotonic_increasing and roc[["fpr", "tpr"]].iloc[-1].tolist() == [1, 1]
    for png in (paths.CONFUSION_PNG, paths.ROC_PNG, paths.PRECISION_RECALL_PNG):
        assert png.read_bytes().startswith(b"\x89PNG")


def test_positive_class_param_switches_the_view(patients_csv):
    workdir = project_of(patients_csv)
    run_stages(workdir, *PIPELINE, evaluate, evaluate__positive_class="neg")
    neg = read_json(paths.EVALUATE_METRICS)
    run_stages(workdir, evaluate, evaluate__positive_class="pos")
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
    run_stages(project_of(patients_csv), *PIPELINE, evaluate__positive_class="maybe")
    msg = run_fails(evaluate, capsys)
    assert "evaluate.positive_class = 'maybe' is not a class; choose one of neg, pos" in msg
