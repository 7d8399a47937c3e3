"""tune's search (stages/core/tabular/tuning.py): the candidates counted, and the tuned model kept only when
it beats the untuned one."""


import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from stages.core.errors import PipelineError
from stages.core.tabular.models import final_model
from stages.core.tabular.tuning import chosen_model, run_search, search_candidates, tuning_metrics, tuning_record
from tests.conftest import toy_rows


def test_search_candidates_count_the_space_and_say_how_k_is_searched():
    selected = {"method": {"name": "chi2"}, "k": 2, "k_best": 3, "k_all": 5}
    space, candidates, notes = search_candidates({"logistic_regression": {"C": [0.1, 1.0]}}, "logistic_regression",
                                                 LogisticRegression(), "grid", "classification", "auto", selected, 5,
                                                 10, 50, section="tune")
    assert space["select__k"] == [2, 3, 5] and candidates == 6
    assert notes == ["tune.k = auto: k searched over [2, 3, 5] (select_features' 2, the curve's best 3, all 5): the "
                     "winner is not held to the curve estimator's choice"]
    with pytest.raises(PipelineError, match="tune.max_candidates = 4"):
        search_candidates({"logistic_regression": {"C": [0.1, 1.0]}}, "logistic_regression", LogisticRegression(),
                          "grid", "classification", "auto", selected, 5, 10, 4, section="tune")


def test_the_search_keeps_the_tuned_model_only_when_it_beats_the_untuned_one():
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline

    X, y = toy_rows()
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    searched = run_search("grid", pipeline, {"model__C": [1e-4, 1.0]}, cv, "accuracy", 10, 1, 0, X, y)
    assert searched.best == pytest.approx(searched.search.best_score_)
    assert searched.tuned_wins == (searched.best > searched.untuned)
    record = tuning_record("logistic_regression", "grid", searched, "model__", ["a", "b"])
    assert set(record["best_params"]) == {"C"} and record["kept"] in ("tuned", "untuned (tuning did not beat the "
                                                                                 "defaults)")
    metrics = tuning_metrics(searched, {"search": "grid"})
    assert metrics["improvement"] == pytest.approx(searched.best - searched.untuned) and metrics["n_candidates"] == 2
    saved = final_model(pipeline, ["neg", "pos"], X, y, classifies=True)
    assert set(saved.predict(X)) <= {"neg", "pos"}


def test_chosen_model_reads_the_winner_and_a_combined_models_members_or_says_which_key_builds_it():
    winner = {"model": "ensemble_selection", "members": ["svm", "knn"], "ensemble": {"knn": 3, "svm": 1}}
    assert chosen_model("best", winner, section="tune") == ("ensemble_selection", {"knn": 3, "svm": 1})
    assert chosen_model("voting", winner, section="tune") == ("voting", ["svm", "knn"])
    assert chosen_model("knn", {}, section="tune") == ("knn", None)
    with pytest.raises(PipelineError, match=r"^tune.model = ensemble_selection, but compare_models built no "
                                            r"ensemble_selection \(compare.ensemble_selection is 0"):
        chosen_model("ensemble_selection", {"model": "knn", "members": [], "ensemble": {}}, section="tune")
