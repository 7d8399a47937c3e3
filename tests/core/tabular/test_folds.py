"""Fold work done once (stages/core/tabular/folds.py) and racing: the same scores as one Pipeline per model, soft
voting from fold predictions equal to a refitted VotingClassifier / VotingRegressor, and the racing rule."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, cross_validate

from stages import compare_models, ingest, preprocess, select_features
from stages.common import paths
from stages.common.io import read_json, read_table
from stages.core.tabular.comparison import (
    Passes,
    corrected_ttest,
    fold_scores,
    race,
    race_batches,
    score_models,
    scorers,
    summarize,
)
from stages.core.tabular.folds import Bench, Fold, fit_folds, folds_of, score_rows, shared_steps, vote_scores
from stages.core.tabular.models import build_pipeline, make_estimator, with_target_transform
from stages.core.tabular.preprocessing import build_preprocessor, feature_types
from stages.core.tabular.selection import Method, SelectFeatures
from tests.conftest import a_problem, patients, run_stages

MODELS = ("logistic_regression", "knn", "svm", "random_forest")


def table(n: int = 120, seed: int = 0):
    """patients() with one many-valued text column, which the preprocessing target-encodes (cross-fitted in
    fit_transform, so a fold's steps must be fitted as a Pipeline fits them)."""
    frame = patients(n, seed)
    frame["town"] = [f"town{i % 37}" for i in range(n)]
    y = (frame.pop("outcome") == "pos").to_numpy().astype(int)
    return frame, y


def pipelines(X, names=MODELS, task="classification", transform="none"):
    preprocessor = build_preprocessor(feature_types(X), "standard", "median", 5)
    selector = SelectFeatures(Method("f_test", None, task=task), k=4)
    return {name: build_pipeline(preprocessor, selector, with_target_transform(make_estimator(name, 0, task=task),
                                                                               transform))
            for name in names}


def test_shared_fold_work_gives_the_scores_of_one_pipeline_per_model():
    X, y = table()
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=3)
    metrics = scorers(["accuracy", "roc_auc", "f1"], 2, 1)
    shared = fold_scores(pipelines(X), X, y, metrics, cv, n_jobs=1)
    for name, pipeline in pipelines(X).items():
        alone = cross_validate(pipeline, X, y, cv=cv, scoring=metrics)
        mine = shared[shared["model"] == name]
        for metric in metrics:
            assert mine[metric].tolist() == alone[f"test_{metric}"].tolist(), (name, metric)  # equal, not close
    assert shared.groupby("model").size().eq(8).all()


def test_soft_voting_from_fold_predictions_equals_a_refitted_voting_classifier():
    X, y = table()
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=1, random_state=3)
    singles = pipelines(X, ["svm", "logistic_regression", "knn"])  # svm has no probabilities: Platt-scaled, as voting
    metrics = scorers(["accuracy", "roc_auc", "balanced_accuracy"], 2, 1)
    compared = score_models(singles, X, y, folds_of(cv, X, y), Passes(list(metrics), "accuracy", 0, 4, top=3),
                            a_problem())
    assert sorted(compared.members) == sorted(singles)
    steps = singles["svm"].steps
    voting = build_pipeline(steps[0][1], steps[1][1], make_estimator(
        "voting", 0, members=[(m, make_estimator(m, 0)) for m in compared.members]))
    refitted = cross_validate(voting, X, y, cv=cv, scoring=metrics)
    scored = compared.scores[compared.scores["model"] == "voting"]
    for metric in metrics:
        assert scored[metric].tolist() == refitted[f"test_{metric}"].tolist(), metric


def test_voting_of_regressors_on_a_log_target_averages_in_the_log_space_as_a_refitted_one():
    X, _ = table()
    y = np.exp(X["bmi"].fillna(28).to_numpy() / 10) + np.arange(len(X)) % 7
    members = ["ridge", "knn"]
    singles = pipelines(X, members, "regression", "log")
    cv = RepeatedKFold(n_splits=3, n_repeats=1, random_state=0)
    metrics = scorers(["r2", "mae"], 0)
    steps, models = shared_steps(singles)
    folds = folds_of(cv, X, y)
    bench = Bench(steps, models, X, y, folds, metrics)
    kept = {key: f.predictions for key, f in fit_folds(bench, keep=True).items()}
    voted = score_rows(vote_scores(members, kept, folds, bench, a_problem("regression", target_transform="log")))
    voting = build_pipeline(steps.steps[0][1], steps.steps[1][1], with_target_transform(make_estimator(
        "voting", 0, task="regression", members=[(m, make_estimator(m, 0, task="regression")) for m in members]),
        "log"))
    refitted = cross_validate(voting, X, y, cv=cv, scoring=metrics)
    assert voted["r2"].tolist() == refitted["test_r2"].tolist()
    assert voted["mae"].tolist() == (-refitted["test_mae"]).tolist()  # reported positive


def first_repeat(scores: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"model": m, "repeat": 1, "fold": i + 1, "accuracy": s}
                         for m, values in scores.items() for i, s in enumerate(values)])


@pytest.mark.parametrize("scored, p", [(10, 0.01), (4, 0.05)])  # a whole repeat, and racing's first look
def test_racing_stops_only_the_models_clearly_behind_the_leader(scored, p):
    rng = np.random.default_rng(0)
    leader = 0.85 + rng.normal(0, 0.02, scored)
    scores = first_repeat({"leader": leader, "close": leader - 0.01 + rng.normal(0, 0.02, scored),
                           "far": leader - 0.2 + rng.normal(0, 0.005, scored)})
    stopped = race(scores, "accuracy", 10, p)
    assert list(stopped) == ["far"]
    assert re.fullmatch(rf"stopped after {scored} folds: behind (leader|close), p = 0\.0\d+", stopped["far"])
    by_model = {m: g["accuracy"].to_numpy() for m, g in scores.groupby("model")}
    best = max(by_model, key=lambda m: by_model[m].mean())  # with 4 scores, "close" may lead
    p_far = corrected_ttest(by_model[best], by_model["far"], 10)
    assert race(scores, "accuracy", 10, p_far) == {}  # the rule is strict: p must be below the threshold
    errors = scores.rename(columns={"accuracy": "rmse"}).assign(rmse=lambda s: 1 - s["rmse"])
    assert list(race(errors, "rmse", 10, p)) == ["far"]  # lower is better: the same model is behind


def test_racing_looks_after_4_folds_then_after_each_repeat():
    folds = [Fold(r, f, np.arange(1), np.arange(1)) for r in (1, 2, 3) for f in range(1, 11)]
    batches = race_batches(folds, 4)
    assert [[(f.repeat, f.fold) for f in b][0] for b in batches] == [(1, 1), (1, 5), (2, 1), (3, 1)]
    assert [len(b) for b in batches] == [4, 6, 10, 10]
    assert [len(b) for b in race_batches(folds[:10], 10)] == [10]  # no look inside a repeat of 10 folds or fewer


def test_stopped_models_rank_after_the_contenders_with_their_count_and_reason():
    scores = pd.concat([first_repeat({"a": [0.8] * 10, "b": [0.9] * 10}),
                        first_repeat({"a": [0.81] * 10}).assign(repeat=2)])
    ranked = summarize(scores, ["accuracy"], "accuracy", {"b": "stopped after 10 folds: behind a, p = 0.0000"})
    assert ranked["model"].tolist() == ["a", "b"]  # b's mean is higher, but only a raced on
    assert ranked["scores"].tolist() == [20, 10] and ranked["stopped"].tolist() == ["", "stopped after 10 folds: "
                                                                                     "behind a, p = 0.0000"]


@pytest.fixture
def selected(workdir):
    frame = patients(240, 1)
    frame.to_csv(workdir / "data/raw/tables/patients.csv", index=False)
    run_stages(workdir, ingest, preprocess, select_features, data__csv="data/raw/tables/patients.csv",
               data__target="outcome")
    return workdir


def test_the_stage_races_by_default_and_compare_racing_0_gives_every_model_every_repeat(selected, capsys):
    models = ["logistic_regression", "decision_tree", "knn"]
    run_stages(selected, compare_models, compare__models=models, compare__folds=5, compare__repeats=3,
               compare__racing=0.2)
    out = capsys.readouterr().out
    assert "compare.racing = 0.2: after the first 4 of the 5 folds, and after each repeat, a model behind the leader " \
           "at p < 0.2" in out
    assert "compare.stacking = left out: stacking refits its 3 members 6 times per fold, 18 fits" in out
    stopped = read_json(paths.COMPARE_METRICS)["stopped"]
    assert ("voting from their fold predictions" in out) == (len(models) - len(stopped) >= 2)  # voting: 2 or more
    counts = read_table(paths.FOLD_SCORES).groupby("model").size()
    assert stopped and all(counts[m] == int(stopped[m].split()[2]) and counts[m] in (4, 5, 10) for m in stopped)
    assert all(counts[m] == 15 for m in counts.index if m not in stopped)
    assert re.search(r"racing: \d of [23] models stop after (4|5|10) folds, clearly behind \(compare.racing = 0.2\)",
                     out)
    ranked = read_table(paths.COMPARISON)
    assert ranked["model"].tolist()[-len(stopped):] == [m for m in ranked["model"] if m in stopped]

    run_stages(selected, compare_models, compare__models=models, compare__folds=5, compare__repeats=3,
               compare__racing=0)
    assert "compare.racing = 0: set in params.yaml: every model gets every fold" in capsys.readouterr().out
    assert read_table(paths.FOLD_SCORES).groupby("model").size().eq(15).all()
    assert "stopped" not in read_json(paths.COMPARE_METRICS)
