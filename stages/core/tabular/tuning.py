"""Hyper-parameter search over a model's space from params.yaml: grid, random, or successive halving,
each over the whole Pipeline, so every candidate refits the preprocessing inside each fold."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401  (registers the Halving*SearchCV)
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    ParameterGrid,
    ParameterSampler,
    RandomizedSearchCV,
    cross_val_score,
)
from sklearn.utils._param_validation import InvalidParameterError

from stages.core.errors import PipelineError, plain
from stages.core.tabular import sizing
from stages.core.tabular.models import COMBINED, inner, other_task_parameters, tunable, with_target_transform
from stages.core.tabular.problem import Problem
from stages.core.tabular.scoring import check_scoring
from stages.core.tabular.threshold import check_threshold

K = "select__k"  # the selection step's k, searched like a model parameter when tune.k is set


class LogUniformInt:
    """Integers drawn log-uniformly from [low, high]: n_estimators 10..1000 should not spend 99% of its
    draws above 100. Has the `rvs` that RandomizedSearchCV samples from."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def rvs(self, size=None, random_state=None):
        draws = stats.loguniform(self.low, self.high + 1).rvs(size=size, random_state=random_state)
        return np.clip(np.floor(draws), self.low, self.high).astype(int)


def check_search(scoring: str, threshold, y: np.ndarray, problem: Problem, *, section: str) -> None:
    """`<section>.scoring` and `.threshold` against the problem's task and classes and the labels, before any fit."""
    check_scoring(scoring, y, f"{section}.scoring", problem.task.name)
    check_threshold(threshold, problem.n_classes, problem.task.name, f"{section}.threshold")


def distribution(spec, key: str):
    """{low, high, log} from params.yaml -> a scipy-style distribution; integer bounds draw integers."""
    low, high, log = spec.low, spec.high, spec.log
    if not low < high:
        raise PipelineError(f"{key}: low = {low} must be below high = {high}")
    if log and low <= 0:
        raise PipelineError(f"{key}: a log range needs low > 0, not {low}")
    if isinstance(low, int) and isinstance(high, int):
        return LogUniformInt(low, high) if log else stats.randint(low, high + 1)
    return stats.loguniform(low, high) if log else stats.uniform(low, high - low)


def chosen_model(asked: str, winner: dict, *, section: str) -> tuple[str, list[str] | dict[str, int] | None]:
    """(the model `<section>.model` names, compare_models' winner for `best`; what compare_models chose for it if it
    is combined, from winner.json: voting's and stacking's top members, ensemble selection's {member: weight}, None
    for a model of the zoo). A combined model compare_models did not build is a one-line error."""
    model = winner["model"] if asked == "best" else asked
    if model not in COMBINED:
        return model, None
    members = winner.get("ensemble") if model == "ensemble_selection" else winner.get("members")
    if not members:
        key = "compare.ensemble_selection" if model == "ensemble_selection" else "compare.ensemble_top"
        raise PipelineError(f"{section}.model = {model}, but compare_models built no {model} ({key} is 0, or too "
                            f"few models took part); set {key} and rerun compare_models, or choose another model")
    return model, members


def search_space(spaces: dict, model: str, estimator, search: str, task: str, *,
                 section: str) -> tuple[dict, list[str]]:
    """The model's space as Pipeline parameters, checked against the model's real parameters; and the names
    left out because only the same-named model of the other task has them (a shared space serves both).
    `section`: where params.yaml holds `spaces` and `search` (tune)."""
    key = f"{section}.spaces.{model}"
    if model in COMBINED and not spaces.get(model):
        return {}, []  # its members stay as compare_models scored them; select__k may still be searched
    if model not in spaces or not spaces[model]:
        raise PipelineError(f"{key} is missing; add the values to search, e.g. {key}: {{<param>: [v1, v2]}}")
    prefix, valid = tunable(estimator)
    elsewhere = other_task_parameters(model, task) - set(valid)
    space, skipped = {}, []
    for name, values in spaces[model].items():
        if name in elsewhere:
            skipped.append(name)
            continue
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise PipelineError(f"{key}.{name}: {model} has no parameter {name!r}; {hint}"
                                f"its parameters: {', '.join(sorted(valid))}")
        if isinstance(values, list):
            if not values:
                raise PipelineError(f"{key}.{name} is an empty list; give at least one value")
            check_values(estimator, name, values, f"{key}.{name}", model)
            space[prefix + name] = values
        elif search == "grid":
            raise PipelineError(f"{key}.{name} is a range, but grid search needs a list of values; "
                                f"give a list, or set {section}.search to random or halving")
        else:
            space[prefix + name] = distribution(values, f"{key}.{name}")
            check_values(estimator, name, [values.low, values.high], f"{key}.{name}", model)
    if not space:
        raise PipelineError(f"{key} holds only {skipped}, which the {task} {model} does not have; add its own "
                            "parameters")
    return space, skipped


def check_values(estimator, name: str, values: list, key: str, model: str) -> None:
    """scikit-learn's own parameter validation, value by value, before any fit: an invalid value would
    otherwise fail in every fold, flood the log with FitFailedWarnings and leave NaN scores."""
    model_itself = inner(estimator)
    if not hasattr(model_itself, "_parameter_constraints"):  # e.g. xgboost: it checks at fit time
        return
    for value in values:
        try:
            clone(model_itself).set_params(**{name: value})._validate_params()
        except InvalidParameterError as exc:
            raise PipelineError(f"{key}: {plain(value)!r} is not a valid value for {model} "
                                f"({' '.join(str(exc).split())}); fix or drop it") from None


def auto_k(selected: dict, *, key: str) -> tuple[list[int] | None, str]:
    """`k: auto`: the search's k values around select_features' choice, and the line that says why. The curve is
    read off one (linear) estimator, and its parsimonious k can hurt a nonlinear winner, so the winner is also
    scored with the curve's best k and with every feature; with nothing else to try, k is not searched."""
    method = selected["method"]["name"]
    if method not in ("chi2", "f_test", "mutual_info"):
        return None, (f"k = {selected['k']}: {method} would be refitted per candidate k; list values in {key} to "
                      "search them")
    ks = sorted({selected["k"], selected.get("k_best", selected["k"]), selected.get("k_all", selected["k"])})
    if len(ks) == 1:
        return None, f"k = {ks[0]}: select_features' choice is also the curve's best and all features"
    return ks, (f"k searched over {ks} (select_features' {selected['k']}, the curve's best "
                f"{selected.get('k_best')}, all {selected.get('k_all')}): the winner is not held to the curve "
                "estimator's choice")


def k_space(k, method: str, n_features: int, search: str, *, section: str):
    """`<section>.k` as the search's `select__k` values (None: not searched)."""
    key = f"{section}.k"
    if k is None:
        return None
    if method == "none":
        raise PipelineError(f"{key} searches the number of selected features, but features.method is none; "
                            f"set {key}: null or choose a selection method")
    if isinstance(k, list):
        too_many = [v for v in k if v > n_features]
        if too_many:
            raise PipelineError(f"{key} = {k}: {too_many} exceed the {n_features} features after encoding; "
                                f"use values in 1..{n_features}")
        return k
    if not (isinstance(k.low, int) and isinstance(k.high, int) and 1 <= k.low and k.high <= n_features):
        raise PipelineError(f"{key} = {{low: {k.low}, high: {k.high}}}: give whole numbers in 1..{n_features}")
    if search == "grid":
        raise PipelineError(f"{key} is a range, but grid search needs a list of values; give a list, or set "
                            f"{section}.search to random or halving")
    return distribution(k, key)


def n_candidates(space: dict, search: str, n_iter: int) -> int:
    """How many candidates the search will try (halving: in its first round)."""
    grid = math.prod(len(v) for v in space.values()) if all(isinstance(v, list) for v in space.values()) else None
    if search == "grid" or (search == "halving" and grid):
        return grid
    return min(n_iter, grid) if grid else n_iter


def capped_candidates(space: dict, search: str, n_iter: int, cap: int, key: str, cap_key: str) -> int:
    """The candidates the search will try, refused above the cap before any time is spent."""
    candidates = n_candidates(space, search, n_iter)
    if candidates > cap:
        section = cap_key.rsplit(".", 1)[0]
        raise PipelineError(f"{key} gives {candidates} candidates for {search} search, more than {cap_key} = {cap}; "
                            f"shrink the space, use {section}.search: random ({section}.n_iter draws), or raise "
                            f"{cap_key}")
    return candidates


def search_fits(search: str, candidates: int, n_rows: int, folds: int, rescored: int = 1) -> int:
    """Fits a search will run, for its progress bar: candidates x folds, summed over halving's rounds (a third
    of the candidates go on each round, until one is left or the rows run out), plus `rescored` CV runs."""
    if search != "halving":
        return (candidates + rescored) * folds
    rounds = max(1, min(math.ceil(math.log(max(candidates, 1), 3)) + 1, int(math.log(max(n_rows, 3), 3))))
    return sum(math.ceil(candidates / 3 ** i) for i in range(rounds)) * folds + rescored * folds


def best_cv_score(search: str, fitted, rescore: Callable[[], float]) -> float:
    """The tuned candidate's CV score, comparable with the untuned model's. Grid and random search scored every
    candidate on all rows of these folds already; halving's last round may have used fewer rows, so its
    winner is scored again (rescore) like the untuned model."""
    return rescore() if search == "halving" else float(fitted.best_score_)


@dataclass(frozen=True)
class Search:
    """A search as planned: its kind, the space, the folds and the scorer, the draws (random, random halving), the
    processes and the seed, and how many candidates an early-stopping search looks at first (0: all at once)."""

    kind: str  # grid | random | halving
    space: dict
    cv: object
    scoring: object
    n_iter: int = 10
    n_jobs: int = 1
    seed: int = 0
    first_look: int = 0


def make_search(search: Search, pipeline):
    common = {"cv": search.cv, "scoring": search.scoring, "n_jobs": search.n_jobs, "refit": False,
              "return_train_score": False}
    space, n_iter, seed = search.space, search.n_iter, search.seed
    all_lists = all(isinstance(v, list) for v in space.values())
    if search.kind == "grid":
        return GridSearchCV(pipeline, space, **common)
    if search.kind == "random":  # never more draws than a grid of lists holds
        return RandomizedSearchCV(pipeline, space, n_iter=n_candidates(space, "random", n_iter), random_state=seed,
                                  **common)
    if all_lists:
        return HalvingGridSearchCV(pipeline, space, factor=3, random_state=seed, **common)
    return HalvingRandomSearchCV(pipeline, space, n_candidates=n_iter, factor=3, random_state=seed, **common)


def results_table(cv_results: dict, prefix: str) -> pd.DataFrame:
    """One row per candidate (per halving round): its parameters and scores; timings left out so that the
    committed file only changes when results do."""
    frame = pd.DataFrame(cv_results)
    params = [c for c in frame.columns if c.startswith("param_")]
    keep = [c for c in ("iter", "n_resources") if c in frame.columns]
    table = frame[keep + params + ["mean_test_score", "std_test_score", "rank_test_score"]]
    return table.rename(columns={c: short_name(c.removeprefix("param_"), prefix) for c in params})


def short_name(name: str, prefix: str) -> str:
    """Pipeline parameter -> the name params.yaml uses: model__C -> C, select__k -> k."""
    return "k" if name == K else name.removeprefix(prefix)


def search_candidates(tune, model: str, estimator, search: str, task: str, selected: dict, *,
                      section: str) -> tuple[dict, int, list[str]]:
    """The whole search (`tune`: the validated `<section>` of params.yaml): the model's space from `.spaces`,
    select__k from `.k` (auto: around select_features' choice, over its k_all encoded columns), how many candidates
    that makes (refused above `.max_candidates`), and the lines the stage prints about it."""
    spaces, k = tune.spaces, tune.k
    space, skipped = search_space(spaces, model, estimator, search, task, section=section)
    notes = [f"note: {section}.spaces.{model}: {skipped} apply to the {model} of the other task; not searched"
             ] if skipped else []
    if not space:
        notes.append(f"{section}.spaces.{model} is not set: {model} keeps its members as compare_models scored them "
                     "(add a space to search its own parameters, e.g. final_estimator__C for stacking)")
    if k == "auto":
        ks, why = auto_k(selected, key=f"{section}.k")
        notes.append(f"{section}.k = auto: {why}")
    else:
        ks = k_space(k, selected["method"]["name"], selected["k_all"], search, section=section)
    if ks is not None:
        space[K] = ks
    candidates = capped_candidates(space, search, tune.n_iter, tune.max_candidates, f"{section}.spaces.{model}",
                                   f"{section}.max_candidates")
    return space, candidates, notes


@dataclass(frozen=True)
class SearchPlan:
    """tune's search as decided before any fit, with the size rules that decided it (printed and recorded)."""

    model: str
    estimator: object  # the zoo's, sized for the problem's rows and target-transformed
    kind: str  # grid | random | halving
    cv: int  # folds
    space: dict
    candidates: int
    first_look: int  # candidates scored first (0: all at once)
    decisions: list  # sizing's Decisions, in the order tune's metrics record them
    notes: list[str]

    def lines(self, scoring: str) -> list[str]:
        """What the stage prints before fitting: the rules, the notes, and the search in one line."""
        return [*[d.line() for d in self.decisions], *self.notes,
                f"{self.kind} search over {self.candidates} candidates for {self.model}, {self.cv}-fold {scoring}"]


def plan_search(tune, problem: Problem, chosen: tuple, selected: dict, sampled: sizing.Decision,
                folds: sizing.Decision, *, section: str) -> SearchPlan:
    """The search for `chosen` = (model, its members: chosen_model's), from `tune` (the validated `<section>` of
    params.yaml) at the problem's size: the model sized, the kind (tune_search), the space and its candidates
    (search_candidates), the first look; `sampled` (compare.rows' search sample) and `folds` (tune_cv) are the
    rows and folds the stage decided."""
    model, members = chosen
    estimator, sized = sizing.sized_estimator(model, problem, f"{section}.model", members)
    kind = sizing.tune_search(problem.rows, tune.search, key=f"{section}.search")
    decisions = [kind, *([sampled] if sampled.value != "all" else []), *sized,
                 *([folds] if folds.value != sizing.TUNE_FOLDS else [])]
    estimator = with_target_transform(estimator, problem.target_transform)
    space, candidates, notes = search_candidates(tune, model, estimator, kind.value, problem.task.name, selected,
                                                 section=section)
    looked, look = sizing.first_look(kind.value, tune.stop_early, candidates, key=f"{section}.stop_early")
    return SearchPlan(model, estimator, kind.value, folds.value, space, candidates, looked, [*decisions, look], notes)


@dataclass
class Searched:
    search: object  # the fitted *SearchCV (refit=False), or an early-stopping search's Looks: cv_results_, best_params_
    tuned: object  # the pipeline with the best parameters, unfitted
    untuned: float  # CV score of the pipeline as the zoo builds it, on the same folds
    best: float  # the tuned candidate's CV score, comparable with `untuned`
    stopped: str = ""  # why the search stopped after its first look ("": it searched every candidate)

    @property
    def tuned_wins(self) -> bool:
        return self.best > self.untuned


@dataclass
class Looks:
    """An early-stopping search's candidates so far, with the attributes of a fitted *SearchCV that are read."""

    cv_results_: dict
    best_params_: dict


def candidate_list(search: str, space: dict, n_iter: int, seed: int) -> list[dict]:
    """The candidates grid or random search tries, as RandomizedSearchCV draws them; a grid in a seeded order, so
    that a first look sees every part of it."""
    if search == "random":
        return list(ParameterSampler(space, n_candidates(space, search, n_iter), random_state=seed))
    grid = list(ParameterGrid(space))
    return [grid[i] for i in np.random.default_rng(seed).permutation(len(grid))]


def merged(first, second) -> Looks:
    """Two looks' results as one search's: candidates in order, ranks over both, GridSearchCV's best (the first of
    the highest mean score)."""
    frame = pd.concat([pd.DataFrame(first.cv_results_), pd.DataFrame(second.cv_results_)], ignore_index=True)
    frame["rank_test_score"] = frame["mean_test_score"].rank(method="min", ascending=False).astype(int)
    results = {c: frame[c].to_numpy() for c in frame.columns} | {"params": list(frame["params"])}
    return Looks(results, results["params"][int(np.argmin(results["rank_test_score"]))])


def paired_gain(tuned: np.ndarray, untuned: np.ndarray) -> tuple[float, float]:
    """(the tuned candidate's mean gain over the untuned model on the same folds, the standard error of that
    gain): a gain below one standard error cannot be told from the folds' noise."""
    diff = np.asarray(tuned) - np.asarray(untuned)
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff)))


def run_search(search: Search, pipeline, X, y) -> Searched:
    """The search and the untuned pipeline on the same folds: tuning is kept only if it beats it. With a
    `first_look` (grid and random), the untuned model is scored first and the first `first_look` candidates
    next; when the best of them beats it by less than the standard error of that gain over the folds, tuning
    cannot be told from noise and the search stops there."""
    def cv_scores(candidate) -> np.ndarray:
        return cross_val_score(candidate, X, y, cv=search.cv, scoring=search.scoring, n_jobs=search.n_jobs)

    def searched(candidates: list[dict]):
        return GridSearchCV(pipeline, [{k: [v] for k, v in c.items()} for c in candidates], cv=search.cv,
                            scoring=search.scoring, n_jobs=search.n_jobs, refit=False,
                            return_train_score=False).fit(X, y)

    first_look = search.first_look
    if first_look and search.kind in ("grid", "random"):
        untuned_folds = cv_scores(pipeline)
        untuned = float(untuned_folds.mean())
        candidates = candidate_list(search.kind, search.space, search.n_iter, search.seed)
        found = searched(candidates[:first_look])
        best_folds = np.array([found.cv_results_[f"split{i}_test_score"][found.best_index_]
                               for i in range(len(untuned_folds))])
        gain, noise = paired_gain(best_folds, untuned_folds)
        stopped = ""
        if gain <= noise and first_look < len(candidates):  # no gain at all is no gain either
            stopped = (f"after {first_look} of {len(candidates)} candidates: the best gained {gain:+.4f}, within the "
                       f"fold noise ({noise:.4f})")
        elif first_look < len(candidates):
            found = merged(found, searched(candidates[first_look:]))
        best = float(np.max(found.cv_results_["mean_test_score"]))
        return Searched(found, clone(pipeline).set_params(**found.best_params_), untuned, best, stopped)
    found = make_search(search, pipeline).fit(X, y)
    tuned = clone(pipeline).set_params(**found.best_params_)
    untuned = float(cv_scores(pipeline).mean())
    return Searched(found, tuned, untuned, best_cv_score(search.kind, found, lambda: float(cv_scores(tuned).mean())))


def tuning_record(model: str, search_kind: str, searched: Searched, prefix: str, features: list[str]) -> dict:
    """best_params.json: the model, the search, the best parameters by params.yaml's names, which was kept."""
    return {"model": model, "search": search_kind,
            "best_params": {short_name(name, prefix): plain(v) for name, v in searched.search.best_params_.items()},
            "kept": "tuned" if searched.tuned_wins else "untuned (tuning did not beat the defaults)",
            "features": features}


def tuning_metrics(searched: Searched, size_rules: dict) -> dict:
    return {"best_cv_score": searched.best, "untuned_cv_score": searched.untuned,
            "improvement": searched.best - searched.untuned, "tuned_model_kept": searched.tuned_wins,
            "n_candidates": len(searched.search.cv_results_["params"]), "stopped_early": bool(searched.stopped),
            "size_rules": size_rules}
