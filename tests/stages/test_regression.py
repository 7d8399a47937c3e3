"""Regression through the same stages: the task read from the target, a quantile-stratified split, regressors
compared on the same folds, leak-free preprocessing and selection, metrics in the target's units against a
mean baseline, and a one-line error for every combination that mixes the two tasks."""

import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.model_selection import RepeatedKFold, cross_validate
from sklearn.pipeline import Pipeline

from stages import compare_models, evaluate, ingest, preprocess, select_features, tune
from stages.common import paths
from stages.common.io import read_json, read_object, read_table
from stages.core.errors import PipelineError
from stages.core.tabular.comparison import fold_scores
from stages.core.tabular.datasets import detect_task
from stages.core.tabular.models import build_pipeline, make_estimator
from stages.core.tabular.selection import Method, SelectFeatures
from stages.core.tabular.sizing import class_folds
from stages.core.tabular.tasks import TASKS
from tests.conftest import REPO, ScalerSpy, run_fails, run_ok, run_stages, set_params

TABULAR = (ingest, preprocess, select_features, compare_models, tune, evaluate)


def houses(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """House prices in whole dollars, an ID column, a district, gaps: what a user's CSV looks like."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 200, n).round(1)
    rooms = rng.integers(1, 7, n)
    district = rng.choice(["north", "south", "centre"], n)
    price = (1500 * area + 8000 * rooms + np.select([district == "centre", district == "south"], [60000, -20000], 0)
             + rng.normal(0, 15000, n) + 50000).round().astype(int)
    frame = pd.DataFrame({"house_id": [f"H{i:05d}" for i in range(n)], "area": area, "rooms": rooms,
                          "district": district, "built": rng.integers(1950, 2020, n), "price": price})
    frame.loc[rng.choice(n, 10, replace=False), "area"] = np.nan
    return frame


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """houses.csv through every tabular stage with defaults (task: auto, models and metrics: auto)."""
    root = tmp_path_factory.mktemp("houses")
    (root / "data/raw/tables").mkdir(parents=True)
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    houses().to_csv(root / "data/raw/tables/houses.csv", index=False)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(root)
        set_params(root, data__csv="data/raw/tables/houses.csv", data__target="price", data__drop=["house_id"])
        run_stages(root, *TABULAR, compare__models="auto", compare__metrics="auto", compare__n_jobs=2)
    return root


@pytest.fixture
def copy(project, tmp_path, monkeypatch):
    """A scratch copy of the finished project, to break one setting in."""
    shutil.copytree(project, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    return tmp_path / "p"


def test_auto_reads_the_task_from_the_target():
    for values, task in (([1.5, 2.25, 3.0], "regression"), (["a", "b", "a"], "classification"),
                         ([True, False, True], "classification"), ([0, 1, 2, 1, 0], "classification"),
                         (list(range(100)) * 2, "regression")):
        assert detect_task(pd.Series(values), "auto", "y", "t.csv", section="data")[0] == task, values
    assert detect_task(pd.Series([0, 1, 2] * 10), "regression", "y", "t.csv", section="data") == (
        "regression", "data.task: regression")


def test_a_user_csv_with_an_integer_price_runs_as_regression(project):
    profile = read_json(project / paths.PROFILE)
    assert profile["task"] == "regression" and "distinct whole numbers" in profile["task_reason"]
    assert read_json(project / paths.LABELS)["task"] == "regression"
    scores = read_table(project / paths.FOLD_SCORES)
    assert scores["model"].nunique() >= 7 and {"r2", "rmse", "mae"} <= set(scores.columns)
    assert (scores["rmse"] > 0).all() and (scores["rmse"] >= scores["mae"]).all()  # shown positive: lower is better
    assert read_json(project / paths.SELECTED)["method"]["name"] == "f_test"  # features.method: auto
    assert "f_score" in read_table(project / paths.FEATURE_TABLE).columns


def test_the_split_covers_the_whole_range_of_the_target(project):
    train, test = read_table(project / paths.TRAIN)["price"], read_table(project / paths.TEST)["price"]
    deciles = np.quantile(pd.concat([train, test]), np.linspace(0, 1, 11))
    per_bin = np.histogram(test, deciles)[0]
    assert (per_bin >= 3).all(), per_bin  # every tenth of the prices is in the test split


def test_evaluate_reports_the_target_units_against_the_mean_baseline(project):
    metrics = read_json(project / paths.EVALUATE_METRICS)
    assert metrics["r2"] > 0.8 and abs(metrics["baseline"]["r2"]) < 0.1
    assert metrics["rmse"] < metrics["baseline"]["rmse"] and {"mae", "mape"} <= set(metrics)
    predictions = read_table(project / paths.PREDICTIONS)
    test = read_table(project / paths.TEST)
    assert predictions["actual"].tolist() == test["price"].tolist()
    assert np.allclose(predictions["residual"], predictions["actual"] - predictions["predicted"])
    rmse = np.sqrt((predictions["residual"] ** 2).mean())
    assert metrics["rmse"] == pytest.approx(rmse)
    for png in (paths.PREDICTED_VS_ACTUAL_PNG, paths.RESIDUALS_PNG):
        assert (project / png).read_bytes().startswith(b"\x89PNG")
    assert not (project / paths.CONFUSION).exists() and not (project / paths.ROC_PNG).exists()
    model = read_object(project / paths.MODEL)  # raw rows in, prices out
    assert np.allclose(model.predict(test.drop(columns="price")), predictions["predicted"])


def test_log_target_is_fitted_on_the_log_and_reported_in_the_target_units(copy):
    set_params(copy, preprocess__target_transform="log", tune__model="ridge")
    for stage in (preprocess, select_features, tune, evaluate):
        run_ok(stage)
    model = read_object(paths.MODEL)
    assert isinstance(model.pipeline_.named_steps["model"], TransformedTargetRegressor)
    predicted = read_table(paths.PREDICTIONS)["predicted"]
    price = read_table(paths.TEST)["price"]
    assert predicted.between(price.min() / 3, price.max() * 3).all()  # dollars, not log-dollars
    assert read_json(paths.EVALUATE_METRICS)["r2"] > 0.7


def test_regression_folds_refit_imputer_scaler_and_selection_on_training_rows_only():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(40, 5)), columns=list("abcde"))
    X.iloc[::7, 0] = np.nan
    y = X["b"].to_numpy() * 3 + rng.normal(size=40)
    preprocessor = Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", ScalerSpy())])
    preprocessor.set_output(transform="pandas")
    ScalerSpy.fits.clear()
    task = TASKS["regression"]
    pipeline = build_pipeline(preprocessor, SelectFeatures(Method("f_test", None, task="regression"), k=2),
                              make_estimator("ridge", 0, task="regression"))
    folds = task.repeated_folds(4, 2, 7)
    assert isinstance(folds, RepeatedKFold)
    fold_scores({"ridge": pipeline}, X, y, {"r2": "r2"}, folds, n_jobs=1)
    expected = [sorted(train) for train, _ in folds.split(X, y)]
    assert ScalerSpy.fits == expected  # never all 40 rows, never a held-out row
    fitted = cross_validate(pipeline, X, y, cv=folds, return_estimator=True, return_indices=True)
    for model, train in zip(fitted["estimator"], fitted["indices"]["train"], strict=True):
        imputer = model.named_steps["preprocess"].named_steps["impute"]
        assert imputer.statistics_[0] == pytest.approx(X["a"].iloc[train].mean())  # this fold's rows only
        assert "b" in model.named_steps["select"].features_  # the informative column, chosen per fold


@pytest.mark.parametrize(("stage", "overrides", "message"), [
    (compare_models, {"compare__models": ["ridge", "logistic_regression"]},
     "compare.models: 'logistic_regression' is not a regression model; choose from linear_regression, ridge"),
    (compare_models, {"compare__metrics": ["r2", "roc_auc", "f1"]},
     "compare.metrics has ['roc_auc', 'f1'], which do not score regression; use r2, rmse, mae (or auto)"),
    (compare_models, {"compare__sort_by": "accuracy"},
     "compare.sort_by has ['accuracy'], which do not score regression; use r2, rmse, mae (or auto)"),
    (tune, {"tune__model": "svm"}, "tune.model: 'svm' is not a regression model; choose from linear_regression"),
    (tune, {"tune__scoring": "roc_auc"},
     "tune.scoring = 'roc_auc' does not score regression; use one of r2, neg_root_mean_squared_error"),
    (select_features, {"features__method": "chi2"},
     "features.method = 'chi2' tests class counts and cannot score a regression target; use f_test or mutual_info"),
    (select_features, {"features__estimator": "logistic_regression"},
     "features.estimator: 'logistic_regression' is not a regression model"),
    (preprocess, {"data__positive_class": "high"},
     "data.positive_class = 'high' applies to classification, but the task is regression; set it to null"),
])
def test_classification_settings_on_a_regression_are_one_line_errors(copy, capsys, stage, overrides, message):
    set_params(copy, **overrides)
    assert message in run_fails(stage, capsys)


def test_log_of_a_target_with_zeros_is_refused(copy, capsys):
    frame = read_table(paths.DATASET)
    frame.loc[0, "price"] = 0
    frame.to_csv(paths.DATASET, index=False)
    set_params(copy, preprocess__target_transform="log")
    assert ("preprocess.target_transform = 'log' needs 'price' above 0, but its minimum is 0; use none, or shift "
            "the target in the CSV") in run_fails(preprocess, capsys)


def test_regression_settings_on_a_classification_are_one_line_errors(workdir, capsys):
    run_stages(workdir, ingest, preprocess, select_features)
    set_params(workdir, compare__models=["logistic_regression", "ridge"])
    assert "compare.models: 'ridge' is not a classification model" in run_fails(compare_models, capsys)
    set_params(workdir, compare__models="auto", compare__metrics=["accuracy", "r2"])
    assert ("compare.metrics has ['r2'], which do not score classification; use accuracy, balanced_accuracy, f1, "
            "precision, recall, roc_auc (or auto)") in run_fails(compare_models, capsys)
    set_params(workdir, preprocess__target_transform="log")
    assert "preprocess.target_transform = 'log' transforms a regression target, but the task is classification" \
        in run_fails(preprocess, capsys)



def test_the_served_model_predicts_prices(project):
    from serve.app import create_app

    client = create_app(project).test_client()
    row = {"area": 120, "rooms": 4, "district": "centre", "built": 1990}
    body = client.post("/api/predict/tabular", json={"rows": [row, {**row, "area": 60}]}).json
    big, small = (p["predicted"] for p in body["predictions"])
    assert 150_000 < big < 400_000 and small < big and body["predictions"][0]["probabilities"] == {}
    page = client.post("/models/tabular", data={k: str(v) for k, v in row.items()}).data.decode()
    assert f'id="predicted">{big:.6g}</strong>' in page
    assert "Predicts the number &#39;price&#39;, from 4 columns." in page
    assert "Test R² " in page and "for always answering the training mean." in page
    done = subprocess.run([sys.executable, "-m", "serve.predict", "tabular", "data/prepared/test.csv"], cwd=project,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    predicted = pd.read_csv(io.StringIO(done.stdout))["predicted"]
    assert f"predicted {predicted.min():.6g} to {predicted.max():.6g} (median {predicted.median():.6g})" in done.stderr


def test_folds_beyond_the_rows_of_a_regression_are_one_line():
    with pytest.raises(PipelineError, match=r"^tune.cv = 5 but only 4 training rows are there; lower tune.cv$"):
        class_folds(5, "tune.cv", np.arange(4.0), [], "fewer_folds")
