"""Stage compare_models: the same folds for every model, a ranked table, the boxplot, and the t-test."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import recall_score
from sklearn.model_selection import RepeatedStratifiedKFold

from stages import compare_models, ingest, preprocess, select_features
from stages.common import paths
from stages.common.io import read_json, read_object, read_table, read_training_split
from stages.core.tabular.comparison import corrected_ttest, fold_scores, summarize
from stages.core.tabular.models import COMBINED, build_pipeline, make_estimator
from stages.core.tabular.selection import Method, SelectFeatures, selector_from
from tests.conftest import ScalerSpy, a_problem, project_of, run_fails, run_stages

UPSTREAM = (ingest, preprocess, select_features)


@pytest.fixture
def selected(patients_csv):
    workdir = project_of(patients_csv)
    run_stages(workdir, *UPSTREAM)
    return workdir


def test_stage_ranks_models_on_the_same_folds(selected):
    run_stages(selected, compare_models, compare__repeats=2, compare__metrics=["accuracy", "roc_auc"],
               compare__sort_by="roc_auc", compare__stacking=True, compare__racing=0)
    scores = read_table(paths.FOLD_SCORES)
    table = read_table(paths.COMPARISON)
    metrics = read_json(paths.COMPARE_METRICS)
    # (models + voting, stacking and ensemble selection) x folds x repeats
    assert len(scores) == (3 + 3) * 3 * 2
    assert set(scores.columns) == {"model", "repeat", "fold", "accuracy", "roc_auc", "score"}
    assert scores["score"].equals(scores["roc_auc"])  # the plotted column: compare.sort_by
    assert table["roc_auc_mean"].is_monotonic_decreasing and table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    winner = read_json(paths.WINNER)
    singles = [m for m in table["model"] if m not in COMBINED]
    assert winner == {"model": table["model"][0], "sort_by": "roc_auc", "members": singles,
                      "ensemble": metrics["ensemble_selection"]}
    assert set(winner["ensemble"]) <= set(singles) and sum(winner["ensemble"].values()) == 25
    assert metrics["winner"]["roc_auc"] == pytest.approx(scores.groupby("model")["roc_auc"].mean().max())
    assert 0 <= metrics["winner_vs_runner_up"]["p_value"] <= 1
    assert "fit_time" not in paths.COMPARISON_MD.read_text()  # wall-clock times would dirty git on every run
    assert paths.BOXPLOT_PNG.read_bytes().startswith(b"\x89PNG")


def test_summary_has_mean_std_median_and_ranks_by_the_chosen_metric():
    scores = pd.DataFrame({"model": ["a"] * 3 + ["b"] * 3, "accuracy": [0.9, 0.8, 0.7, 0.85, 0.85, 0.86],
                           "fit_time": [1.0] * 6})
    table = summarize(scores, ["accuracy"], "accuracy")
    assert table["model"].tolist() == ["b", "a"]
    assert table.set_index("model").loc["a", "accuracy_median"] == pytest.approx(0.8)
    assert table.set_index("model").loc["a", "accuracy_std"] == pytest.approx(0.1)


def test_corrected_ttest_is_more_cautious_than_the_naive_paired_test():
    rng = np.random.default_rng(0)
    a = 0.90 + rng.normal(0, 0.02, 30)
    b = a - 0.01 + rng.normal(0, 0.01, 30)
    naive = stats.ttest_rel(a, b).pvalue
    corrected = corrected_ttest(a, b, folds=10)
    assert naive < 0.001 < corrected < 1
    assert corrected_ttest(a, a, folds=10) == 1.0


class SelectSpy(SelectFeatures):
    fits: list = []

    def fit(self, X, y):
        SelectSpy.fits.append(sorted(X.index))
        return super().fit(X, y)


def test_every_fold_refits_the_preprocessing_and_the_selection_on_its_training_rows_only():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(40, 6)), columns=list("abcdef"))
    y = np.tile([0, 1], 20)
    ScalerSpy.fits.clear()
    SelectSpy.fits.clear()
    pipeline = build_pipeline(ScalerSpy().set_output(transform="pandas"),
                              SelectSpy(Method("chi2", None), k=2), make_estimator("knn", 0))
    folds = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=7)
    scores = fold_scores({"knn": pipeline}, X, y, {"accuracy": "accuracy"}, folds, n_jobs=1)
    expected = [sorted(train) for train, _ in folds.split(X, y)]
    assert len(scores) == 8
    assert ScalerSpy.fits == expected and SelectSpy.fits == expected  # never all 40 rows, never a held-out row


def test_compare_on_pure_noise_stays_near_chance(workdir):
    """50 rows x 2000 random columns, random labels: selecting once on all rows and then cross-validating
    scored 0.725 here; with the selection inside each fold every model stays near 0.5."""
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(50, 2000)), columns=[f"f{i}" for i in range(2000)])
    frame["label"] = rng.permutation(np.repeat(["a", "b"], 25))
    frame.to_csv(workdir / "data/raw/tables/noise.csv", index=False)
    run_stages(workdir, *UPSTREAM, compare_models, data__csv="data/raw/tables/noise.csv", data__target="label",
               data__test_size=0.2, features__k=10, compare__folds=5, compare__repeats=2, compare__n_jobs=2,
               compare__stacking=True, compare__racing=0)
    means = read_json(paths.COMPARE_METRICS)["cv_accuracy"]
    # voting, stacking and ensemble selection too: fitted or weighted inside the folds, they stay at chance as well
    assert len(means) == 3 + 3
    assert all(abs(m - 0.5) < 0.1 for m in means.values()), means


def test_binary_scores_are_about_the_positive_class(selected):
    run_stages(selected, preprocess, select_features, compare_models, data__positive_class="neg",
               compare__metrics=["accuracy", "recall", "f1"])
    assert read_json(paths.LABELS)["positive"] == "neg"
    labels, X, y = read_training_split(paths.LABELS, paths.TRAIN)
    selector = selector_from(read_json(paths.SELECTED), a_problem(seed=42, positive=0))
    pipeline = build_pipeline(read_object(paths.PREPROCESSOR), selector, make_estimator("knn", 42))
    splits = RepeatedStratifiedKFold(n_splits=3, n_repeats=1, random_state=42).split(X, y)
    expected = [recall_score(y[held], clone(pipeline).fit(X.iloc[train], y[train]).predict(X.iloc[held]), pos_label=0)
                for train, held in splits]
    scores = read_table(paths.FOLD_SCORES)
    assert scores.loc[scores["model"] == "knn", "recall"].tolist() == pytest.approx(expected)


# --- bad input -------------------------------------------------------------------------------


def test_unknown_model_lists_the_zoo(selected, capsys):
    run_stages(selected, compare__models=["logistic_regression", "xgb"])
    msg = run_fails(compare_models, capsys)
    assert "`compare.models` = 'xgb' is not allowed; choose one of logistic_regression, knn, decision_tree" in msg


def test_zero_processes(selected, capsys):
    run_stages(selected, compare__n_jobs=0)
    assert "`compare.n_jobs` = 0: 0 processes cannot run anything; use a count >= 1, or -1" in run_fails(
        compare_models, capsys)
    assert not paths.COMPARISON.exists()


def test_empty_model_list(selected, capsys):
    run_stages(selected, compare__models=[])
    assert "`compare.models` = []: the list is empty; name at least one" in run_fails(compare_models, capsys)


def test_more_folds_than_the_rarest_class_has_rows_lowers_them_with_the_reason(selected, capsys):
    counts = read_table(paths.TRAIN)["outcome"].value_counts()
    rarest, name = int(counts.min()), read_json(paths.LABELS)["classes"][int(counts.idxmin())]
    run_stages(selected, compare_models, compare__folds=rarest + 1)
    out = capsys.readouterr().out
    assert f"compare.folds = {rarest}: class {name!r} has only {rarest} training rows" in out
    assert f"(instead of {rarest + 1}; data.rare_classes: error to stop instead)" in out
    assert read_json(paths.COMPARE_METRICS)["size_rules"]["folds"] == rarest
    assert read_table(paths.FOLD_SCORES).groupby("model").size().eq(rarest).all()


def test_rare_classes_error_stops_instead(selected, capsys):
    rarest = int(read_table(paths.TRAIN)["outcome"].value_counts().min())
    run_stages(selected, compare__folds=rarest + 1, data__rare_classes="error")
    msg = run_fails(compare_models, capsys)
    assert f"compare.folds = {rarest + 1} but class" in msg and f"has only {rarest} training row(s)" in msg
    assert f"lower compare.folds to at most {rarest}" in msg and "data.merge_classes" in msg


def test_roc_auc_needs_probabilities_on_multiclass_data(workdir, capsys):
    run_stages(workdir, *UPSTREAM, data__dataset="iris", compare__models=["logistic_regression", "linear_svm"])
    msg = run_fails(compare_models, capsys)
    assert "compare.metrics includes roc_auc, but model 'linear_svm' has no predict_proba (3 classes)" in msg
    assert not paths.COMPARISON.exists()


def test_multiclass_runs_with_macro_scores(workdir):
    run_stages(workdir, *UPSTREAM, compare_models, data__dataset="wine")
    assert set(read_table(paths.FOLD_SCORES).columns) >= {"f1", "roc_auc"}
    assert read_table(paths.COMPARISON)["roc_auc_mean"].between(0.5, 1).all()
