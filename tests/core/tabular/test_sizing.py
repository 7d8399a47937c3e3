"""The defaults that adapt to the training rows (stages/core/tabular/sizing.py): each rule fires at its size, keeps the
course's settings below it, and yields to params; the stages print and record it; progress without a terminal."""

import io
import time

import numpy as np
import pandas as pd
import pytest
from joblib import Parallel, delayed
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_moons
from sklearn.ensemble import RandomForestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from stages import compare_models, ingest, preprocess, select_features, tune
from stages.common import paths
from stages.common.io import read_json, read_object, read_table
from stages.core import progress
from stages.core.errors import PipelineError
from stages.core.tabular import sizing
from stages.core.tabular.comparison import dominant
from stages.core.tabular.models import (
    ApproxRBFSVM,
    build_pipeline,
    calibrated_for_serving,
    make_estimator,
    probabilities_if_needed,
)
from stages.core.tabular.selection import SelectFeatures
from stages.core.tabular.sizing import sized_estimator
from tests.conftest import a_problem, patients, run_stages, set_params

MODELS = ("logistic_regression", "knn", "decision_tree", "random_forest", "svm", "hist_gradient_boosting")


@pytest.mark.parametrize("rows", [102, 4_999, 26_000, 1_000_000])
def test_compare_folds_are_the_courses_10_x_1_at_every_size(rows):
    chosen = sizing.compare_folds(rows, "auto", "auto", section="compare")
    assert (chosen[0].value, chosen[1].value) == (10, 1)
    assert f"{rows:,} training rows" in chosen[0].line() and chosen[0].line().startswith("compare.folds = ")
    assert "compare.repeats: 3 narrows a close call" in chosen[1].reason


@pytest.mark.parametrize("folds, repeats, look, said", [
    (10, 1, 4, "after the first 4 of the 10 folds, a model behind the leader at p < 0.05"),
    (10, 3, 4, "after the first 4 of the 10 folds, and after each repeat, a model"),
    (3, 2, 3, "after the first 3 of the 3 folds, and after each repeat,"),
    (4, 1, 4, "4 folds x 1 repeat: too few scores to stop a model early")])
def test_racing_looks_after_4_folds_and_each_repeat(folds, repeats, look, said):
    assert sizing.race_look(folds) == look
    rule = sizing.racing_rule(0.05, folds, repeats, key="compare.racing")
    assert rule.value == 0.05 and said in rule.line()
    assert sizing.racing_rule(0, folds, repeats, key="compare.racing").reason == ("set in params.yaml: every model "
                                                                                 "gets every fold")


def test_tune_looks_at_a_third_of_the_candidates_first_unless_told_otherwise():
    looked, look = sizing.first_look("grid", True, 72, key="tune.stop_early")
    assert look.value == "24 of 72 first" and looked == 24
    assert look.line() == ("tune.stop_early = 24 of 72 first: the rest only if one beats the untuned model by more "
                           "than the fold noise")
    assert sizing.first_look("random", True, 20, key="tune.stop_early")[1].value == "7 of 20 first"
    assert sizing.first_look("grid", True, 5, key="tune.stop_early")[1].value == "all"  # too few to stop early
    assert sizing.first_look("grid", False, 72, key="tune.stop_early")[1].reason == ("set in params.yaml: every "
                                                                                   "candidate")
    assert sizing.first_look("halving", True, 72, key="tune.stop_early")[1].value == "all"
    assert all(sizing.first_look(*case, key="tune.stop_early")[0] == 0 for case in [("grid", True, 5),
                                                                                      ("grid", False, 72),
                                                                                      ("halving", True, 72)])


@pytest.mark.parametrize("rows, shuffles", [(114, 10), (999, 10), (1_000, 5), (9_999, 5), (10_000, 3)])
def test_importance_shuffles_follow_the_test_rows(rows, shuffles):
    decision = sizing.importance_shuffles(rows, "auto", key="evaluate.importance_repeats")
    assert decision.value == shuffles and f"{rows:,} test rows: {shuffles} shuffles per column" in decision.line()
    assert sizing.importance_shuffles(rows, 7, key="evaluate.importance_repeats").value == 7


def test_the_curve_takes_3_folds_on_its_sample_and_5_on_every_row():
    assert sizing.curve_folds_auto("auto", 8_000, False, key="features.cv").value == 5
    sampled = sizing.curve_folds_auto("auto", 80_000, True, key="features.cv")
    assert sampled.value == 3 and "the curve on a sample: 3 folds" in sampled.line()
    assert sizing.curve_folds_auto(7, 80_000, True, key="features.cv").value == 7


def test_voting_scales_members_without_probabilities_only_below_10000_rows():
    assert sizing.calibrated_members(9_999) and not sizing.calibrated_members(10_000)


def test_compare_folds_in_params_win():
    folds, repeats = sizing.compare_folds(26_000, 7, 4, section="compare")
    assert (folds.value, repeats.value) == (7, 4) and folds.reason == repeats.reason == "set in params.yaml"


def test_knn_leaves_auto_on_large_tables_only():
    assert sizing.auto_models(MODELS, 49_999, section="compare") == (MODELS, [])
    models, (decision,) = sizing.auto_models(MODELS, 50_000, section="compare")
    assert "knn" not in models and len(models) == len(MODELS) - 1
    assert "name it in compare.models" in decision.reason


def test_svm_becomes_a_kernel_approximation_with_the_same_c_and_gamma():
    small, none = sizing.model_at_size("svm", make_estimator("svm", 0), 9_999, "classification")
    assert type(small) is SVC and none is None
    svm = make_estimator("svm", 0).set_params(C=10, gamma=0.01)
    large, decision = sizing.model_at_size("svm", svm, 10_000, "classification")
    assert isinstance(large, ApproxRBFSVM) and (large.C, large.gamma, large.random_state) == (10, 0.01, 0)
    assert "rbf_svm" in decision.reason
    exact, _ = sizing.model_at_size("rbf_svm", make_estimator("rbf_svm", 0), 1_000_000, "classification")
    assert type(exact) is SVC  # the exact kernel under its own name


def test_forest_trees_draw_a_bounded_sample_on_large_tables():
    forest, _ = sizing.model_at_size("random_forest", make_estimator("random_forest", 0), 50_000, "classification")
    assert forest.max_samples is None
    forest, decision = sizing.model_at_size("random_forest", make_estimator("random_forest", 0), 400_000,
                                            "classification")
    assert isinstance(forest, RandomForestClassifier) and forest.max_samples == sizing.FOREST_ROWS
    assert decision.value == sizing.FOREST_ROWS
    extra, none = sizing.model_at_size("extra_trees", make_estimator("extra_trees", 0), 50_000, "regression")
    assert (extra.bootstrap, extra.max_samples, none) == (False, None, None)  # every tree on every row
    extra, decision = sizing.model_at_size("extra_trees", make_estimator("extra_trees", 0), 400_000, "classification")
    assert (extra.bootstrap, extra.max_samples, decision.value) == (True, sizing.FOREST_ROWS, sizing.FOREST_ROWS)


def test_approximate_svm_learns_a_curved_boundary_like_the_exact_one():
    X, y = make_moons(2_000, noise=0.2, random_state=0)
    approx = ApproxRBFSVM(C=1.0, random_state=0).fit(X[:1500], y[:1500])
    exact = SVC().fit(X[:1500], y[:1500])
    linear = (X[1500:, 1] > 0.25).astype(int)  # the best straight cut scores about 0.85 here
    assert (approx.predict(X[1500:]) == y[1500:]).mean() >= (exact.predict(X[1500:]) == y[1500:]).mean() - 0.02
    assert (approx.predict(X[1500:]) == y[1500:]).mean() > (linear == y[1500:]).mean() + 0.05
    assert approx.decision_function(X[:3]).shape == (3,)


def test_svm_is_calibrated_inside_cv_only_for_multiclass_roc_auc():
    svm = make_estimator("svm", 0)
    assert probabilities_if_needed("svm", svm, ["accuracy", "roc_auc"], 2) is svm  # binary: decision_function
    assert probabilities_if_needed("svm", svm, ["accuracy"], 3) is svm
    wrapped = probabilities_if_needed("svm", svm, ["accuracy", "roc_auc"], 3)
    assert isinstance(wrapped, CalibratedClassifierCV) and hasattr(wrapped, "predict_proba")
    linear = make_estimator("linear_svm", 0)  # not an svm entry: compare.metrics says what to drop instead
    assert probabilities_if_needed("linear_svm", linear, ["roc_auc"], 3) is linear


def test_only_the_final_svm_is_calibrated():
    scaler = StandardScaler().set_output(transform="pandas")
    pipeline = build_pipeline(scaler, SelectFeatures(), make_estimator("svm", 0))
    assert not hasattr(pipeline, "predict_proba")  # compare and tune score it by decision_function
    X, y = make_moons(200, random_state=0)
    final = calibrated_for_serving(pipeline).fit(pd.DataFrame(X, columns=["a", "b"]), y)
    assert final.predict_proba(pd.DataFrame(X[:2], columns=["a", "b"])).shape == (2, 2)
    forest = build_pipeline(scaler, SelectFeatures(), make_estimator("random_forest", 0))
    assert calibrated_for_serving(forest) is forest


@pytest.mark.parametrize("rows, setting, value", [(455, "auto", "all"), (10_000, "auto", "all"),
                                                  (10_001, "auto", 10_000), (26_000, None, "all"),
                                                  (5_000, 2_000, 2_000), (1_000, 2_000, "all")])
def test_curve_rows(rows, setting, value):
    assert sizing.curve_rows(rows, setting, key="features.curve_rows").value == value


def test_curve_sizes_log_spaced_only_for_sampled_tables():
    assert sizing.curve_sizes(30, 60, False).tolist() == list(range(1, 31))  # small: every size, as before
    sizes = sizing.curve_sizes(200, 60, True)
    assert len(sizes) <= sizing.CURVE_POINTS_LARGE and sizes[0] == 1 and sizes[-1] == 200
    assert np.diff(sizes)[0] < np.diff(sizes)[-1]  # dense where the curve bends


def test_sample_rows_is_seeded_and_stratified():
    y = np.array([0] * 9_000 + [1] * 3_000)
    kept = sizing.sample_rows(y, 1_200, 42, True)
    assert len(kept) == 1_200 and (y[kept] == 1).sum() == 300
    assert np.array_equal(kept, sizing.sample_rows(y, 1_200, 42, True))


@pytest.mark.parametrize("rows, setting, value", [(455, "auto", "grid"), (9_999, "auto", "grid"),
                                                  (10_000, "auto", "halving"), (50_000, "random", "random")])
def test_tune_search(rows, setting, value):
    assert sizing.tune_search(rows, setting, key="tune.search").value == value


def test_dominant_model_is_named_with_the_param_that_skips_it():
    lines = dominant({"svm": 8.0, "knn": 0.5, "decision_tree": 0.5}, 30, "compare.models")
    assert lines == ["svm will take about 240 s of fitting, 89% of the comparison (from its first fold); "
                     "leave it out of compare.models to skip it"]
    assert dominant({"a": 1.0, "b": 1.0}, 30, "compare.models") == []


def test_progress_without_a_terminal_is_a_few_lines_each_with_time_left(monkeypatch):
    log = io.StringIO()  # no TTY
    with progress.bar(10_000, "compare_models", stream=log) as fits:
        for _ in range(10_000):
            fits.update()
    assert log.getvalue() == ""  # a loop done within LOG_SECONDS: the stage's own line says what it did

    def lines_over_one_second(most_seconds):
        monkeypatch.setattr(progress, "LOG_SECONDS", 0.05)
        monkeypatch.setattr(progress, "LOG_MAX_SECONDS", most_seconds)
        log = io.StringIO()
        with progress.bar(50, "tune", stream=log) as fits:
            for _ in range(50):
                time.sleep(0.02)
                fits.update()
        assert "\r" not in log.getvalue()
        return log.getvalue().splitlines()

    # after 0.05 s, 0.1 s, 0.2 s, 0.4 s, and the last: a slow machine adds a line, not twice the lines
    lines = lines_over_one_second(most_seconds=10)
    assert 3 <= len(lines) <= 7, lines  # one per 0.05 s would be 20
    assert all("left]" in line for line in lines) and lines[-1].startswith("tune: 50/50 fits")
    assert len(lines_over_one_second(most_seconds=0.1)) >= 8  # the interval stops growing at LOG_MAX_SECONDS


def test_joblib_progress_counts_the_fits_of_a_parallel_run(monkeypatch):
    monkeypatch.setattr(progress, "LOG_SECONDS", 0)
    log = io.StringIO()
    with progress.joblib_progress(progress.bar(12, "tune", stream=log)) as fits:
        Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(12))
        assert fits.n == 12
    assert log.getvalue().splitlines()[-1].startswith("tune: 12/12 fits")


@pytest.fixture
def mid_sized(workdir):
    """7,000 rows (5,600 training): the size rules below 10,000 rows, as on small tables."""
    patients(7_000, seed=1).to_csv(workdir / "data/raw/tables/patients.csv", index=False)
    set_params(workdir, data__csv="data/raw/tables/patients.csv", data__target="outcome",
               tune__model="decision_tree", tune__k=None, data__duplicates="keep",
               tune__spaces__decision_tree={"max_depth": [3, 5]})
    run_stages(workdir, ingest, preprocess, select_features)
    return workdir


def test_stages_print_and_record_the_rules_and_params_override_them(mid_sized, capsys, monkeypatch):
    monkeypatch.setattr(progress, "LOG_SECONDS", 0)  # every progress line, however fast these fits are
    capsys.readouterr()
    run_stages(mid_sized, compare_models, tune, compare__folds="auto", compare__repeats="auto")
    out = capsys.readouterr()
    assert "compare.folds = 10, compare.repeats = 1: 5,600 training rows: the course's 10-fold CV, once" in out.out
    rules = read_json(paths.COMPARE_METRICS)["size_rules"]
    folds = read_table(paths.FOLD_SCORES)
    # 3 FAST models, voting and ensemble selection (stacking: 6 fits per member and fold, left out)
    assert (rules["folds"], rules["repeats"]) == (10, 1) and folds.groupby("model").size().isin([4, 10]).all()
    assert "tune: tune.search = grid: 5,600 training rows < 10,000" in out.out
    assert read_json(paths.TUNE_METRICS)["size_rules"]["search"] == "grid"
    assert "compare_models: " in out.err and " left]" in out.err  # the progress bar, on stderr
    tune_lines = [line for line in out.err.splitlines() if line.startswith("tune: ")]
    assert tune_lines[-1].startswith("tune: 9/9 fits")  # (2 candidates + the untuned model) x 3 folds, no more

    run_stages(mid_sized, compare_models, compare__folds=4, compare__repeats=2, compare__racing=0)
    rules = read_json(paths.COMPARE_METRICS)["size_rules"]
    assert (rules["folds"], rules["repeats"]) == (4, 2) and len(read_table(paths.FOLD_SCORES)) == 5 * 4 * 2
    assert "compare_models: compare.folds = 4, compare.repeats = 2: set in params.yaml" in capsys.readouterr().out


@pytest.mark.parametrize("rows, setting, value", [(455, "auto", "all"), (100_000, "auto", "all"),
                                                  (100_001, "auto", 100_000), (1_000_000, None, "all"),
                                                  (5_600, 2_000, 2_000), (1_500, 2_000, "all")])
def test_search_rows(rows, setting, value):
    decision = sizing.search_rows(rows, setting, key="compare.rows")
    assert decision.value == value and decision.key == "compare.rows"


def test_compare_and_tune_search_a_sample_and_tune_refits_on_every_row(mid_sized, capsys):
    capsys.readouterr()
    run_stages(mid_sized, compare_models, tune, compare__rows=2_000)
    out = capsys.readouterr().out
    assert "compare_models: compare.rows = 2000, compare.folds = 3, compare.repeats = 1: set in params.yaml" in out
    assert "on 2000 rows" in out
    assert read_json(paths.COMPARE_METRICS)["size_rules"]["rows"] == 2_000
    assert read_json(paths.TUNE_METRICS)["size_rules"]["rows"] == 2_000
    tree = read_object(paths.MODEL).pipeline_.named_steps["model"]
    assert tree.tree_.n_node_samples[0] == 5_600  # the saved model learnt from every training row


def test_sized_estimator_applies_the_size_rules_only_when_asked():
    _, decisions = sized_estimator("random_forest", a_problem(rows=60_000), "compare.models")
    assert [d.rule for d in decisions] == ["random_forest"]
    forest, decisions = sized_estimator("random_forest", a_problem(rows=60_000, size_rules=False), "compare.models")
    assert decisions == [] and forest.max_samples is None
    with pytest.raises(PipelineError, match="tune.model"):
        sized_estimator("no_such_model", a_problem(), "tune.model")


@pytest.mark.parametrize("rows, folds", [(455, 5), (9_999, 5), (10_000, 3), (100_000, 3)])
def test_tune_scores_candidates_on_3_folds_from_10000_rows(rows, folds):
    decision = sizing.tune_folds(rows, "auto", key="tune.cv")
    assert decision.value == folds and decision.line().startswith(f"tune.cv = {folds}: {rows:,} training rows")
    assert sizing.tune_folds(rows, 7, key="tune.cv").value == 7
