"""End to end: `dvc exp run` on the tabular branch: a queued sweep, a param, another selection, a regression
data set, clustering iris."""

import json
import time

import pandas as pd
import pytest

from stages.common.io import read_object


def test_queued_sweep_runs_random_and_halving_search_in_parallel(project):
    """Two queued experiments: only tune and evaluate re-run, and both show their CV and test scores."""
    root, sh = project
    out = sh("dvc", "exp", "run", "--queue", "-S", "tune.search=random,halving", "evaluate").stdout
    assert out.count("Queued experiment") == 2
    sh("dvc", "queue", "start", "-j", "2")
    for _ in range(120):
        status = sh("dvc", "queue", "status").stdout
        if "Queued" not in status and "Running" not in status:
            break
        time.sleep(2)
    assert status.count("Success") == 2, status
    for name in (line.split()[1] for line in status.splitlines() if "Success" in line):
        log = sh("dvc", "queue", "logs", name).stdout
        assert "Running stage 'tune'" in log and "Running stage 'compare_models'" not in log, log
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = [run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]]
    by_search = {run["data"]["params"]["params.yaml"]["data"]["tune"]["search"]: run["data"]["metrics"] for run in runs}
    for search in ("random", "halving"):
        assert 0.9 < by_search[search]["reports/tune/metrics.json"]["data"]["best_cv_score"] <= 1
        assert by_search[search]["reports/evaluate/metrics.json"]["data"]["accuracy"] >= 0.95


def test_exp_run_changes_a_param_and_shows_it(project):
    root, sh = project
    sh("dvc", "exp", "run", "-n", "minmax", "-S", "preprocess.scale=minmax", "preprocess")  # the stage it changes
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    experiments = [exp for rev in shown for exp in (rev.get("experiments") or [])]
    runs = {run["name"]: run for exp in experiments for run in exp["revs"]}
    data = runs["minmax"]["data"]
    assert data["params"]["params.yaml"]["data"]["preprocess"]["scale"] == "minmax"
    assert data["metrics"]["reports/preprocess/metrics.json"]["data"]["n_train"] == 455
    # the workspace now holds the experiment's results: a min-max scaler was fitted
    scaler = read_object(root / "models/preprocess/preprocessor.joblib").named_transformers_["numeric"]["scale"]
    assert type(scaler).__name__ == "MinMaxScaler"


def test_exp_run_with_another_feature_selection_differs_from_the_baseline(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")  # back to the committed params
    sh("dvc", "exp", "run", "-n", "rfe", "-S", "features.method=rfe", "select_features")  # what the run is about
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    rfe = runs["rfe"]["data"]["metrics"]["reports/select_features/metrics.json"]["data"]
    baseline = json.loads(sh("git", "show", "HEAD:reports/select_features/metrics.json").stdout)
    assert rfe["n_features"] == baseline["n_features"] == 30
    assert (rfe["n_selected"], rfe["cv_score_selected"]) != (baseline["n_selected"], baseline["cv_score_selected"])
    table = pd.read_csv(root / "reports/select_features/features.csv")
    assert table["rfe_rank"].notna().all() and table["selected"].sum() == rfe["n_selected"]


def test_exp_run_on_diabetes_is_a_regression_with_no_other_change(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "diabetes", "-S", "data.dataset=diabetes", "-S", "compare.repeats=1").stdout
    assert "task regression (auto: 'target' holds 214 distinct whole numbers" in out
    for stage in ("ingest", "preprocess", "select_features", "compare_models", "tune", "evaluate", "train_dnn",
                  "cluster"):
        assert f"Running stage '{stage}'" in out
    assert "Running stage 'train_cnn'" not in out
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    metrics = runs["diabetes"]["data"]["metrics"]["reports/evaluate/metrics.json"]["data"]
    assert metrics["r2"] >= 0.40 and metrics["rmse"] > 0 and metrics["mae"] > 0
    dense = runs["diabetes"]["data"]["metrics"]["reports/train_dnn/metrics.json"]["data"]
    assert dense["r2"] >= 0.40 and dense["vs_tuned"]["r2"] == pytest.approx(dense["r2"] - metrics["r2"])
    assert abs(metrics["baseline"]["r2"]) < 0.05 and metrics["baseline"]["rmse"] > metrics["rmse"]
    plots = json.loads(sh("dvc", "plots", "show", "--json").stdout)["data"]  # the workspace: diabetes
    assert plots["evaluate_predicted_vs_actual"][0]["type"] == "vega"
    assert plots["reports/evaluate/details/confusion.csv"] == []
    sh("git", "checkout", "-q", "--", ".")  # back to the committed classification results
    sh("git", "clean", "-fdq", "reports")
    sh("dvc", "checkout", "--force")


def test_exp_run_on_iris_clusters_and_trains_every_tabular_model(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "iris3", "-S", "data.dataset=iris", "-S", "cluster.k=3",
             "-S", "compare.repeats=1", "-S", "compare.ensemble_top=0").stdout  # the comparison is not the point
    assert "Running stage 'cluster'" in out and "Running stage 'train_dnn'" in out
    sh("git", "checkout", "-q", "--", ".")
    sh("dvc", "exp", "run", "-n", "unlabelled", "-S", "data.dataset=iris", "-S", "data.target=null", "cluster")
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    iris = runs["iris3"]["data"]["metrics"]["reports/cluster/metrics.json"]["data"]
    assert (iris["k"], iris["k_best_silhouette"]) == (3, 2) and iris["adjusted_rand"] >= 0.6
    dense = runs["iris3"]["data"]["metrics"]["reports/train_dnn/metrics.json"]["data"]
    assert dense["accuracy"] >= 0.85 and "accuracy_macro" not in dense and "f1_macro" in dense
    unlabelled = runs["unlabelled"]["data"]["metrics"]["reports/cluster/metrics.json"]["data"]
    assert unlabelled["k"] == 2 and unlabelled["features"] == 4 and "adjusted_rand" not in unlabelled
    # the workspace holds the unlabelled table: the supervised stages say what they need
    refused = sh("dvc", "repro", "preprocess", check=False)
    assert refused.returncode != 0 and "error: preprocess: data.target is null" in refused.stderr
    sh("git", "checkout", "-q", "--", ".")
    sh("git", "clean", "-fdq", "reports")
    sh("dvc", "checkout", "--force")
