"""Stage tune: grid, random and halving search over the whole Pipeline, the untuned baseline, and
the saved model that predicts from raw rows."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator

from stages import compare_models, ingest, preprocess, select_features, tune
from stages.common import paths
from stages.common.io import read_json, read_object, read_table
from stages.core.tabular.tuning import LogUniformInt, distribution
from stages.params.schema import Distribution
from tests.conftest import patients, project_of, run_fails, run_stages


@pytest.fixture
def compared(patients_csv):
    workdir = project_of(patients_csv)
    run_stages(workdir, ingest, preprocess, select_features, compare_models)
    return workdir


def test_grid_search_saves_a_pipeline_that_predicts_raw_rows(compared):
    run_stages(compared, tune, tune__model="knn", tune__spaces__knn={"n_neighbors": [1, 5, 9], "weights": ["uniform"]},
               tune__k=None)
    results = read_table(paths.CV_RESULTS)
    best = read_json(paths.BEST_PARAMS)
    metrics = read_json(paths.TUNE_METRICS)
    assert sorted(results["n_neighbors"]) == [1, 5, 9] and metrics["n_candidates"] == 3
    assert best["model"] == "knn" and set(best["best_params"]) == {"n_neighbors", "weights"}
    assert metrics["improvement"] == pytest.approx(metrics["best_cv_score"] - metrics["untuned_cv_score"])
    model = read_object(paths.MODEL)
    raw = patients(10, seed=5)  # gaps and text columns, as in the CSV; the extra outcome column is ignored
    assert isinstance(model, BaseEstimator) and model.classes_.tolist() == ["neg", "pos"]
    assert set(model.predict(raw)) <= {"neg", "pos"}
    proba = model.predict_proba(raw)
    assert list(proba.columns) == ["neg", "pos"] and proba.index.equals(raw.index)
    assert np.allclose(proba.sum(axis=1), 1)
    assert (proba.idxmax(axis=1) == model.predict(raw)).all()
    expected = best["best_params"]["n_neighbors"] if metrics["tuned_model_kept"] else 5
    assert model.pipeline_.named_steps["model"].n_neighbors == expected
    with pytest.raises(ValueError, match=r"lack the feature column\(s\) \['bmi'\]"):
        model.predict(raw.drop(columns="bmi"))


def test_model_best_tunes_the_compare_winner(compared):
    run_stages(compared, tune, tune__model="best")
    assert read_json(paths.BEST_PARAMS)["model"] == read_json(paths.WINNER)["model"]


def test_untuned_model_is_kept_when_tuning_does_not_beat_it(compared):
    run_stages(compared, tune, tune__model="logistic_regression", tune__spaces__logistic_regression={"C": [1.0]})
    metrics = read_json(paths.TUNE_METRICS)
    assert metrics["tuned_model_kept"] is False and metrics["improvement"] == 0
    assert read_json(paths.BEST_PARAMS)["kept"].startswith("untuned")


def test_random_search_draws_from_ranges(compared):
    space = {"n_estimators": {"low": 5, "high": 40, "log": True}, "max_depth": [2, 4]}
    run_stages(compared, tune, tune__model="random_forest", tune__search="random", tune__n_iter=4,
               tune__spaces__random_forest=space)
    results = read_table(paths.CV_RESULTS)
    assert len(results) == 4 and results["n_estimators"].between(5, 40).all()
    assert results["n_estimators"].dtype.kind == "i"


def test_halving_search_runs_rounds(compared):
    run_stages(compared, tune, tune__model="knn", tune__search="halving",
               tune__spaces__knn={"n_neighbors": [1, 2, 3, 4, 5, 6], "weights": ["uniform", "distance"]})
    results = read_table(paths.CV_RESULTS)
    assert results["iter"].nunique() >= 2
    assert results.groupby("iter")["n_resources"].first().is_monotonic_increasing


def test_k_joins_the_search_and_each_candidate_refits_its_selection(compared):
    run_stages(compared, tune, tune__model="logistic_regression", tune__k=[2, 5, 8],
               tune__spaces__logistic_regression={"C": [0.1, 1.0]}, tune__stop_early=False)
    results = read_table(paths.CV_RESULTS)
    best = read_json(paths.BEST_PARAMS)
    assert sorted(set(results["k"])) == [2, 5, 8] and len(results) == 6
    assert "k" in best["best_params"]
    model = read_object(paths.MODEL)
    kept_k = best["best_params"]["k"] if read_json(paths.TUNE_METRICS)["tuned_model_kept"] else read_json(
        paths.SELECTED)["k"]
    assert len(model.pipeline_.named_steps["select"].features_) == kept_k == len(best["features"])


def test_k_range_is_rejected_for_grid_search_and_when_nothing_is_selected(compared, capsys):
    run_stages(compared, tune__k={"low": 2, "high": 6})
    assert "tune.k is a range, but grid search needs a list of values" in run_fails(tune, capsys)
    run_stages(compared, tune__k=[2, 50])
    assert "tune.k = [2, 50]: [50] exceed the 8 features after encoding; use values in 1..8" in run_fails(tune, capsys)


def test_log_uniform_integers_spread_over_decades():
    draws = LogUniformInt(10, 1000).rvs(size=4000, random_state=0)
    assert draws.dtype.kind == "i" and draws.min() >= 10 and draws.max() <= 1000
    assert 70 < np.median(draws) < 130  # log-uniform: the median is near sqrt(10 * 1000) = 100
    assert isinstance(distribution(Distribution(low=0.1, high=10.0), "k"), type(stats.uniform(0, 1)))


# --- bad input -------------------------------------------------------------------------------


def test_unknown_space_key_names_the_model_parameters(compared, capsys):
    run_stages(compared, tune__model="svm", tune__spaces__svm={"gama": [0.1]})
    msg = run_fails(tune, capsys)
    assert "tune.spaces.svm.gama: svm has no parameter 'gama'; did you mean gamma? its parameters: C," in msg


@pytest.mark.parametrize(("model", "space", "expected"), [
    ("logistic_regression", {"C": [-1, 1]}, "tune.spaces.logistic_regression.C: -1 is not a valid value for "
                                            "logistic_regression (The 'C' parameter of LogisticRegression must be"),
    ("knn", {"n_neighbors": [0, 3]}, "tune.spaces.knn.n_neighbors: 0 is not a valid value for knn (The "
                                     "'n_neighbors' parameter of KNeighborsClassifier must be an int in the range"),
    ("svm", {"C": [1.0], "kernel": ["rbf", "rbff"]}, "tune.spaces.svm.kernel: 'rbff' is not a valid value for svm"),
    ("knn", {"n_neighbors": {"low": 0, "high": 9}}, "tune.spaces.knn.n_neighbors: 0 is not a valid value for knn"),
])
def test_invalid_values_are_one_line_before_any_fit(compared, capsys, model, space, expected):
    search = "random" if isinstance(next(iter(space.values())), dict) else "grid"
    run_stages(compared, tune__model=model, tune__search=search, **{f"tune__spaces__{model}": space})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FitFailedWarning: nothing is fitted
        msg = run_fails(tune, capsys)
    assert expected in msg and msg.endswith("fix or drop it")
    assert not paths.MODEL.exists()


def test_n_iter_must_be_positive(compared, capsys):
    run_stages(compared, tune__n_iter=0)
    assert "`tune.n_iter` = 0: input should be greater than or equal to 1" in run_fails(tune, capsys)


def test_grid_larger_than_max_candidates(compared, capsys):
    run_stages(compared, tune__model="knn", tune__max_candidates=10, tune__k=None,
               tune__spaces__knn={"n_neighbors": list(range(1, 7)), "weights": ["uniform", "distance"]})
    msg = run_fails(tune, capsys)
    assert "tune.spaces.knn gives 12 candidates for grid search, more than tune.max_candidates = 10" in msg
    assert not paths.MODEL.exists()


def test_grid_search_rejects_ranges(compared, capsys):
    run_stages(compared, tune__model="knn", tune__spaces__knn={"n_neighbors": {"low": 1, "high": 9}})
    msg = run_fails(tune, capsys)
    assert "tune.spaces.knn.n_neighbors is a range, but grid search needs a list of values" in msg


def test_model_without_a_space(compared, capsys):
    run_stages(compared, tune__model="knn", tune__spaces__knn={})
    assert "tune.spaces.knn is missing; add the values to search" in run_fails(tune, capsys)


def test_log_range_needs_positive_low(compared, capsys):
    run_stages(compared, tune__model="svm", tune__search="random",
               tune__spaces__svm={"C": {"low": 0, "high": 10, "log": True}})
    assert "tune.spaces.svm.C: a log range needs low > 0, not 0" in run_fails(tune, capsys)


def test_k_auto_searches_around_the_curves_choice_and_says_why():
    from stages.core.tabular.tuning import auto_k

    chi2 = {"method": {"name": "chi2"}, "k": 3, "k_best": 7, "k_all": 12}
    ks, line = auto_k(chi2, key="tune.k")
    assert ks == [3, 7, 12] and "select_features' 3, the curve's best 7, all 12" in line
    assert auto_k(chi2 | {"k": 12, "k_best": 12}, key="tune.k")[0] is None  # nothing else to try
    ks, line = auto_k({"method": {"name": "sfs"}, "k": 3, "k_best": 7, "k_all": 12}, key="tune.k")
    assert ks is None and "list values in tune.k" in line  # SFS per candidate would cost a search of its own


def test_the_stage_stops_a_search_within_the_noise_and_says_so_and_the_override_tries_all(compared, capsys):
    """18 near-identical candidates: the untuned model and 6 of them, then the stop, in the log and the metrics;
    tune.stop_early: false tries all 18."""
    space = {"C": [0.98, 0.99, 1.0, 1.01, 1.02, 1.03], "tol": [1e-4, 1e-3, 1e-2]}  # the untuned model's neighbours
    capsys.readouterr()
    run_stages(compared, tune, tune__model="logistic_regression", tune__k=None,
               tune__spaces__logistic_regression=space)
    out = capsys.readouterr().out
    assert "tune: tune.stop_early = 6 of 18 first: the rest only if one beats the untuned model by more than the " \
           "fold noise" in out
    metrics = read_json(paths.TUNE_METRICS)
    assert metrics["stopped_early"] and metrics["tuned_model_kept"] == (metrics["best_cv_score"] >
                                                                 metrics["untuned_cv_score"])
    assert "tune: stopped after 6 of 18 candidates: the best gained " in out and metrics["n_candidates"] == 6
    assert metrics["size_rules"]["first_look"] == "6 of 18 first"
    run_stages(compared, tune, tune__model="logistic_regression", tune__k=None,
               tune__spaces__logistic_regression=space, tune__stop_early=False)
    assert "tune.stop_early = all: set in params.yaml: every candidate" in capsys.readouterr().out
    assert read_json(paths.TUNE_METRICS)["n_candidates"] == 18 and not read_json(paths.TUNE_METRICS)["stopped_early"]
