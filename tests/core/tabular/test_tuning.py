"""tune's search (stages/core/tabular/tuning.py): the candidates counted, and the tuned model kept only when
it beats the untuned one."""


import re
from types import SimpleNamespace

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from stages.core.errors import PipelineError
from stages.core.tabular.models import final_model
from stages.core.tabular.sizing import Decision
from stages.core.tabular.tuning import (
    Search,
    chosen_model,
    plan_search,
    run_search,
    search_candidates,
    tuning_metrics,
    tuning_record,
)
from tests.conftest import a_problem, toy_rows


def test_search_candidates_count_the_space_and_say_how_k_is_searched():
    selected = {"method": {"name": "chi2"}, "k": 2, "k_best": 3, "k_all": 5}
    tune = SimpleNamespace(spaces={"logistic_regression": {"C": [0.1, 1.0]}}, k="auto", n_iter=10, max_candidates=50)
    space, candidates, notes = search_candidates(tune, "logistic_regression", LogisticRegression(), "grid",
                                                 "classification", selected, section="tune")
    assert space["select__k"] == [2, 3, 5] and candidates == 6
    assert notes == ["tune.k = auto: k searched over [2, 3, 5] (select_features' 2, the curve's best 3, all 5): the "
                     "winner is not held to the curve estimator's choice"]
    with pytest.raises(PipelineError, match="tune.max_candidates = 4"):
        search_candidates(SimpleNamespace(**vars(tune) | {"max_candidates": 4}), "logistic_regression",
                          LogisticRegression(), "grid", "classification", selected, section="tune")


def test_plan_search_decides_the_kind_and_the_first_look_and_records_the_rules_in_order():
    selected = {"method": {"name": "chi2"}, "k": 2, "k_best": 3, "k_all": 5}
    tune = SimpleNamespace(search="auto", k="auto", spaces={"logistic_regression": {"C": [0.1, 1.0, 10.0]},
                                                            "random_forest": {"max_depth": [4, 8]}},
                           n_iter=10, max_candidates=50, stop_early=True)
    every_row, five = Decision("rows", "compare.rows", "all", "-"), Decision("folds", "tune.cv", 5, "-")
    plan = plan_search(tune, a_problem(rows=300), ("logistic_regression", None), selected, every_row, five,
                       section="tune")
    assert (plan.kind, plan.cv, plan.candidates, plan.first_look) == ("grid", 5, 9, 3)
    assert [d.rule for d in plan.decisions] == ["search", "first_look"]  # every row, the usual folds: not rules
    assert plan.lines("accuracy")[-1] == "grid search over 9 candidates for logistic_regression, 5-fold accuracy"
    sampled, three = Decision("rows", "compare.rows", 100_000, "-"), Decision("folds", "tune.cv", 3, "-")
    large = plan_search(tune, a_problem(rows=200_000), ("random_forest", None), selected, sampled, three,
                        section="tune")
    assert [d.rule for d in large.decisions] == ["search", "rows", "random_forest", "folds", "first_look"]
    assert (large.kind, large.first_look, large.estimator.max_samples) == ("halving", 0, 50_000)


def test_the_search_keeps_the_tuned_model_only_when_it_beats_the_untuned_one():
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline

    X, y = toy_rows()
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    searched = run_search(Search("grid", {"model__C": [1e-4, 1.0]}, cv, "accuracy"), pipeline, X, y)
    assert searched.best == pytest.approx(searched.search.best_score_)
    assert searched.tuned_wins == (searched.best > searched.untuned)
    record = tuning_record("logistic_regression", "grid", searched, "model__", ["a", "b"])
    assert set(record["best_params"]) == {"C"} and record["kept"] in ("tuned", "untuned (tuning did not beat the "
                                                                                 "defaults)")
    metrics = tuning_metrics(searched, {"search": "grid"})
    assert metrics["improvement"] == pytest.approx(searched.best - searched.untuned) and metrics["n_candidates"] == 2
    saved = final_model(pipeline, a_problem(classes=("neg", "pos"), positive=None), X, y)
    assert set(saved.predict(X)) <= {"neg", "pos"}


def test_chosen_model_reads_the_winner_and_a_combined_models_members_or_says_which_key_builds_it():
    winner = {"model": "ensemble_selection", "members": ["svm", "knn"], "ensemble": {"knn": 3, "svm": 1}}
    assert chosen_model("best", winner, section="tune") == ("ensemble_selection", {"knn": 3, "svm": 1})
    assert chosen_model("voting", winner, section="tune") == ("voting", ["svm", "knn"])
    assert chosen_model("knn", {}, section="tune") == ("knn", None)
    with pytest.raises(PipelineError, match=r"^tune.model = ensemble_selection, but compare_models built no "
                                            r"ensemble_selection \(compare.ensemble_selection is 0"):
        chosen_model("ensemble_selection", {"model": "knn", "members": [], "ensemble": {}}, section="tune")


def test_a_search_stops_after_its_first_look_when_tuning_is_within_the_noise():
    """The untuned model and the first third first: candidates that all do about as well stop the search there (the
    line says by how much); a space where some candidate wins clearly is searched to the end, with the same best
    as the whole grid."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline

    X, y = make_classification(300, 6, n_informative=4, random_state=0)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    flat = {"model__C": [0.9, 1.0, 1.1, 1.2, 1.3, 1.4], "model__fit_intercept": [True, False]}  # all alike
    stopped = run_search(Search("grid", flat, cv, "accuracy", first_look=4), pipeline, X, y)
    assert len(stopped.search.cv_results_["params"]) == 4
    assert re.fullmatch(r"after 4 of 12 candidates: the best gained [+-]0\.\d{4}, within the fold noise \(0\.\d{4}\)",
                        stopped.stopped)
    assert tuning_metrics(stopped, {})["stopped_early"] is True

    steep = {"model__C": [1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0], "model__fit_intercept": [True, False]}
    pipeline.set_params(model__C=1e-5)  # an untuned model far from the best: tuning pays
    whole = run_search(Search("grid", steep, cv, "accuracy"), pipeline, X, y)
    looked = run_search(Search("grid", steep, cv, "accuracy", first_look=4), pipeline, X, y)
    assert looked.stopped == "" and len(looked.search.cv_results_["params"]) == 12
    assert looked.best == pytest.approx(whole.best) and looked.untuned == pytest.approx(whole.untuned)
    assert sorted(looked.search.cv_results_["rank_test_score"]) == sorted(whole.search.cv_results_["rank_test_score"])
    assert looked.tuned_wins
