"""Stage select_features: each method on tiny data, the leak-free curve, and every bad input."""

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from stages import ingest, preprocess, select_features
from stages.common import paths
from stages.common.io import read_json, read_table
from stages.core.tabular.selection import (
    CurveScoring,
    Method,
    SelectFeatures,
    chi2_minmax,
    choose_k,
    score_curve,
    selection_path,
)
from tests.conftest import ScalerSpy, project_of, run_fails, run_ok, set_params


def signal_and_noise(n=90, seed=0):
    """Three informative columns among six noise columns, three classes."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n // 3)
    frame = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"noise{i}" for i in range(6)])
    for i in range(3):
        frame[f"signal{i}"] = (y == i) * 2.0 + rng.normal(scale=0.5, size=n)
    return frame, y


@pytest.fixture
def prepared(patients_csv):
    """The patients CSV through ingest and preprocess: 8 encoded features, 64 training rows."""
    set_params(project_of(patients_csv), features__cv=3, features__sfs__cv=2, features__sfs__n_jobs=1)
    run_ok(ingest)
    run_ok(preprocess)
    return project_of(patients_csv)


# --- the methods, on tiny data ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["chi2", "rfe", "sfs"])
def test_every_method_finds_the_informative_columns(method):
    X, y = signal_and_noise()
    chosen = Method(method, LogisticRegression(max_iter=1000), sfs_cv=3)
    path, table = selection_path(chosen, pd.DataFrame(StandardScaler().fit_transform(X), columns=X.columns), y)
    assert sorted(path[3]) == ["signal0", "signal1", "signal2"]
    assert sorted(path) == list(range(1, 10))
    column = {"chi2": "chi2", "rfe": "rfe_rank", "sfs": "sfs_order"}[method]
    assert table[column].notna().all()


@pytest.mark.parametrize("method", ["chi2", "rfe", "sfs"])
def test_selection_step_keeps_k_of_the_fold_columns_and_clamps_k(method):
    X, y = signal_and_noise()
    step = SelectFeatures(Method(method, LogisticRegression(max_iter=1000), sfs_cv=3), k=3).fit(X, y)
    assert sorted(step.features_) == ["signal0", "signal1", "signal2"]
    assert list(step.transform(X.head(2)).columns) == step.features_
    assert step.get_feature_names_out().tolist() == step.features_
    wide = SelectFeatures(Method(method, LogisticRegression(max_iter=1000), sfs_cv=3), k=50).fit(X.iloc[:, :4], y)
    assert sorted(wide.features_) == sorted(X.columns[:4])  # a fold with fewer columns keeps them all


def test_sfs_backward_order_ranks_the_last_survivors_first():
    X, y = signal_and_noise()
    path, table = selection_path(Method("sfs", LogisticRegression(max_iter=1000), sfs_forward=False, sfs_cv=3), X, y)
    assert set(table["sfs_order"].nsmallest(3).index) == {"signal0", "signal1", "signal2"}
    assert len(path[1]) == 1 and path[1][0].startswith("signal")


def test_rfe_with_a_step_adds_the_requested_size_to_the_path():
    X, y = signal_and_noise()
    path, table = selection_path(Method("rfe", LogisticRegression(max_iter=1000), rfe_step=4), X, y, sizes={2})
    assert sorted(path) == [1, 2, 5, 9]  # 9 -> 5 -> 1 eliminating four at a time, plus the requested 2
    assert len(path[2]) == 2 and set(path[2]) <= {"signal0", "signal1", "signal2"}


def test_chi2_scores_standardised_features_instead_of_crashing():
    X, y = signal_and_noise()
    standardised = StandardScaler().fit_transform(X)
    assert (standardised < 0).any()
    scores, pvalues = chi2_minmax(standardised, y)
    assert (scores >= 0).all() and ((pvalues >= 0) & (pvalues <= 1)).all()
    with pytest.raises(ValueError, match="non-negative"):
        chi2(standardised, y)


def test_choose_k_best_and_parsimonious():
    curve = pd.DataFrame({"n_features": [1, 2, 3, 4], "cv_score": [0.80, 0.92, 0.93, 0.93],
                          "cv_sem": [0.02, 0.02, 0.02, 0.01]})
    assert choose_k(curve, "best") == 3  # ties go to fewer features
    assert choose_k(curve, "parsimonious") == 2  # 0.92 >= 0.93 - 0.02 (best k's std error)
    assert choose_k(curve, 4) == 4


def pure_noise(rows: int, columns: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, columns)), columns=[f"f{i}" for i in range(columns)])
    y = np.repeat([0, 1], rows // 2)
    rng.shuffle(y)
    return X, y


def test_curve_on_pure_noise_stays_near_chance_while_select_then_cv_is_fooled():
    X, y = pure_noise(60, 2000)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)

    # the mistake: pick the 10 best columns using every row, then cross-validate on them
    leaked = SelectKBest(chi2_minmax, k=10).fit(X, y).get_support()
    naive = cross_val_score(LogisticRegression(), X.loc[:, leaked], y, cv=folds).mean()

    scaler = StandardScaler().set_output(transform="pandas")
    curve, _ = score_curve(Method("chi2", LogisticRegression()), scaler, X, y, CurveScoring(5, "accuracy", {10}))
    honest = curve.set_index("n_features").loc[10, "cv_score"]
    assert len(curve) <= 61  # wide data: a grid of sizes (plus the requested one), not all 2000
    assert naive > 0.8
    assert abs(honest - 0.5) < 0.15


@pytest.mark.parametrize(("method", "columns"), [
    (Method("rfe", LogisticRegression(), rfe_step=100), 2000),
    (Method("sfs", LogisticRegression(), sfs_cv=2), 10),  # SFS scores every subset on its path: keep it narrow
])
def test_curve_on_pure_noise_stays_near_chance_for_rfe_and_sfs(method, columns):
    X, y = pure_noise(60, columns)
    scaler = StandardScaler().set_output(transform="pandas")
    curve, all_scores = score_curve(method, scaler, X, y, CurveScoring(5, "accuracy", {3}))
    assert abs(curve.set_index("n_features").loc[3, "cv_score"] - 0.5) < 0.15
    assert curve["cv_score"].max() < 0.65  # no subset size looks better than chance


def test_curve_fits_the_preprocessing_on_each_folds_training_rows_only():
    X, y = signal_and_noise()
    ScalerSpy.fits.clear()
    score_curve(Method("chi2", LogisticRegression(), seed=3), ScalerSpy().set_output(transform="pandas"), X, y,
                CurveScoring(5, "accuracy"))
    expected = [sorted(train) for train, _ in StratifiedKFold(5, shuffle=True, random_state=3).split(X, y)]
    assert ScalerSpy.fits == expected
    assert all(len(rows) == len(X) * 4 // 5 for rows in ScalerSpy.fits)  # never all rows


# --- the stage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["chi2", "rfe", "sfs", "none"])
def test_stage_writes_selection_table_curve_and_metrics(prepared, method):
    set_params(prepared, features__method=method)
    run_ok(select_features)
    selected = read_json(paths.SELECTED)
    metrics = read_json(paths.SELECTION_METRICS)
    table = read_table(paths.FEATURE_TABLE)
    curve = read_table(paths.SELECTION_CURVE)
    assert metrics["n_features"] == 8 == len(table)
    assert metrics["n_selected"] == len(selected["features"]) == table["selected"].sum()
    assert set(selected["features"]) <= set(table["feature"])
    assert table.loc[table["selected"], "selection_order"].sort_values().tolist() == list(
        range(1, metrics["n_selected"] + 1))
    assert 0.4 < metrics["cv_score_selected"] <= 1 and 0.4 < metrics["cv_score_all"] <= 1
    assert curve["n_features"].max() == 8
    assert paths.SELECTION_CURVE_PNG.read_bytes().startswith(b"\x89PNG")
    if method == "none":
        assert selected["features"] == table["feature"].tolist() and len(curve) == 1
    else:
        assert len(curve) == 8
        assert curve.loc[curve["n_features"] == metrics["n_selected"], "cv_score"].item() == pytest.approx(
            metrics["cv_score_selected"])


def test_stage_with_an_explicit_k_and_reruns_byte_identically(prepared):
    set_params(prepared, features__k=3, features__method="rfe", features__estimator="linear_svm")
    run_ok(select_features)
    first = {p: p.read_bytes() for p in (paths.SELECTED, paths.SELECTION_METRICS, paths.SELECTION_CURVE_PNG)}
    run_ok(select_features)
    assert read_json(paths.SELECTED)["k"] == 3
    assert all(p.read_bytes() == data for p, data in first.items())


def test_stage_never_reads_the_test_split(prepared):
    paths.TEST.unlink()
    run_ok(select_features)


# --- bad input ---------------------------------------------------------------------------------


def test_k_larger_than_the_features(prepared, capsys):
    set_params(prepared, features__k=9)
    msg = run_fails(select_features, capsys)
    assert "features.k = 9 but the training data has 8 features after encoding; choose 1..8" in msg


@pytest.mark.parametrize("k", [0, -2, "most"])
def test_k_not_a_positive_count_or_a_rule(prepared, capsys, k):
    set_params(prepared, features__k=k)
    msg = run_fails(select_features, capsys)
    assert f"`features.k` = {k!r}: choose a number of features >= 1, best" in msg


@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("method", "lasso", "choose one of auto, chi2, f_test, mutual_info, rfe, sfs or none"),
    ("estimator", "xgb", "choose one of auto, logistic_regression, knn, decision_tree, random_forest, extra_trees, "
                  "svm, rbf_svm, linear_svm, hist_gradient_boosting, xgboost, bagging, adaboost, linear_regression, "
                  "ridge, lasso, elastic_net or svr"),
])
def test_unknown_method_or_estimator_lists_the_choices(prepared, capsys, key, value, allowed):
    set_params(prepared, **{f"features__{key}": value})
    msg = run_fails(select_features, capsys)
    assert f"`features.{key}` = '{value}' is not allowed; {allowed}" in msg


def test_rfe_with_an_estimator_that_cannot_rank(prepared, capsys):
    set_params(prepared, features__method="rfe", features__estimator="knn")
    msg = run_fails(select_features, capsys)
    assert "features.estimator = 'knn' has neither coef_ nor feature_importances_" in msg
    assert ("use one of logistic_regression, decision_tree, random_forest, extra_trees, linear_svm, xgboost, adaboost, "
            "or") in msg
    assert not paths.SELECTED.exists() and not paths.SELECTION_METRICS.exists()


def test_knn_is_fine_for_sfs(prepared):
    assert not hasattr(KNeighborsClassifier().fit([[0], [1]], [0, 1]), "coef_")
    set_params(prepared, features__method="sfs", features__estimator="knn", features__k=2)
    run_ok(select_features)
    assert len(read_json(paths.SELECTED)["features"]) == 2


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("scoring", "acuracy", "features.scoring = 'acuracy' is not a scikit-learn scorer name; did you mean accuracy"),
    ("scoring", "r2", "features.scoring = 'r2' does not score classification; use one of accuracy, "),
    ("sfs__scoring", "neg_mean_squared_error",
     "features.sfs.scoring = 'neg_mean_squared_error' does not score classification"),
])
def test_scoring_that_is_not_a_classification_score(prepared, capsys, key, value, expected):
    set_params(prepared, features__method="sfs", **{f"features__{key}": value})
    assert expected in run_fails(select_features, capsys)


def test_binary_only_scoring_on_multiclass_data(workdir, capsys):
    set_params(workdir, data__dataset="iris", features__scoring="roc_auc")
    run_ok(ingest)
    run_ok(preprocess)
    msg = run_fails(select_features, capsys)
    assert "features.scoring = 'roc_auc' does not fit 3 classes" in msg
    assert "roc_auc_ovr" in msg


def test_more_folds_than_the_rarest_class_has_rows(prepared, capsys):
    rarest = read_table(paths.TRAIN)["outcome"].value_counts().min()
    set_params(prepared, features__cv=int(rarest) + 1, data__rare_classes="error")
    msg = run_fails(select_features, capsys)
    assert f"features.cv = {rarest + 1} but class " in msg and f"has only {rarest} training row(s)" in msg
    set_params(prepared, data__rare_classes="fewer_folds")
    run_ok(select_features)
    assert read_json(paths.SELECTION_METRICS)["size_rules"] == {"cv": int(rarest)}
