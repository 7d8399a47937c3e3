"""Feature selection (chi2, F-test or mutual-information filters, RFE, sequential selection) and its leak-free
score curve.

Every method yields a *path*: for each subset size k, the k features it keeps. The curve of CV score
against k is computed fold by fold: the preprocessor and the whole selection path are refitted on the
fold's training rows, and each subset is scored on the fold's held-out rows. Selecting once on all
training rows and cross-validating afterwards would let the held-out rows choose the features: on pure
noise that scores far above chance (tests/stages/test_select_features.py shows both).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import numpy as np
import pandas as pd
from mlxtend.feature_selection import SequentialFeatureSelector
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_selection import RFE, chi2, f_classif, f_regression, mutual_info_classif, mutual_info_regression
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from stages.core.errors import PipelineError
from stages.core.tabular.models import ZOOS, make_estimator
from stages.core.tabular.problem import Problem
from stages.core.tabular.scoring import check_scoring, scorer_for
from stages.core.tabular.sizing import curve_sizes
from stages.core.tabular.tasks import TASKS, auto

Path_ = dict[int, list[str]]  # subset size -> the features kept at that size, best first
CURVE_POINTS = 60  # wide data: score the filter at this many sizes, not at every one


@dataclass(frozen=True)
class Method:
    """What a selection run needs besides the data (plain values, from params.yaml)."""

    name: str  # chi2 | f_test | mutual_info | rfe | sfs | none
    estimator: object  # unfitted model that scores subsets (and ranks them for RFE)
    rfe_step: int = 1
    sfs_forward: bool = True
    sfs_floating: bool = False
    sfs_cv: int = 5
    sfs_scoring: str = "accuracy"
    sfs_n_jobs: int = 1
    seed: int = 0
    positive: int | None = None  # binary data: the code f1, precision, recall are about
    task: str = "classification"
    log_sizes: bool = False  # the curve scores CURVE_POINTS_LARGE log-spaced subset sizes (sampled large tables)


FILTERS = ("chi2", "f_test", "mutual_info")  # rank each feature alone, keep the top k


def chi2_minmax(X, y):
    """chi2 needs non-negative inputs: score a min-max view, so any scaler upstream is fine."""
    scores, pvalues = chi2(MinMaxScaler().fit_transform(X), y)
    return np.nan_to_num(scores), np.nan_to_num(pvalues, nan=1.0)  # constant columns: no evidence


def filter_scores(name: str, task: str, X, y, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A filter's score per feature (higher: more related to the target) and its p-values (None for mutual
    information): chi2 on class counts, the ANOVA / regression F-test, or mutual information (seeded)."""
    if name == "chi2":
        return chi2_minmax(X, y)
    if name == "f_test":
        scores, pvalues = (f_classif if task == "classification" else f_regression)(X, y)
        return np.nan_to_num(scores), np.nan_to_num(pvalues, nan=1.0)
    mutual_info = mutual_info_classif if task == "classification" else mutual_info_regression
    return mutual_info(X, y, random_state=seed), None


FILTER_COLUMNS = {"chi2": "chi2", "f_test": "f_score", "mutual_info": "mutual_info"}


def can_rank(estimator, X: pd.DataFrame, y) -> bool:
    """RFE ranks by coef_ or feature_importances_, which only exist after a fit."""
    fitted = clone(estimator).fit(X, y)
    return hasattr(fitted, "coef_") or hasattr(fitted, "feature_importances_")


def selection_path(method: Method, X: pd.DataFrame, y, sizes: set[int] = frozenset()) -> tuple[Path_, pd.DataFrame]:
    """The method's subsets fitted on (X, y), and a per-feature table of what it measured.

    `sizes`: subset sizes that must be on the path (RFE with step > 1 only passes some by itself).
    """
    names = list(X.columns)
    table = pd.DataFrame(index=pd.Index(names, name="feature"))
    # always the task's first filter (chi2 counts classes: regression takes the F-test), and the method's own
    shown = ["chi2" if method.task == "classification" else "f_test"]
    if method.name in FILTERS and method.name not in shown:
        shown.append(method.name)
    for name in shown:
        scores, pvalues = filter_scores(name, method.task, X, y, method.seed)
        table[FILTER_COLUMNS[name]] = scores
        if pvalues is not None:
            table["p_value" if name == shown[0] else f"{FILTER_COLUMNS[name]}_p_value"] = pvalues
    table["rfe_rank"] = table["sfs_order"] = pd.Series(pd.NA, index=table.index, dtype="Int64")  # if run
    if method.name == "none":
        return {len(names): names}, table
    if method.name in FILTERS:
        order = table[FILTER_COLUMNS[method.name]].sort_values(ascending=False, kind="stable").index.tolist()
        grid = curve_sizes(len(names), CURVE_POINTS, method.log_sizes)
        return {int(k): order[:k] for k in sorted(set(grid) | set(sizes))}, table
    if method.name == "rfe":
        ranking = RFE(method.estimator, n_features_to_select=1, step=method.rfe_step).fit(X, y).ranking_
        table["rfe_rank"] = ranking
        order = table["rfe_rank"].sort_values(kind="stable").index.tolist()
        # features eliminated in the same step share a rank: only sizes at rank boundaries are nested
        path = {int((ranking <= r).sum()): order[: int((ranking <= r).sum())] for r in np.unique(ranking)}
        for k in set(sizes) - set(path):
            support = RFE(method.estimator, n_features_to_select=k, step=method.rfe_step).fit(X, y).support_
            path[k] = [n for n in order if support[names.index(n)]]
        return path, table
    sfs = _sfs(method, (1, len(names))).fit(X, y)
    subsets = {k: list(s["feature_names"]) for k, s in sfs.subsets_.items()}
    # order of entry: the size of the smallest subset on the search path that holds the feature
    table["sfs_order"] = [min(k for k, s in subsets.items() if n in s) for n in names]
    rank = table["sfs_order"].to_dict()
    return {k: sorted(s, key=lambda n: (rank[n], names.index(n))) for k, s in subsets.items()}, table


@dataclass(frozen=True)
class CurveScoring:
    """How the curve is scored: its folds (the task's seeded k-fold, seeded by the method's seed), the score, and
    subset sizes it must include besides its grid (features.k)."""

    folds: int
    scoring: str
    sizes: frozenset = frozenset()


def score_curve(method: Method, preprocessor, X: pd.DataFrame, y, scored: CurveScoring,
                progress: Callable[[], None] = lambda: None) -> tuple[pd.DataFrame, np.ndarray]:
    """Mean, std and standard error of the CV score per subset size, selection refitted inside each
    fold; and the fold scores with all features.

    X holds raw rows; `preprocessor` is the unfitted definition, cloned into every fold.
    """
    sizes = set(scored.sizes)
    scorer = scorer_for(scored.scoring, method.positive)
    per_fold: list[dict[int, float]] = []
    all_features = []  # one-hot columns can differ between folds, so "all" is each fold's largest subset
    splits = TASKS[method.task].folds(scored.folds, method.seed).split(X, y)
    for train, held_out in splits:
        prep = clone(preprocessor)  # fit_transform: a target encoding cross-fits the rows it learns from
        X_train = prep.fit_transform(X.iloc[train], y[train])
        X_held = prep.transform(X.iloc[held_out])
        path, _ = selection_path(method, X_train, y[train], sizes)
        scores = {}
        for k, subset in path.items():
            model = clone(method.estimator).fit(X_train[subset], y[train])
            scores[k] = scorer(model, X_held[subset], y[held_out])
        per_fold.append(scores)
        all_features.append(scores[max(scores)])
        progress()  # one fold done
    common = sorted(set.intersection(*(set(s) for s in per_fold)))
    matrix = np.array([[s[k] for k in common] for s in per_fold])
    curve = pd.DataFrame({
        "n_features": common,
        "cv_score": matrix.mean(axis=0),
        "cv_std": matrix.std(axis=0),
        "cv_sem": matrix.std(axis=0, ddof=1) / np.sqrt(len(per_fold)),
    })
    return curve, np.array(all_features)


def choose_k(curve: pd.DataFrame, k: int | str) -> int:
    """An explicit k; `best`: the highest mean score (ties: fewer features); `parsimonious`: the
    fewest features whose mean is within one standard error of the best (mlxtend's rule)."""
    if isinstance(k, int):
        return k
    best = curve.loc[curve["cv_score"].idxmax()]  # idxmax takes the first, i.e. the smallest k
    if k == "best":
        return int(best["n_features"])
    within = curve[curve["cv_score"] >= best["cv_score"] - best["cv_sem"]]
    return int(within["n_features"].min())


class SelectFeatures(TransformerMixin, BaseEstimator):
    """The selection as a Pipeline step: fitted inside each CV fold on that fold's (encoded) training rows,
    so compare_models and tune never score a model on columns its held-out rows helped to choose.

    `k` is a count, clamped to the columns a fold has (one-hot columns can differ between folds); a search
    can vary it as `select__k`.
    """

    def __init__(self, method: Method | None = None, k: int = 10):
        self.method, self.k = method, k

    def fit(self, X: pd.DataFrame, y):
        # n_features_in_ and a DataFrame's feature_names_in_; a clear error on empty, sparse, 1-d or NaN input
        checked, y = validate_data(self, X, y)
        X = X if isinstance(X, pd.DataFrame) else pd.DataFrame(checked)  # an array's columns: 0, 1, ...
        names = list(X.columns)
        if self.method is None or self.method.name == "none":
            self.features_ = names
        else:
            self.features_ = _select_k(self.method, X, np.asarray(y), min(int(self.k), len(names)))
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """The kept columns: a DataFrame's by name; an array's as an array."""
        check_is_fitted(self)
        checked = validate_data(self, X, reset=False)
        return X[self.features_] if isinstance(X, pd.DataFrame) else checked[:, self.features_]

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.features_, dtype=object)


def _select_k(method: Method, X: pd.DataFrame, y, k: int) -> list[str]:
    """The k features `method` keeps; cheaper than the whole path (one RFE fit, SFS only up to k)."""
    names = list(X.columns)
    if method.name in FILTERS:
        scores, _ = filter_scores(method.name, method.task, X, y, method.seed)
        return [names[i] for i in np.argsort(-scores, kind="stable")[:k]]
    if method.name == "rfe":
        support = RFE(clone(method.estimator), n_features_to_select=k, step=method.rfe_step).fit(X, y).support_
        return [n for n, kept in zip(names, support, strict=True) if kept]
    return list(_sfs(method, k).fit(X, y).k_feature_names_)


def _sfs(method: Method, k_features) -> SequentialFeatureSelector:
    """mlxtend's selector as the method says; k_features: a size, or (1, n) for the whole path."""
    return SequentialFeatureSelector(
        clone(method.estimator), k_features=k_features, forward=method.sfs_forward, floating=method.sfs_floating,
        scoring=scorer_for(method.sfs_scoring, method.positive), n_jobs=method.sfs_n_jobs,
        cv=TASKS[method.task].folds(method.sfs_cv, method.seed),
    )


# an object, what the reading stage knows itself, and how the curve was sampled
_NOT_IN_SPEC = ("estimator", "seed", "positive", "task", "log_sizes")


def method_spec(method: Method, estimator_name: str) -> dict:
    """The method as plain values (selected.json), so compare_models and tune rebuild the same step."""
    plain = {f.name: getattr(method, f.name) for f in fields(method) if f.name not in _NOT_IN_SPEC}
    return {**plain, "estimator": estimator_name}


def selected_record(method: Method, estimator_name: str, curve: pd.DataFrame, k: int, n: int,
                    features: list[str]) -> dict:
    """selected.json: what compare_models and tune refit in each fold (`features` is for people and serving);
    k_best and k_all: what tune's `k: auto` also tries with the winner."""
    return {"method": method_spec(method, estimator_name), "k": k,
            "k_best": n if method.name == "none" else choose_k(curve, "best"), "k_all": n, "features": features}


def selector_from(selected: dict, problem: Problem) -> SelectFeatures:
    """select_features' choice (selected.json) as an unfitted Pipeline step, for the problem's task, seed and
    positive class."""
    spec, task, seed = selected["method"], problem.task.name, problem.seed
    method = Method(**{k: v for k, v in spec.items() if k not in _NOT_IN_SPEC},
                    estimator=make_estimator(spec["estimator"], seed, task=task), seed=seed, positive=problem.positive,
                    task=task)
    return SelectFeatures(method, selected["k"])


def chosen_method(problem: Problem, features, encoded: pd.DataFrame, y, *, section: str) -> tuple[Method, str, str]:
    """`features` (the validated `<section>` of params.yaml): `.method`, `.estimator`, `.scoring` and `.sfs.scoring`
    with `auto` read as the task's, the estimator made, all of it checked with `.k` before any curve is fitted:
    (the Method, for the problem's task, seed and positive class; its estimator's name; the curve's scoring). The
    curve's folds set the Method's sfs_cv and log_sizes."""
    task, sfs = problem.task, features.sfs
    method, estimator_name = auto(features.method, task.selection_method), auto(features.estimator,
                                                                                 task.selection_estimator)
    scoring, sfs_scoring = auto(features.scoring, task.scoring), auto(sfs.scoring, task.scoring)
    made = make_estimator(estimator_name, problem.seed, f"{section}.estimator", task.name)
    check_selection(method, estimator_name, features.k, encoded, y, task.name, section=section)
    check_scoring(scoring, y, f"{section}.scoring", task.name)
    if method == "sfs":  # SFS splits each curve fold's training part again
        check_scoring(sfs_scoring, y, f"{section}.sfs.scoring", task.name)
    return Method(method, made, rfe_step=features.rfe.step, sfs_forward=sfs.direction == "forward",
                  sfs_floating=sfs.floating, sfs_scoring=sfs_scoring, sfs_n_jobs=sfs.n_jobs, seed=problem.seed,
                  positive=problem.positive, task=task.name), estimator_name, scoring


def check_selection(method: str, estimator_name: str, k, encoded: pd.DataFrame, y, task: str, *,
                    section: str) -> None:
    """`<section>.method`, `.k` and `.estimator` together, before any curve is fitted."""
    n = encoded.shape[1]
    if method == "chi2" and task != "classification":
        raise PipelineError(f"{section}.method = 'chi2' tests class counts and cannot score a regression target; "
                            "use f_test or mutual_info (or rfe, sfs, none)")
    if isinstance(k, int) and k > n and method != "none":
        raise PipelineError(f"{section}.k = {k} but the training data has {n} features after encoding; "
                            f"choose 1..{n}, best or parsimonious")
    if method == "rfe" and not can_rank(make_estimator(estimator_name, 0, task=task), encoded, y):
        usable = [name for name in ZOOS[task] if can_rank(make_estimator(name, 0, task=task), encoded, y)]
        raise PipelineError(
            f"{section}.estimator = {estimator_name!r} has neither coef_ nor feature_importances_, which RFE ranks "
            f"features by; use one of {', '.join(usable)}, or {section}.method: sfs (works with any estimator)"
        )


def selection_metrics(curve: pd.DataFrame, all_scores: np.ndarray, k: int, n: int) -> dict:
    """The CV score at the chosen k (one-hot columns can differ per fold: the nearest size below) beside the
    score with every feature."""
    at_k = curve[curve["n_features"] <= k].iloc[-1]
    return {"n_features": n, "n_selected": k, "cv_score_selected": float(at_k["cv_score"]),
            "cv_score_selected_std": float(at_k["cv_std"]), "cv_score_all": float(all_scores.mean()),
            "cv_score_all_std": float(all_scores.std())}


def feature_table(table: pd.DataFrame, selected: list[str]) -> pd.DataFrame:
    """The per-feature table with whether each was kept and in which order, for people."""
    order = pd.array([selected.index(c) + 1 if c in selected else None for c in table.index], dtype="Int64")
    return table.assign(selected=table.index.isin(selected), selection_order=order).reset_index()
