"""Ensemble selection (Caruana et al., 2004), the way AutoGluon and auto-sklearn combine their models: start from
nothing and, for a fixed number of rounds, add the model (with replacement) whose fold predictions most improve the
average's score. A model picked 3 times of 6 weighs 3/6: the weights are small integers, so the saved model is
scikit-learn's own VotingClassifier (soft) or VotingRegressor with `weights`.

Scored without leakage: the weights that score a fold are chosen on the other folds of the same repeat, never on
that fold's rows, so its CV score is an honest estimate like any single model's (on random labels it stays at
chance). The saved model's weights are chosen on every fold of every repeat."""

from __future__ import annotations

import numpy as np

from stages.core.tabular.folds import Bench, Fold, scored_vote
from stages.core.tabular.problem import Problem


def objective(metric: str, n_classes: int, inverse=None):
    """score(candidate averages (C, rows[, classes]), y) -> C scores, higher is better, every candidate at once, on
    each weighted average as soft_vote computes it for a VotingClassifier or VotingRegressor.

    Regression: the comparison's sort_by (r2, rmse or mae, error metrics negated as scikit-learn's scorers). Classes:
    the log loss of the averaged probabilities, whatever sort_by is: accuracy moves in steps of one row, so on a few
    hundred rows greedy steps on it chase noise (on pima, passengers and liver its ensemble scored 0.6-1.9 points
    below the log-loss one in CV); the ensemble is then scored on sort_by like every model."""
    if n_classes:
        return lambda averages, y: likelihood(averages, y.astype(int))
    undo = inverse if inverse is not None else (lambda v: v)
    return {
        "r2": lambda a, y: 1 - ((y - undo(a)) ** 2).sum(axis=-1) / ((y - y.mean()) ** 2).sum(),
        "rmse": lambda a, y: -np.sqrt(((y - undo(a)) ** 2).mean(axis=-1)),
        "mae": lambda a, y: -np.abs(y - undo(a)).mean(axis=-1),
    }[metric]


def likelihood(averages: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The mean log-probability each candidate average gives the true classes: the log loss, negated."""
    taken = np.take_along_axis(averages, y[None, :, None], axis=-1)[..., 0]
    return np.log(np.clip(taken, 1e-15, 1)).mean(axis=-1)


def greedy_weights(outputs: list[np.ndarray], y: np.ndarray, score, rounds: int) -> np.ndarray:
    """Integer weights over `outputs` (each model's predictions on the same rows, best model first): `rounds` greedy
    steps, each adding the model whose inclusion scores best; a tie goes to the earlier (better-ranked) model."""
    stacked = np.asarray(outputs, dtype=float)
    counts, total = np.zeros(len(outputs), dtype=int), np.zeros_like(stacked[0])
    for step in range(1, rounds + 1):
        best = int(np.argmax(score((total + stacked) / step, y)))  # the first of equals
        counts[best] += 1
        total = total + stacked[best]
    return counts


def weights_on(candidates: list[str], kept: dict, folds: list[Fold], y: np.ndarray, score,
               rounds: int) -> dict[str, int]:
    """Weights chosen on these folds' kept predictions (the rows of all of them together), members only."""
    outputs = [np.concatenate([kept[(name, f.repeat, f.fold)] for f in folds]) for name in candidates]
    counts = greedy_weights(outputs, np.concatenate([y[f.test] for f in folds]), score, rounds)
    return {name: int(c) for name, c in zip(candidates, counts) if c}


def selection_scores(candidates: list[str], kept: dict, bench: Bench, score, rounds: int,
                     problem: Problem) -> tuple[dict, dict]:
    """(the ensemble's Fitted per ("ensemble_selection", repeat, fold), the weights that scored each fold), on the
    bench's folds. Each fold is scored with weights chosen on the other folds of its repeat: as a
    VotingClassifier/VotingRegressor with those weights, refitted on the fold's training rows, would score
    (np.average over the members in candidate order)."""
    out, chosen = {}, {}
    for fold in bench.folds:
        others = [f for f in bench.folds if f.repeat == fold.repeat and f.fold != fold.fold]
        weights = weights_on(candidates, kept, others, bench.y, score, rounds)
        members = [m for m in candidates if m in weights]
        out[("ensemble_selection", fold.repeat, fold.fold)] = scored_vote(members, kept, fold, bench, problem,
                                                                         [weights[m] for m in members])
        chosen[(fold.repeat, fold.fold)] = weights
    return out, chosen
