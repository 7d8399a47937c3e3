"""Stage train_dnn: a Keras dense network on the tabular split, scored with evaluate's names beside the tuned
model, saved so that raw rows go in; regression in the target's units; every bad input the issue lists."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from stages import compare_models, evaluate, ingest, preprocess, select_features, train_dnn, tune
from stages.common import paths
from stages.core.errors import PipelineError
from stages.core.tabular.dense_plan import TargetScale, validation_rows
from tests.conftest import FAST, REPO, patients, run_fails, run_ok, run_stages, set_params

UPSTREAM = (ingest, preprocess, select_features, compare_models, tune, evaluate)
QUICK = {"dnn__epochs": 8, "dnn__patience": 3}  # behaviour, not accuracy: the default run's numbers are in e2e


def finished(tmp_path_factory, name, **overrides):
    root = tmp_path_factory.mktemp(name)
    (root / "data/raw/tables").mkdir(parents=True)
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(root)
        run_stages(root, *UPSTREAM, **overrides)
    return root


@pytest.fixture(scope="module")
def cancer(tmp_path_factory):
    """breast_cancer through evaluate (fast folds), once for the module."""
    return finished(tmp_path_factory, "cancer")


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    return finished(tmp_path_factory, "diabetes", data__dataset="diabetes", compare__models=["ridge", "knn"])


def scratch(project, tmp_path, monkeypatch, **overrides):
    shutil.copytree(project, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    set_params(tmp_path / "p", **{**QUICK, **overrides})
    return tmp_path / "p"


def metrics():
    return json.loads(paths.DNN_METRICS.read_text())


def test_classification_is_scored_with_evaluates_names_beside_the_tuned_model(cancer, tmp_path, monkeypatch, capsys):
    scratch(cancer, tmp_path, monkeypatch)
    run_ok(train_dnn)
    found, tuned = metrics(), json.loads(paths.EVALUATE_METRICS.read_text())
    names = {"accuracy", "balanced_accuracy", "precision", "recall", "specificity", "f1", "roc_auc",
             "average_precision"}
    assert names <= set(found) and names <= set(tuned)
    assert found["vs_tuned"]["accuracy"] == pytest.approx(found["accuracy"] - tuned["accuracy"])
    assert set(found["vs_tuned"]) == names
    assert found["features"] == len(json.loads(paths.SELECTED.read_text())["features"])  # dnn.features: selected
    assert found["epochs_trained"] <= 8 and 1 <= found["best_epoch"] <= found["epochs_trained"]
    live = paths.DNN_LIVE_PLOTS
    for split in ("train", "eval"):
        for metric in ("loss", "accuracy"):
            assert len(pd.read_csv(live / split / f"{metric}.tsv", sep="\t")) == found["epochs_trained"]
    assert paths.DNN_CURVES_PNG.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in paths.DNN_MODEL.iterdir()) == ["model.json", "network.keras", "preprocess.joblib"]
    out = capsys.readouterr().out
    assert "train_dnn: classification, " in out and "vs the tuned model" in out


RELOAD = """
import json, sys
import pandas as pd
from stages.core.tabular.dense import TableNetwork
from stages.core.evaluation import held_out_metrics
model = TableNetwork.load("models/train_dnn")
test = pd.read_csv("data/prepared/test.csv")
rows, y = test.drop(columns="target"), test["target"].to_numpy()
scores = model.predict_proba(rows)
names = model.predict(rows)
codes = scores.to_numpy().argmax(axis=1)
assert (names == scores.columns.to_numpy()[codes]).all()
m = held_out_metrics(y, codes, scores.to_numpy(), list(scores.columns), 1)
print(json.dumps({"accuracy": m["accuracy"], "roc_auc": m["roc_auc"], "first": scores.iloc[0].tolist()}))
"""


def test_the_saved_model_reloaded_in_a_fresh_process_reproduces_the_test_metrics(cancer, tmp_path, monkeypatch):
    project = scratch(cancer, tmp_path, monkeypatch)
    run_ok(train_dnn)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", RELOAD], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    reloaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert json.loads((project / "models/train_dnn/model.json").read_text())["classes"] == ["benign", "malignant"]
    assert (reloaded["accuracy"], reloaded["roc_auc"]) == (metrics()["accuracy"], metrics()["roc_auc"])  # exactly


def test_two_runs_give_byte_identical_metrics_and_model(cancer, tmp_path, monkeypatch):
    scratch(cancer, tmp_path, monkeypatch, dnn__features="all", dnn__batch_norm=True)
    runs = []
    for _ in range(2):
        run_ok(train_dnn)
        runs.append([paths.DNN_METRICS.read_bytes(), (paths.DNN_MODEL / "network.keras").read_bytes()])
    assert runs[0] == runs[1]
    assert metrics()["features"] == 30  # dnn.features: all


def test_regression_trains_on_the_standardised_target_and_reports_its_units(diabetes, tmp_path, monkeypatch):
    scratch(diabetes, tmp_path, monkeypatch, dnn__loss="huber")
    run_ok(train_dnn)
    found = metrics()
    assert {"r2", "rmse", "mae"} <= set(found) and set(found["vs_tuned"]) >= {"r2", "rmse", "mae"}
    assert found["r2"] > 0  # 8 epochs already beat the mean
    assert 30 < found["mae"] < 100  # disease progression units (the target spans 25..346), not z-scores
    info = json.loads((paths.DNN_MODEL / "model.json").read_text())
    train_y = pd.read_csv(paths.TRAIN)["target"]
    assert info["task"] == "regression" and info["target_scale"]["mean"] == pytest.approx(train_y.mean(), rel=0.05)
    assert len(pd.read_csv(paths.DNN_LIVE_PLOTS / "eval" / "r2.tsv", sep="\t")) == found["epochs_trained"]


def test_target_scale_round_trips_and_takes_the_log():
    y = np.array([10.0, 100.0, 1000.0])
    for transform in ("none", "log"):
        scale = TargetScale.fit(y, transform)
        z = scale.forward(y)
        assert z.mean() == pytest.approx(0) and z.std() == pytest.approx(1)
        np.testing.assert_allclose(scale.inverse(z), y)
    assert TargetScale.fit(y, "log").mean == pytest.approx(np.log(100))


def test_validation_rows_are_stratified_and_seeded():
    y = np.array([0] * 40 + [1] * 10)
    fit, val = validation_rows(y, 0.2, "classification", 0, ["a", "b"], key="dnn.val_size")
    assert len(val) == 10 and (y[val] == 1).sum() == 2 and not set(fit) & set(val)
    again = validation_rows(y, 0.2, "classification", 0, ["a", "b"], key="dnn.val_size")
    assert (again[0] == fit).all() and (again[1] == val).all()


def test_rows_without_a_training_column_are_refused(cancer, tmp_path, monkeypatch):
    scratch(cancer, tmp_path, monkeypatch, dnn__epochs=1)
    run_ok(train_dnn)
    from stages.core.tabular.dense import TableNetwork

    model = TableNetwork.load(paths.DNN_MODEL)
    rows = pd.read_csv(paths.TEST).drop(columns=["target", "mean radius"])
    with pytest.raises(ValueError, match=r"the rows lack the feature column\(s\) \['mean radius'\]"):
        model.predict(rows)


# Bad input: one line each, before TensorFlow loads


@pytest.mark.parametrize("overrides, message", [
    ({"dnn__units": []}, "`dnn.units` = []: the list is empty; name at least one"),
    ({"dnn__units": [64, 0]}, "`dnn.units[1]` = 0: input should be greater than or equal to 1"),
    ({"dnn__dropout": 1.0}, "`dnn.dropout` = 1.0: input should be less than 1"),
    ({"dnn__dropout": -0.1}, "`dnn.dropout` = -0.1: input should be greater than or equal to 0"),
    ({"dnn__loss": "mse"}, "dnn.loss = 'mse' is a loss for regression, but the task is classification; use "
                           "categorical_crossentropy (or auto)"),
    ({"dnn__val_size": 0.002}, "dnn.val_size = 0.002 leaves class 'benign' without rows in the validation share "
                               "(0 of 455 training rows); raise dnn.val_size"),
])
def test_bad_params_on_a_classification(cancer, tmp_path, monkeypatch, capsys, overrides, message):
    scratch(cancer, tmp_path, monkeypatch, **overrides)
    assert message in run_fails(train_dnn, capsys)


@pytest.mark.parametrize("overrides, message", [
    ({"dnn__loss": "categorical_crossentropy"}, "dnn.loss = 'categorical_crossentropy' is a loss for classification, "
                                                "but the task is regression; use mse or huber (or auto)"),
    ({"dnn__class_weight": "balanced"}, "dnn.class_weight = 'balanced' weighs classes, but the task is regression"),
])
def test_bad_params_on_a_regression(diabetes, tmp_path, monkeypatch, capsys, overrides, message):
    scratch(diabetes, tmp_path, monkeypatch, **overrides)
    assert message in run_fails(train_dnn, capsys)
    assert not paths.DNN_METRICS.exists()  # nothing half-written


def test_a_rare_class_left_out_of_the_validation_share():
    y = np.array([0] * 30 + [1] * 30 + [2] * 2)
    with pytest.raises(PipelineError, match="dnn.val_size = 0.05 leaves class 'c' without rows in the validation "
                                            "share"):
        validation_rows(y, 0.05, "classification", 0, ["a", "b", "c"], key="dnn.val_size")


def test_balanced_class_weights_on_a_user_csv(workdir):
    path = workdir / "data/raw/tables/patients.csv"
    patients(n=120).to_csv(path, index=False)
    set_params(workdir, data__csv="data/raw/tables/patients.csv", data__target="outcome")
    run_stages(workdir, *UPSTREAM, **FAST, **QUICK, dnn__class_weight="balanced", dnn__units=[16])
    run_ok(train_dnn)
    found = metrics()
    assert found["parameters"] == 16 * (found["features"] + 1) + 2 * 17
    assert json.loads((paths.DNN_MODEL / "model.json").read_text())["columns"] == ["age", "bmi", "smoker", "region"]


def test_a_fit_without_a_terminal_prints_a_line_every_few_epochs_and_how_it_ended(monkeypatch):
    import io

    import keras

    from stages.core.training.live import EpochProgress

    monkeypatch.setattr(EpochProgress, "LOG_EPOCHS", 2)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, log = np.arange(20, dtype="float32").reshape(10, 2), io.StringIO()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, restore_best_weights=True)
    model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), epochs=5, verbose=0,
              callbacks=[stop, EpochProgress("train_dnn", stop, log)])
    lines = log.getvalue().splitlines()
    assert [line.split(":")[1] for line in lines[:2]] == [" epoch 2/5", " epoch 4/5"]
    assert lines[0].startswith("train_dnn: epoch 2/5: loss ") and "val_loss" in lines[0]
    assert len(lines) == 3 and lines[2].startswith("train_dnn: ran all 5 epochs; kept epoch ")
