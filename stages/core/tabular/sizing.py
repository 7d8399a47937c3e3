"""The defaults that adapt to the size of the training split, decided here and nowhere else.

A course table has a few hundred rows; a user's own table has tens of thousands to millions. Each rule below
turns the row count into one setting, with the reason a stage prints and records. Every rule applies only
where params.yaml leaves the setting at `auto` (or, for the model zoo, at the model's plain name), so a
number in params.yaml always wins. Below 10,000 rows only the boosters' rule changes a model: the libraries'
defaults are made for large data, and a few hundred rows want smaller steps. The budget rules (racing, tune's first
look, the curve's folds, importance's shuffles) spend fits where they can still change an answer.

| rule | below | from |
| --- | --- | --- |
| compare.folds x repeats | 10 x 1 (the course's 10-fold CV) | the same |
| compare.racing | after 4 folds, a model behind the leader at p < 0.05 stops | the same |
| tune.stop_early (grid, random) | a third of the candidates first; the rest only if one beats the noise | halving |
| features.cv: auto (the curve's folds) | 5 | 10,000 rows (the curve's sample): 3 |
| evaluate.importance_repeats: auto | 10 shuffles per column | 1,000 test rows: 5; 10,000: 3 |
| svm in compare and tune | exact RBF SVC | 10,000 rows: RBF kernel approximated (Nystroem) + linear SVM |
| random_forest, bagging, extra_trees | every tree on (a bootstrap of) all rows | 50,000 rows: each on 50,000 of them |
| voting's members (compare.ensemble_top) | the top models | 10,000 rows: the top models with probabilities |
| stacking (compare.ensemble_top) | voting and stacking | 20,000 rows: voting only (stacking fits each member 6 times) |
| knn in compare.models: auto | listed | 50,000 rows: left out (each prediction scans every training row) |
| select_features' curve | every row, up to 60 sizes | 10,000 rows: a stratified 10,000-row sample, 20 log sizes |
| tune.search: auto | grid | 10,000 rows: successive halving over the same grid |
| tune.cv: auto (tune, the threshold, bias_variance) | 5 folds | 10,000 rows: 3 |
| hist_gradient_boosting | rate 0.05, <= 300 iterations, early stopping | 10,000 rows: scikit-learn's own |
| xgboost | learning rate 0.05, depth 3 | 10,000 rows: its defaults (0.3, depth 6) |
| compare.rows (compare, tune's search) | every row | 100,000 rows: a stratified 100,000-row sample; tune refits |
| evaluate.importance_rows | every test row | 10,000 test rows: a stratified 10,000-row sample |

One rule follows the classes, not the rows: stratified k-fold puts every class in every fold, so wherever folds are
used (features.cv and features.sfs.cv, compare.folds, tune.cv, which bias_variance and the threshold use too) a
class with fewer training rows than folds lowers them to its count (`class_folds`; `data.rare_classes: error`
stops instead). A class with fewer than 2 training rows cannot be cross-validated at all: an error naming it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stages.core.errors import PipelineError, plain
from stages.core.tabular.models import COMBINED, ApproxRBFSVM, make_estimator
from stages.core.tabular.problem import Problem

COMPARE_FOLDS, COMPARE_REPEATS = 10, 1  # compare.folds and .repeats at auto, at every size
SVM_EXACT_MAX = 10_000  # an exact RBF SVC costs the square of the rows, and more
FOREST_ROWS = 50_000  # rows each tree of a forest draws, above that many
KNN_AUTO_MAX = 50_000
CURVE_ROWS = 10_000  # rows select_features' curve is fitted on
CURVE_POINTS_LARGE = 20  # subset sizes it scores above CURVE_ROWS (60 below: selection.CURVE_POINTS)
HALVING_FROM = 10_000  # tune.search: auto switches from grid to halving here
FIRST_LOOK_SHARE, FIRST_LOOK_MIN = 3, 6  # tune's first look: a third of the candidates, from 6 candidates on
TUNE_FOLDS, TUNE_FOLDS_LARGE = 5, 3  # tune.cv: auto, below and from HALVING_FROM training rows
CURVE_FOLDS, CURVE_FOLDS_SAMPLED = 5, 3  # features.cv: auto, on every row and on the curve's sample
IMPORTANCE_REPEATS = ((1_000, 10), (10_000, 5), (None, 3))  # (test rows below, shuffles per column)
CALIBRATED_MEMBERS_MAX = SVM_EXACT_MAX  # voting's members need no probabilities below this many rows
RACE_LOOK = 4  # racing's first look, after this many folds (benchmarks/racing.py measured the choice)
STACKING_INNER = 5  # stacking's inner folds: each member is fitted on these and once more, per outer fold
STACKING_SHARE = 0.25  # compare.stacking: auto stacks while its fits are at most this share of the single models'
HGB_EARLY_STOP = 10_000  # scikit-learn's early_stopping='auto' threshold, stated
BOOSTER_SMALL = HGB_EARLY_STOP  # below this, the boosters learn slowly (library defaults are made for large data)
SMALL_LEARNING_RATE = 0.05
HGB_SMALL_ITER = 300  # hist_gradient_boosting's most iterations below BOOSTER_SMALL; early stopping ends most sooner
EARLY_STOP_CLASS_ROWS = 20  # its held-out 10% must hold every class: the rarest needs this many training rows
SEARCH_ROWS = 100_000  # rows compare_models and tune's search score models on, above that many
IMPORTANCE_ROWS = 10_000  # test rows permutation importance predicts (columns x repeats times), above that many


@dataclass(frozen=True)
class Decision:
    """One setting and why: printed as a line by the stage, recorded in its metrics."""

    rule: str  # what it decides: folds, repeats, knn, svm, random_forest, ...
    key: str  # the params key that overrides it
    value: object
    reason: str

    def line(self) -> str:
        return f"{self.key} = {self.value}: {self.reason}"


def lines(decisions: list[Decision]) -> list[str]:
    """The lines a stage prints: decisions with the same reason share one ("a = 1, b = 2: why")."""
    reasons: dict[str, list[Decision]] = {}
    for d in decisions:
        reasons.setdefault(d.reason, []).append(d)
    return [", ".join(f"{d.key} = {d.value}" for d in same) + f": {reason}" for reason, same in reasons.items()]


def record(decisions: list[Decision]) -> dict:
    """The decisions as a stage's metrics record them: rule -> value, short, so that `dvc exp show` and
    `dvc metrics diff` list them as columns (the reasons are in the stage's log and docs/real-size.md)."""
    return {d.rule: d.value for d in decisions}


def _rows(n: int) -> str:
    return f"{n:,} training rows"


def compare_folds(n: int, folds, repeats, *, section: str) -> tuple[Decision, Decision]:
    """The course's 10-fold CV, once, at every size: 10 paired scores per model are what the boxplot, the corrected
    t-test and racing read. Racing, not repeats, spends the budget where a model can still win; a second and third
    repeat only narrow a close call between the leaders, at twice and three times the fits."""
    why = (f"{_rows(n)}: the course's {COMPARE_FOLDS}-fold CV, once ({COMPARE_FOLDS} paired scores per model); "
           f"{section}.repeats: 3 narrows a close call at 3x the fits")
    return (Decision("folds", f"{section}.folds", COMPARE_FOLDS if folds == "auto" else folds,
                     why if folds == "auto" else "set in params.yaml"),
            Decision("repeats", f"{section}.repeats", COMPARE_REPEATS if repeats == "auto" else repeats,
                     why if repeats == "auto" else "set in params.yaml"))


def auto_models(models: tuple[str, ...], n: int, *, section: str) -> tuple[tuple[str, ...], list[Decision]]:
    """The task's `auto` list at this size: knn leaves it on large tables (each prediction scans every training
    row, so the comparison's predictions alone cost rows squared)."""
    if n < KNN_AUTO_MAX or "knn" not in models:
        return models, []
    why = (f"{_rows(n)} >= {KNN_AUTO_MAX:,}: knn predicts by scanning every training row; name it in "
           f"{section}.models to compare it anyway")
    return tuple(m for m in models if m != "knn"), [Decision("knn", f"{section}.size_rules", "left out", why)]


def model_at_size(name: str, estimator, n: int, task: str, rarest: int | None = None) -> tuple[object, Decision | None]:
    """The zoo's model adapted to n training rows (parameters only, so tune searches the same names); `rarest`:
    the rarest class's training rows (None: regression)."""
    if name == "svm" and task == "classification" and n >= SVM_EXACT_MAX:
        params = {k: v for k, v in estimator.get_params(deep=False).items() if k in ("C", "gamma", "random_state")}
        return ApproxRBFSVM(**params), Decision("svm",
                                                "compare.size_rules", "nystroem",
            f"{_rows(n)} >= {SVM_EXACT_MAX:,}: an exact RBF SVC costs rows squared; svm is Nystroem (200 components) "
                                                "+ a linear SVM, same C and gamma; name rbf_svm for the exact one")
    if name == "random_forest" and n > FOREST_ROWS:
        return estimator.set_params(max_samples=FOREST_ROWS), Decision("random_forest",
                                                                       "compare.size_rules", FOREST_ROWS,
            f"{_rows(n)} > {FOREST_ROWS:,}: each tree draws {FOREST_ROWS:,} rows instead of all (searchable as "
                                                                       "max_samples)")
    if name == "extra_trees" and n > FOREST_ROWS:  # its trees take every row unless they bootstrap
        why = (f"{_rows(n)} > {FOREST_ROWS:,}: each extremely randomised tree draws {FOREST_ROWS:,} rows instead of "
               "taking all (bootstrap, max_samples)")
        return (estimator.set_params(bootstrap=True, max_samples=FOREST_ROWS),
                Decision("extra_trees", "compare.size_rules", FOREST_ROWS, why))
    if name == "bagging" and n > FOREST_ROWS:
        return estimator.set_params(max_samples=FOREST_ROWS), Decision("bagging",
                                                                       "compare.size_rules", FOREST_ROWS,
            f"{_rows(n)} > {FOREST_ROWS:,}: each bagged tree draws {FOREST_ROWS:,} rows instead of all (searchable "
                                                                       "as max_samples)")
    if name == "hist_gradient_boosting" and n > HGB_EARLY_STOP:
        return estimator, Decision("hist_gradient_boosting",
                                   "tune.spaces.hist_gradient_boosting.early_stopping", "on",
            f"{_rows(n)} > {HGB_EARLY_STOP:,}: its fits on more than {HGB_EARLY_STOP:,} rows hold out 10% and stop "
                                   "when that stops improving (scikit-learn's early_stopping='auto')")
    if name in ("hist_gradient_boosting", "xgboost") and n < BOOSTER_SMALL:
        return small_booster(name, estimator, n, rarest)
    return estimator, None


def small_booster(name: str, estimator, n: int, rarest: int | None) -> tuple[object, Decision]:
    """A booster on a few hundred or thousand rows: smaller steps (and, for xgboost, shallower trees), so that it
    does not fit the noise in a few dozen trees; hist_gradient_boosting also stops early on 10% of each fit's own
    training rows, where that 10% can hold every class. Both share one reason, so a stage prints them as one line."""
    why = f"{_rows(n)} < {BOOSTER_SMALL:,}: defaults suit large data"
    if name == "xgboost":
        return estimator.set_params(learning_rate=SMALL_LEARNING_RATE, max_depth=3), Decision(
            "xgboost", "compare.size_rules", f"xgboost learning_rate {SMALL_LEARNING_RATE}, max_depth 3", why)
    stops = rarest is None or rarest >= EARLY_STOP_CLASS_ROWS
    held = "early stopping" if stops else f"no early stopping (rarest class: {rarest} rows < {EARLY_STOP_CLASS_ROWS})"
    estimator = estimator.set_params(learning_rate=SMALL_LEARNING_RATE, max_iter=HGB_SMALL_ITER, early_stopping=stops)
    value = f"hist_gradient_boosting learning_rate {SMALL_LEARNING_RATE}, max_iter {HGB_SMALL_ITER}, {held}"
    return estimator, Decision("hist_gradient_boosting", "compare.size_rules", value, why)


def stacking_at_cost(stacking, members: int, models: int, *, key: str) -> Decision:
    """Stacking of compare's top `members` joins the comparison (`compare.stacking: auto`) only while its fits are
    at most STACKING_SHARE of the single models': each fold refits every member on STACKING_INNER inner folds and
    once more. Counted in fits, not seconds, so the same params give the same comparison on any machine. Soft voting
    of the same members costs no fit: it is scored from their fold predictions."""
    if stacking != "auto":
        return Decision("stacking", key, "on" if stacking else "left out", "set in params.yaml")
    fits = members * (STACKING_INNER + 1)
    if fits <= STACKING_SHARE * models:
        return Decision("stacking", key, "on",
                        f"stacking refits its {members} members {STACKING_INNER + 1} times per fold, {fits} fits "
                        f"against the {models} single models' {models} ({fits / models:.0%} <= {STACKING_SHARE:.0%})")
    return Decision("stacking", key, "left out",
                    f"stacking refits its {members} members {STACKING_INNER + 1} times per fold, {fits} fits against "
                    f"the {models} single models' {models} ({fits / models:.0%} > {STACKING_SHARE:.0%}); soft voting "
                    f"of the same members stays (no refit: their fold predictions); {key}: true to stack anyway")


def ensemble_rules(stacking, racing: float, ensemble_top: int, models: int, folds: int, repeats: int, *,
                   section: str) -> tuple[int, Decision, Decision | None]:
    """(how many top models voting combines, 0 for none; racing's rule; stacking's rule, None without members),
    from `<section>.stacking`, `.racing` and `.ensemble_top`."""
    members = min(ensemble_top, models)
    members = members if members >= 2 else 0
    stacked = stacking_at_cost(stacking, members, models, key=f"{section}.stacking") if members else None
    return members, racing_rule(racing, folds, repeats, key=f"{section}.racing"), stacked


def calibrated_members(n: int) -> bool:
    """Soft voting averages probabilities: a member without them (svm) is Platt-scaled in each fold, as
    VotingClassifier does, which refits it on 5 inner folds. Below CALIBRATED_MEMBERS_MAX training rows that costs
    little; above, voting takes the top models that give probabilities (at 100,000 rows the scaled svm took more
    than half of the comparison)."""
    return n < CALIBRATED_MEMBERS_MAX


def race_look(folds: int) -> int:
    """The fold after which racing first looks: RACE_LOOK, or the end of the first repeat where the folds are fewer."""
    return RACE_LOOK if folds > RACE_LOOK else folds


def racing_rule(racing: float, folds: int, repeats: int, *, key: str) -> Decision:
    """compare.racing: after the first RACE_LOOK folds, and after each repeat, a model behind the leader at
    p < racing (the corrected t-test on the folds so far) stops; the others get every fold. Nothing to race with
    racing 0, or with one repeat of RACE_LOOK folds or fewer."""
    look = race_look(folds)
    if not racing or (look == folds and repeats == 1):
        why = "set in params.yaml: every model gets every fold" if not racing else \
            f"{folds} folds x 1 repeat: too few scores to stop a model early"
        return Decision("racing", key, racing or 0, why)
    after = f"after the first {look} of the {folds} folds" + (", and after each repeat," if repeats > 1 else ",")
    return Decision("racing", key, racing,
                    f"{after} a model behind the leader at p < {racing} (corrected t-test) stops there; 0: every model "
                    "gets every fold")


def sized_estimator(name: str, problem: Problem, key: str,
                    members: list[str] | dict[str, int] | None = None) -> tuple[object, list]:
    """The zoo's model by name, adapted to the problem's training rows unless compare.size_rules is off; with the
    decision that changed it, if any. voting and stacking combine `members` (compare's top models),
    ensemble_selection its {member: weight}, each member sized alike."""
    task, seed = problem.task.name, problem.seed
    if name in COMBINED:
        names = list(members or [])
        sized = [sized_estimator(member, problem, key) for member in names]
        weights = [members[m] for m in names] if isinstance(members, dict) else None
        combined = make_estimator(name, seed, key, task, [(m, e) for m, (e, _) in zip(names, sized)], weights)
        return combined, [d for _, decisions in sized for d in decisions]
    estimator = make_estimator(name, seed, key, task)
    if not problem.size_rules:
        return estimator, []
    estimator, decision = model_at_size(name, estimator, problem.rows, task, problem.rarest)
    return estimator, [decision] if decision else []


def curve_rows(n: int, rows, *, key: str) -> Decision:
    """select_features' curve refits the selection and a model per subset size and fold: above CURVE_ROWS it is
    read off a stratified sample (`features.curve_rows`: auto, a count, or null for every row), whose scores rank
    subset sizes as the whole table would; compare and tune still use every row."""
    if rows is None or (rows == "auto" and n <= CURVE_ROWS):
        why = "set in params.yaml" if rows is None else f"{_rows(n)} <= {CURVE_ROWS:,}"
        return Decision("curve", key, "all", why)
    wanted = CURVE_ROWS if rows == "auto" else rows
    if wanted >= n:
        return Decision("curve", key, "all", f"{_rows(n)} <= {wanted:,}")
    why = (f"{_rows(n)} > {CURVE_ROWS:,}: a stratified seeded sample ranks subset sizes alike at a fraction of the "
           f"fits; {CURVE_POINTS_LARGE} log-spaced sizes") if rows == "auto" else "set in params.yaml"
    return Decision("curve", key, wanted, why)


def sample_rows(y: np.ndarray, n: int, seed: int, classifies: bool) -> np.ndarray:
    """Sorted indices of a seeded sample of n rows, stratified by class when classifying."""
    if len(y) <= n:
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    kept, _ = train_test_split(index, train_size=n, random_state=seed, stratify=y if classifies else None)
    return np.sort(kept)


def curve_sizes(n_features: int, points: int, log_spaced: bool) -> np.ndarray:
    """Subset sizes the curve scores: every one up to `points`, then evenly spaced (small tables) or
    CURVE_POINTS_LARGE log-spaced ones (sampled tables: the curve bends at small k, where log spacing looks)."""
    if not log_spaced:
        grid = np.linspace(1, n_features, min(n_features, points))
    else:
        grid = np.geomspace(1, n_features, min(n_features, CURVE_POINTS_LARGE))
    return np.unique(grid.round().astype(int))


def first_look(search: str, stop_early: bool, candidates: int, *, key: str) -> tuple[int, Decision]:
    """(how many candidates tune's first look scores, 0 for all of them; the rule). Grid and random search score the
    untuned model and the first third of their candidates (in a seeded order) first, and the rest only if one of
    those beats the untuned model by more than its fold scores' standard error: tuning that cannot be told from the
    noise does not pay for the other two thirds. Halving already spends few fits per candidate."""
    if search not in ("grid", "random"):
        return 0, Decision("first_look", key, "all", f"{search} search: every candidate at its own budget")
    if not stop_early:
        return 0, Decision("first_look", key, "all", "set in params.yaml: every candidate")
    if candidates < FIRST_LOOK_MIN:
        return 0, Decision("first_look", key, "all", f"{candidates} candidates < {FIRST_LOOK_MIN}: all of them")
    look = math.ceil(candidates / FIRST_LOOK_SHARE)
    return look, Decision("first_look", key, f"{look} of {candidates} first",
                          "the rest only if one beats the untuned model by more than the fold noise")


def curve_folds_auto(cv, n: int, sampled: bool, *, key: str) -> Decision:
    """features.cv: auto: 5 folds where the curve reads every training row; 3 where it reads a sample of a larger
    table (curve_rows): 3,333 validation rows per fold read a curve's shape as well as 5 folds, at 40% fewer fits."""
    if cv != "auto":
        return Decision("cv", key, cv, "set in params.yaml")
    if not sampled:
        return Decision("cv", key, CURVE_FOLDS, f"{_rows(n)}, every one in the curve")
    return Decision("cv", key, CURVE_FOLDS_SAMPLED,
                    f"{_rows(n)}, the curve on a sample: {CURVE_FOLDS_SAMPLED} folds of a third of it each")


def importance_shuffles(n: int, repeats, *, key: str) -> Decision:
    """evaluate.importance_repeats: auto: the shuffles per column of permutation importance, by the test rows it
    reads (each shuffle predicts all of them): a few hundred rows need 10 for a readable spread, thousands
    move the mean by less than the bars show."""
    if repeats != "auto":
        return Decision("importance_repeats", key, repeats, "set in params.yaml")
    value = next(r for below, r in IMPORTANCE_REPEATS if below is None or n < below)
    return Decision("importance_repeats", key, value,
                    f"{n:,} test rows: {value} shuffles per column (10 below 1,000 rows, 5 below 10,000, then 3)")


def tune_folds(n: int, cv, *, key: str) -> Decision:
    """tune.cv: auto: 5 folds below HALVING_FROM training rows; 3 from there, where each validation fold holds 3,333
    rows or more and scores a candidate as well as 5 would, at 40% fewer fits (tune, the threshold and bias_variance
    all use it)."""
    if cv != "auto":
        return Decision("cv", key, cv, "set in params.yaml")
    if n < HALVING_FROM:
        return Decision("cv", key, TUNE_FOLDS, f"{_rows(n)} < {HALVING_FROM:,}")
    return Decision("cv", key, TUNE_FOLDS_LARGE, f"{_rows(n)} >= {HALVING_FROM:,}: {TUNE_FOLDS_LARGE} folds of a third "
                    "each score a candidate as well as 5, at 40% fewer fits")


def tune_cv(cv, y: np.ndarray, classes: list, rare: str, *, key: str) -> Decision:
    """The folds tune, the threshold and bias_variance use: tune_folds at these rows, lowered to the rarest class's
    training rows where it has fewer (class_folds)."""
    asked = tune_folds(len(y), cv, key=key)
    return class_folds(asked.value, key, y, classes, rare, why=asked.reason)


def tune_search(n: int, search: str, *, key: str) -> Decision:
    if search != "auto":
        return Decision("search", key, search, "set in params.yaml")
    if n < HALVING_FROM:
        return Decision("search", key, "grid", f"{_rows(n)} < {HALVING_FROM:,}: every candidate on every row")
    return Decision("search", key, "halving",
                    f"{_rows(n)} >= {HALVING_FROM:,}: successive halving scores every candidate on a share of the "
                    "rows and only the best on all of them")


def _sampled(rule: str, key: str, n: int, rows, limit: int, unit: str, reason: str) -> Decision:
    """A rows rule: every one of n rows up to `limit` (or the count set at `key`), else a sample of `limit`."""
    if rows is None or (rows == "auto" and n <= limit) or (rows != "auto" and rows >= n):
        why = "set in params.yaml" if rows is None else f"{n:,} {unit} <= {limit if rows == 'auto' else rows:,}"
        return Decision(rule, key, "all", why)
    if rows != "auto":
        return Decision(rule, key, rows, "set in params.yaml")
    return Decision(rule, key, limit, f"{n:,} {unit} > {limit:,}: {reason}")


def search_rows(n: int, rows, *, key: str) -> Decision:
    """compare_models and tune's search choose a model and its settings. Above SEARCH_ROWS training rows they
    score on a stratified seeded sample (`compare.rows`: auto, a count, or null for every row): at 100,000 rows
    a fold's validation score has a standard error near 0.3 points, rankings have settled, and every further row
    only adds time. tune refits the chosen model on every row."""
    return _sampled("rows", key, n, rows, SEARCH_ROWS, "training rows",
                    f"models and candidates are scored on a stratified seeded sample of {SEARCH_ROWS:,} (rankings "
                    "have settled at that size); tune refits the chosen one on every row")


def search_sample(X, y: np.ndarray, rows, problem: Problem, *, key: str):
    """(X, y, decision): the rows compare_models and tune's search score on, by `search_rows` (`key`: compare.rows),
    a sample seeded by the problem's seed (stratified when it classifies)."""
    decision = search_rows(len(y), rows, key=key)
    if decision.value == "all":
        return X, y, decision
    kept = sample_rows(y, decision.value, problem.seed, problem.task.classifies)
    return X.iloc[kept].reset_index(drop=True), y[kept], decision


def importance_rows(n: int, rows, *, key: str) -> Decision:
    """Permutation importance predicts the test rows once per column and repeat: above IMPORTANCE_ROWS it reads a
    stratified seeded sample (`evaluate.importance_rows`), whose ranking of columns is the same to the spread
    shown; the test metrics still use every row."""
    return _sampled("importance_rows", key, n, rows, IMPORTANCE_ROWS, "test rows",
                    "permutation importance predicts them once per column and repeat; a stratified seeded sample "
                    f"of {IMPORTANCE_ROWS:,} ranks the columns alike")


MIN_FOLDS = 2


def curve_folds(cv: int, sfs_cv: int, sfs: bool, y: np.ndarray, classes: list, rare: str, *,
                section: str) -> tuple[int, int, list[Decision]]:
    """select_features' folds: the curve's (`<section>.cv`) and, for SFS, those it splits each curve fold's training
    part into (`<section>.sfs.cv`), each by class_folds; with the decisions that lowered one."""
    curve = class_folds(cv, f"{section}.cv", y, classes, rare)
    inner = class_folds(sfs_cv, f"{section}.sfs.cv", y, classes, rare, share=(curve.value - 1) / curve.value) \
        if sfs else Decision("sfs.cv", f"{section}.sfs.cv", sfs_cv, "set in params.yaml")
    lowered = [d for d, asked in ((curve, cv), (inner, sfs_cv)) if d.value != asked]
    return curve.value, inner.value, lowered


def class_folds(folds: int, key: str, y: np.ndarray, classes: list, rare: str, share: float = 1.0,
                why: str = "set in params.yaml") -> Decision:
    """The stratified folds at `key`: as asked (`why`), or lowered to the rarest class's training rows (`share` of
    them, where the folds split a fold's training part again) so that every fold holds one of its rows.
    Regression (no classes) needs `folds` rows in all."""
    rule = key.split(".", 1)[1]  # size_rules' names: folds, cv, sfs.cv
    if not classes:
        if int(len(y) * share) < folds:
            raise PipelineError(f"{key} = {folds} but only {int(len(y) * share)} training rows are there; lower {key}")
        return Decision(rule, key, folds, why)
    codes, counts = np.unique(y, return_counts=True)
    rows = int(counts.min() * share)
    if rows >= folds:
        return Decision(rule, key, folds, why)
    rarest = plain(classes[codes[counts.argmin()]])
    if rows < MIN_FOLDS or rare == "error":
        fix = (f"lower {key} to at most {rows}, " if rows >= MIN_FOLDS else "") + (
            f"add rows of that class, drop them, or merge it into a neighbour with data.merge_classes: "
            f"{{{rarest}: <another class>}}")
        raise PipelineError(f"{key} = {folds} but class {rarest!r} has only {rows} training row(s) there; {fix}")
    return Decision(rule, key, rows, f"class {rarest!r} has only {rows} training rows, and stratified folds need "
                    f"one in each (instead of {folds}; data.rare_classes: error to stop instead)")
