"""Ensemble selection (stages/core/tabular/ensemble_selection.py): the greedy weights, its fold scores equal to a
VotingClassifier / log-target VotingRegressor refitted with each fold's weights, and no leak: on random labels its
CV score stays at chance, where weights chosen on the scored folds themselves would not."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

from stages.core.tabular.comparison import Passes, Progress, score_models, scorers
from stages.core.tabular.ensemble_selection import greedy_weights, objective, selection_scores, weights_on
from stages.core.tabular.folds import Bench, fit_folds, folds_of, score_rows, shared_steps, soft_vote
from stages.core.tabular.models import build_pipeline, make_estimator, with_target_transform
from tests.conftest import a_problem
from tests.core.tabular.test_folds import pipelines, table


def test_greedy_selection_adds_with_replacement_what_helps_and_ties_go_to_the_better_ranked():
    y = np.array([0, 0, 1, 1])
    good = np.array([[0.95, 0.05], [0.9, 0.1], [0.1, 0.9], [0.6, 0.4]])  # sure where right, wrong on the last row
    fixer = np.array([[0.4, 0.6], [0.8, 0.2], [0.2, 0.8], [0.05, 0.95]])  # wrong on the first row only
    score = objective("accuracy", 2)  # classes: the log loss of the average, whatever sort_by is
    assert score(np.array([good, fixer]), y).tolist() == pytest.approx([np.log([0.95, 0.9, 0.9, 0.4]).mean(),
                                                                        np.log([0.4, 0.8, 0.8, 0.95]).mean()])
    assert greedy_weights([good, fixer], y, score, 1).tolist() == [1, 0]  # the likelier one first
    assert greedy_weights([good, fixer], y, score, 2).tolist() == [1, 1]  # together: better than either twice
    assert greedy_weights([good, good], y, score, 3).tolist() == [3, 0]  # a tie goes to the better-ranked
    r2 = objective("r2", 0)
    target = np.array([1.0, 2.0, 3.0, 4.0])
    assert greedy_weights([target + 1, target - 1, target * 0], target, r2, 2).tolist() == [1, 1, 0]


def test_closed_form_objectives_equal_the_scorers():
    rng = np.random.default_rng(0)
    y = rng.normal(10, 2, 50)
    averages = y + rng.normal(0, 1, (3, 50))
    for metric in ("r2", "rmse", "mae"):
        scorer = scorers([metric], 0)[metric]
        slow = [scorer(soft_vote([a], 0), np.empty((0, 0)), y) for a in averages]
        np.testing.assert_allclose(objective(metric, 0)(averages, y), slow, rtol=1e-12)


def refitted(weights_by_fold: dict, members_of, X, y, cv, metrics, build) -> list[float]:
    """Each fold scored by a voting model refitted on the fold's training rows with that fold's weights."""
    out = {m: [] for m in metrics}
    for i, (train, test) in enumerate(cv.split(X, y)):
        k = cv.get_n_splits() // cv.n_repeats
        weights = weights_by_fold[(i // k + 1, i % k + 1)]
        members = [m for m in members_of if m in weights]
        model = build(members, [weights[m] for m in members]).fit(X.iloc[train], y[train])
        for m, scorer in metrics.items():
            out[m].append(scorer(model, X.iloc[test], y[test]))
    return out


def test_fold_scores_equal_a_refitted_weighted_voting_classifier_with_each_folds_weights():
    X, y = table(160, 2)
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=1)
    names = ["logistic_regression", "knn", "random_forest", "decision_tree"]
    singles = pipelines(X, names)
    steps, models = shared_steps(singles)
    folds = folds_of(cv, X, y)
    metrics = scorers(["accuracy", "roc_auc"], 2, 1)
    bench = Bench(steps, models, X, y, folds, metrics)
    kept = {key: f.predictions for key, f in fit_folds(bench, keep=True).items()}
    fitted, chosen = selection_scores(names, kept, bench, objective("accuracy", 2), 10, a_problem())
    assert len({tuple(sorted(w.items())) for w in chosen.values()}) > 1  # the weights differ fold to fold
    preprocess, select = steps.steps[0][1], steps.steps[1][1]

    def voting(members, weights):
        return build_pipeline(preprocess, select, make_estimator(
            "ensemble_selection", 0, members=[(m, make_estimator(m, 0)) for m in members], weights=weights))

    scored = score_rows(fitted)
    again = refitted(chosen, names, X, y, cv, metrics, voting)
    for metric in metrics:
        assert scored[metric].tolist() == again[metric], metric  # equal, not close


def test_fold_scores_equal_a_refitted_weighted_voting_regressor_on_a_log_target():
    X, _ = table()
    y = np.exp(X["bmi"].fillna(28).to_numpy() / 10) + np.arange(len(X)) % 7
    names = ["ridge", "knn", "decision_tree"]
    singles = pipelines(X, names, "regression", "log")
    cv = RepeatedKFold(n_splits=3, n_repeats=2, random_state=0)
    steps, models = shared_steps(singles)
    folds = folds_of(cv, X, y)
    metrics = scorers(["r2", "mae"], 0)
    bench = Bench(steps, models, X, y, folds, metrics)
    kept = {key: f.predictions for key, f in fit_folds(bench, keep=True).items()}
    fitted, chosen = selection_scores(names, kept, bench, objective("r2", 0, np.exp), 8,
                                      a_problem("regression", target_transform="log"))
    preprocess, select = steps.steps[0][1], steps.steps[1][1]

    def voting(members, weights):
        return build_pipeline(preprocess, select, with_target_transform(make_estimator(
            "ensemble_selection", 0, task="regression", weights=weights,
            members=[(m, make_estimator(m, 0, task="regression")) for m in members]), "log"))

    scored = score_rows(fitted)
    again = refitted(chosen, names, X, y, cv, metrics, voting)
    assert scored["r2"].tolist() == again["r2"]
    assert scored["mae"].tolist() == [-v for v in again["mae"]]  # reported positive


def test_on_random_labels_the_selected_ensemble_scores_at_chance_where_in_fold_weights_would_not():
    rng = np.random.default_rng(7)
    X, _ = table(300, 3)
    y = rng.integers(0, 2, len(X))  # labels unrelated to the rows
    names = ["logistic_regression", "knn", "decision_tree", "random_forest", "adaboost"]
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0)
    metrics = scorers(["accuracy"], 2, 1)
    compared = score_models(pipelines(X, names), X, y, folds_of(cv, X, y), Passes(list(metrics), "accuracy", 0, 4, 0,
                                                                                  rounds=25), a_problem())
    honest = compared.scores.loc[compared.scores["model"] == "ensemble_selection", "accuracy"]
    chance = max(np.mean(y), 1 - np.mean(y))
    assert abs(honest.mean() - chance) < 2 * honest.std() / np.sqrt(len(honest)) + 0.02  # within chance
    assert set(compared.weights) <= set(names) and sum(compared.weights.values()) == 25

    # the leak the rule prevents: weights chosen on the very fold they score fit its noise. In log loss, what the
    # selection climbs, they look better than the honest weights on the same fold predictions
    steps, models = shared_steps(pipelines(X, names))
    folds = folds_of(cv, X, y)
    bench = Bench(steps, models, X, y, folds, metrics)
    kept = {key: f.predictions for key, f in fit_folds(bench, keep=True).items()}
    score = objective("accuracy", 2)
    _, chosen = selection_scores(names, kept, bench, score, 25, a_problem())

    def fold_likelihood(f, weights):
        average = sum(w * kept[(m, f.repeat, f.fold)] for m, w in weights.items()) / sum(weights.values())
        return float(score(average[None], y[f.test])[0])

    honest_ll = np.mean([fold_likelihood(f, chosen[(f.repeat, f.fold)]) for f in folds])
    leaky_ll = np.mean([fold_likelihood(f, weights_on(names, kept, [f], y, score, 25)) for f in folds])
    p = y.mean()
    prior = p * np.log(p) + (1 - p) * np.log(1 - p)  # the log loss of always saying the class shares
    assert honest_ll < prior + 0.005 < leaky_ll  # at chance honestly; better than chance, leaking


def test_the_comparison_ranks_it_names_its_weights_and_the_boxplot_data_has_it():
    X, y = table(200, 4)
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=0)
    lines = []
    passes = Passes(["accuracy"], "accuracy", 0, 4, 0, rounds=10)
    compared = score_models(pipelines(X), X, y, folds_of(cv, X, y), passes, a_problem(), Progress(lines.append))
    said = next(line for line in lines if line.startswith("ensemble selection"))
    assert said.startswith("ensemble selection (3 models, 10 rounds on log loss): ensemble of ")
    assert said.endswith("(svm: no probabilities, not candidates)")  # no voting here to Platt-scale it
    counts = compared.scores.groupby("model").size()
    assert counts["ensemble_selection"] == 8 and isinstance(compared.scores, pd.DataFrame)
