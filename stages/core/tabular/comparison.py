"""Comparing algorithms on the same repeated k-fold splits (stratified when classifying): fold scores, a
ranked summary, and whether the winner really beats the runner-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from stages.core.ensembles import ensemble_words
from stages.core.errors import PipelineError
from stages.core.tabular import ensemble_selection
from stages.core.tabular.folds import Bench, Fold, fit_folds, folds_of, score_rows, shared_steps, vote_scores
from stages.core.tabular.models import (
    COMBINED,
    ENSEMBLES,
    build_pipeline,
    probabilities_if_needed,
    voting_member,
    with_target_transform,
)
from stages.core.tabular.problem import Problem
from stages.core.tabular.scoring import scorer_for
from stages.core.tabular.sizing import (
    CALIBRATED_MEMBERS_MAX,
    Decision,
    auto_models,
    calibrated_members,
    class_folds,
    compare_folds,
    record,
    sized_estimator,
)
from stages.core.tabular.tasks import CLASSIFICATION_METRICS, LOWER_IS_BETTER, REGRESSION_METRICS, auto


@dataclass(frozen=True)
class ComparisonPlan:
    models: list[str]
    metrics: list[str]  # the task's headline metric, sort_by and those asked for: boxplot data and ranking
    sort_by: str
    folds: int
    repeats: int
    decisions: list[Decision]  # the size rules that set folds, repeats and the model list


def plan_comparison(problem: Problem, compare, *, section: str) -> ComparisonPlan:
    """The comparison's params (`compare`: the validated `<section>` of params.yaml: models, metrics, sort_by, folds,
    repeats), `auto` resolved to the task's defaults and the problem's size rules, checked."""
    task, models, n = problem.task, compare.models, problem.rows
    if isinstance(models, list) and set(models) & set(COMBINED):
        raise PipelineError(f"{section}.models lists {sorted(set(models) & set(COMBINED))}: voting and stacking "
                            f"combine the comparison's top models; set {section}.ensemble_top (0: none) instead")
    decisions = list(compare_folds(n, compare.folds, compare.repeats, section=section))
    folds, repeats = (d.value for d in decisions)
    if models == "auto" and problem.size_rules:
        models, dropped = auto_models(task.models, n, section=section)
        decisions += dropped
    else:
        models = auto(models, task.models)
    asked, sort_by = list(auto(compare.metrics, task.metrics)), auto(compare.sort_by, task.metrics[0])
    task.check_metrics(asked, f"{section}.metrics")
    task.check_metrics([sort_by], f"{section}.sort_by")
    return ComparisonPlan(list(dict.fromkeys(models)), list(dict.fromkeys([task.metrics[0], sort_by, *asked])),
                          sort_by, folds, repeats, decisions)


def lowered_to_classes(plan: ComparisonPlan, y, classes: list, rare: str, *, section: str) -> ComparisonPlan:
    """The plan with `<section>.folds` lowered to the rarest class's training rows, if it has fewer (class_folds)."""
    folds = class_folds(plan.folds, f"{section}.folds", y, classes, rare, why=plan.decisions[0].reason)
    return replace(plan, folds=folds.value, decisions=[folds, *plan.decisions[1:]])


def comparison_pipelines(plan: ComparisonPlan, preprocessor, selector, problem: Problem, *,
                         section: str) -> tuple[dict, list[Decision]]:
    """One Pipeline (preprocessing -> selection -> model) per compared model, sized for the problem's rows (and its
    rarest class's), and the size rules that changed a model. score_models fits their shared preprocessing and
    selection once per fold."""
    pipelines, decisions = {}, []
    for name in plan.models:
        estimator, sized = sized_estimator(name, problem, f"{section}.models")
        decisions += sized
        estimator = with_target_transform(probabilities_if_needed(name, estimator, plan.metrics, problem.n_classes),
                                          problem.target_transform)
        pipelines[name] = build_pipeline(preprocessor, selector, estimator)
        check_can_score(name, pipelines[name], plan.metrics, problem.n_classes, section=section)
    return pipelines, decisions


def top_members(order: list[str], top: int) -> list[str]:
    """The comparison's `top` best models, which voting and stacking combine; none below two."""
    members = [m for m in order if m not in COMBINED][:top]
    return members if len(members) >= 2 else []


def stacking_of(members: list[str], problem: Problem, *, section: str) -> dict:
    """{"stacking": the stacking of `members`, sized and target-transformed like the single models}: scored on the
    same folds, after the same fitted preprocessing and selection, it enters the same table, boxplot and t-test."""
    estimator, _ = sized_estimator("stacking", problem, f"{section}.ensemble_top", members)
    return {"stacking": with_target_transform(estimator, problem.target_transform)}


def scorers(metrics: list[str], n_classes: int, positive: int | None = None) -> dict:
    """Metric names -> scikit-learn scorers. Multiclass data takes the macro / one-vs-rest forms; binary f1,
    precision and recall are about the positive class, as in evaluate. `n_classes` 0: regression."""
    if n_classes == 0:
        return {m: scorer_for(REGRESSION_METRICS[m]) for m in metrics}
    return {m: scorer_for(CLASSIFICATION_METRICS[m][0 if n_classes == 2 else 1], positive) for m in metrics}


def check_can_score(name: str, estimator, metrics: list[str], n_classes: int, *, section: str) -> None:
    """ROC AUC ranks rows by a score: binary needs predict_proba or decision_function, multiclass
    (one-vs-rest) needs probabilities (`<section>.metrics` against `<section>.models`)."""
    if "roc_auc" not in metrics:
        return
    needed = ["predict_proba"] if n_classes > 2 else ["predict_proba", "decision_function"]
    if not any(hasattr(estimator, method) for method in needed):
        raise PipelineError(
            f"{section}.metrics includes roc_auc, but model {name!r} has no {' or '.join(needed)} "
            f"({n_classes} classes); drop roc_auc from {section}.metrics or that model from {section}.models"
        )


DOMINANT_SHARE = 0.5  # a model expected to take more than this share of the comparison gets a line first


def fold_scores(pipelines: dict, X: pd.DataFrame, y, metrics: dict, cv, n_jobs: int) -> pd.DataFrame:
    """One row per model and fold (every metric, error metrics positive, and the fit time), every model on the
    same splits of `cv` (a repeated k-fold splitter), each fold's preprocessing and selection fitted once."""
    steps, models = shared_steps(pipelines)
    return score_rows(fit_folds(Bench(steps, models, X, y, folds_of(cv, X, y), metrics, n_jobs), keep=False))


@dataclass(frozen=True)
class Passes:
    """How the comparison runs its passes over the folds, decided before the first fit (sizing.ensemble_rules)."""

    metrics: list[str]  # the plan's: what every fold is scored on
    sort_by: str
    racing: float  # p: a model behind the leader at p < this stops (0: every model gets every fold)
    look: int  # racing's first look, after this many folds (then after each repeat)
    top: int  # voting (and stacking) of this many top models; below 2: neither
    stacking: bool = False
    rounds: int = 0  # ensemble selection's greedy rounds; 0: none
    n_jobs: int = 1  # folds in parallel
    section: str = "compare"  # the params section its lines name


class Progress:
    """Where the comparison reports, kept out of its arithmetic: the lines worth printing (`say`) and the bar that
    counts model fits (`bar`: a tqdm bar, or None)."""

    def __init__(self, say: Callable[[str], None] = lambda _: None, bar=None):
        self.say, self.bar, self.first_fold = say, bar, {}

    def fits(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def expect(self, n: int) -> None:
        """n more fits to come (fewer where negative), shown by the bar's next line (a line of its own would repeat
        the count)."""
        if self.bar is not None:
            self.bar.total += n

    def fold_done(self, fitted: dict, n_folds: int, key: str) -> None:
        """A fold finished: its fits counted; the first fold's times name a model that will dominate, now."""
        self.fits(len(fitted))
        if not self.first_fold and len(fitted) > 1:
            self.first_fold.update({name: f.fit_time + f.score_time for name, f in fitted.items()})
            for line in dominant(self.first_fold, n_folds, key):
                self.say(line)


@dataclass
class Compared:
    scores: pd.DataFrame  # one row per model and fold, as fold_scores
    stopped: dict[str, str]  # model -> why it stopped before the last fold (racing)
    members: list[str]  # the top models that voting (and stacking) combine
    weights: dict[str, int]  # ensemble selection's members and weights, chosen on every fold (empty: none)


@dataclass
class Scored:
    """What the passes have found so far."""

    fitted: dict  # (model, repeat, fold) -> Fitted
    stopped: dict[str, str]  # racing's
    kept: dict  # (model, repeat, fold) -> its fold predictions, which the ensembles combine
    order: list[str]  # the models ranked after racing
    members: list[str] = field(default_factory=list)
    weights: dict[str, int] = field(default_factory=dict)


def score_models(pipelines: dict, X, y, folds: list[Fold], passes: Passes, problem: Problem,
                 progress: Progress | None = None) -> Compared:
    """The comparison's passes over the same folds, each fold's preprocessing and selection fitted once for all:
    1. every model, raced (race_models); 2. soft voting and stacking of the top models (vote_top); 3. ensemble
    selection over every contender (select_ensemble). Returns the fold scores, ordered as the models were given."""
    progress = progress or Progress()
    steps, models = shared_steps(pipelines)
    key = f"{passes.section}.models"
    bench = Bench(steps, models, X, y, folds, scorers(passes.metrics, problem.n_classes, problem.positive),
                  passes.n_jobs, lambda fold, fitted: progress.fold_done(fitted, len(folds), key))
    keep = (passes.top >= 2 or passes.rounds > 0) and len(models) >= 2
    scored = race_models(bench, passes, keep, progress)
    if keep:
        vote_top(scored, bench, passes, problem, progress)
    if keep and passes.rounds > 0:
        select_ensemble(scored, bench, passes, problem, progress)
    scores = ordered_scores(scored.fitted, [*models, *COMBINED])
    seconds = scores.groupby("model", sort=False)["fit_time"].sum()  # the scores are in the stage's table
    progress.say("seconds of fitting: " + ", ".join(f"{name} {s:.1f}" for name, s in seconds.items()
                                                     if s or name not in COMBINED))  # voting's fits cost nothing
    return Compared(scores, scored.stopped, scored.members, scored.weights)


def race_models(bench: Bench, passes: Passes, keep: bool, progress: Progress) -> Scored:
    """Every model on the folds, batch by batch (race_batches); after each batch but the last, the models behind
    the leader at p < passes.racing (corrected t-test on the folds so far) stop there; the others go on."""
    per_repeat = max(f.fold for f in bench.folds)
    batches = race_batches(bench.folds, passes.look) if passes.racing > 0 else [bench.folds]
    fitted, stopped = {}, {}
    for i, batch in enumerate(batches):
        running = {name: model for name, model in bench.models.items() if name not in stopped}
        fitted |= fit_folds(bench, keep, running, batch)
        if i == len(batches) - 1 or len(running) < 2:
            continue
        now = race(score_rows({key: f for key, f in fitted.items() if key[0] in running}), passes.sort_by,
                   per_repeat, passes.racing)
        if now:
            done, left = (sum(len(b) for b in part) for part in (batches[:i + 1], batches[i + 1:]))
            progress.say(f"racing: {len(now)} of {len(running)} models stop after {done} folds, clearly behind "
                         f"({passes.section}.racing = {passes.racing}): {', '.join(now)}")
            progress.expect(-len(now) * left)
        stopped |= now
    order = summarize(score_rows(fitted), passes.metrics, passes.sort_by, stopped)["model"].tolist()
    return Scored(fitted, stopped, {key: f.predictions for key, f in fitted.items() if f.predictions is not None},
                  order)


def vote_top(scored: Scored, bench: Bench, passes: Passes, problem: Problem, progress: Progress) -> None:
    """Soft voting of the top `passes.top` models racing kept, from their kept fold predictions (no refit; members
    without probabilities are Platt-scaled per fold, as VotingClassifier does, below
    sizing.CALIBRATED_MEMBERS_MAX rows, and left out above), and stacking of the same members on the same folds."""
    order, stopped, kept, rows = scored.order, scored.stopped, scored.kept, len(bench.y)
    unscaled = [] if calibrated_members(rows) else [m for m in order if (m, 1, 1) not in kept]
    members = top_members([m for m in order if m not in stopped and m not in unscaled], passes.top)
    if members and set(unscaled) - set(stopped):
        out = ", ".join(m for m in unscaled if m not in stopped)
        progress.say(f"voting's members: models with probabilities ({out} left out: {rows:,} rows >= "
                     f"{CALIBRATED_MEMBERS_MAX:,}, where Platt-scaling refits a model 5 more times per fold)")
    if not members:
        return
    calibrated = {name: voting_member(bench.models[name]) for name in members if (name, 1, 1) not in kept}
    extra = {**(stacking_of(members, problem, section=passes.section) if passes.stacking else {}),
             **{f"{name} calibrated": m for name, m in calibrated.items()}}
    shared = [f for f in bench.folds if all((m, f.repeat, f.fold) in scored.fitted for m in members)]
    progress.say(f"{' and '.join(['voting', *[e for e in extra if e in COMBINED]])} of the top {len(members)}: "
                 f"{', '.join(members)}" + (f"; voting from their fold predictions, {', '.join(calibrated)} "
                                            "Platt-scaled in each fold" if calibrated else
                                            "; voting from their fold predictions, no refit"))
    if extra:
        progress.expect(len(extra) * len(shared))
        fitted_extra = fit_folds(bench, True, extra, shared)
        kept |= {(key[0].removesuffix(" calibrated"), *key[1:]): f.predictions for key, f in fitted_extra.items()
                 if key[0].endswith(" calibrated")}
        scored.fitted |= {key: f for key, f in fitted_extra.items() if key[0] in COMBINED}
    scored.fitted |= vote_scores(members, kept, shared, bench, problem)
    scored.members = members


def select_ensemble(scored: Scored, bench: Bench, passes: Passes, problem: Problem, progress: Progress) -> None:
    """Ensemble selection (`passes.rounds` greedy rounds) over every contender's kept fold predictions
    (ensemble_selection.py), each fold scored with weights chosen on the other folds of its repeat."""
    order, stopped, kept, folds = scored.order, scored.stopped, scored.kept, bench.folds
    candidates = [m for m in order if m not in stopped and all((m, f.repeat, f.fold) in kept for f in folds)]
    left = [m for m in order if m not in stopped and m not in candidates and m not in COMBINED]
    if len(candidates) < 2:
        return
    score = ensemble_selection.objective(passes.sort_by, problem.n_classes, problem.inverse)
    scored.fitted |= ensemble_selection.selection_scores(candidates, kept, bench, score, passes.rounds, problem)[0]
    scored.weights = ensemble_selection.weights_on(candidates, kept, folds, bench.y, score, passes.rounds)
    progress.say(f"ensemble selection ({len(candidates)} models, {passes.rounds} rounds on "
                 f"{'log loss' if problem.n_classes else passes.sort_by}): {ensemble_words(scored.weights)}"
                 + (f" ({', '.join(left)}: no probabilities, not candidates)" if left else ""))


def ordered_scores(fitted: dict, names: list[str]) -> pd.DataFrame:
    """The fold scores, the models in `names`' order, each by repeat and fold."""
    order = {name: j for j, name in enumerate(names)}
    return score_rows(fitted).sort_values(["model", "repeat", "fold"],
                                          key=lambda c: c.map(order) if c.name == "model" else c,
                                          kind="stable").reset_index(drop=True)


def race_batches(folds: list[Fold], look: int) -> list[list[Fold]]:
    """The folds in the batches racing looks after: the first `look` folds, the rest of the first repeat, then each
    further repeat."""
    batches: dict[tuple[int, bool], list[Fold]] = {}
    for f in folds:
        batches.setdefault((f.repeat, f.repeat == 1 and f.fold > look), []).append(f)
    return list(batches.values())


def race(scores: pd.DataFrame, sort_by: str, folds: int, p: float) -> dict[str, str]:
    """Racing: on the folds every model in `scores` has been scored on so far, the models behind the leader at
    p < `p` (the corrected repeated k-fold t-test for `folds`-fold splits, a conservative rule) stop, each with its
    reason."""
    by_model = {name: group.sort_values(["repeat", "fold"])[sort_by].to_numpy()
                for name, group in scores.groupby("model", sort=False)}
    scored = min(len(s) for s in by_model.values())
    means = {name: s.mean() for name, s in by_model.items()}
    lower = sort_by in LOWER_IS_BETTER
    leader = (min if lower else max)(means, key=means.get)
    stopped = {}
    for name, s in by_model.items():
        behind = means[name] > means[leader] if lower else means[name] < means[leader]
        if name != leader and behind and (p_value := corrected_ttest(by_model[leader], s, folds)) < p:
            stopped[name] = f"stopped after {scored} folds: behind {leader}, p = {p_value:.4f}"
    return stopped


def dominant(first_fold: dict[str, float], n_fits: int, key: str) -> list[str]:
    """Lines naming the model(s) whose first fold says they will take most of the comparison's time."""
    total = sum(first_fold.values())
    return [f"{name} will take about {seconds * n_fits:.0f} s of fitting, {seconds / total:.0%} of the comparison "
            f"(from its first fold); leave it out of {key} to skip it"
            for name, seconds in first_fold.items() if total > 0 and seconds / total > DOMINANT_SHARE]


def summarize(scores: pd.DataFrame, metrics: list[str], sort_by: str, stopped: dict | None = None) -> pd.DataFrame:
    """Mean, std and median per model and metric, and how many fold scores; best `sort_by` mean first (the lowest,
    for an error metric), the models racing `stopped` after them with the reason. No fit times: they differ run to
    run, and a tracked output must not (the progress lines print them)."""
    stopped = stopped or {}
    grouped = scores.groupby("model", sort=False)
    table = pd.concat(
        [grouped[m].agg(["mean", "std", "median"]).add_prefix(f"{m}_") for m in metrics], axis=1,
    )
    table.insert(0, "scores", grouped.size())
    table.insert(1, "stopped", [stopped.get(m, "") for m in table.index])
    table = table.assign(_out=table["stopped"] != "").sort_values(
        ["_out", f"{sort_by}_mean", f"{sort_by}_std"], ascending=[True, sort_by in LOWER_IS_BETTER, True],
        kind="stable").drop(columns="_out")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index()


def corrected_ttest(a: np.ndarray, b: np.ndarray, folds: int) -> float:
    """Two-sided p-value of Nadeau & Bengio's corrected repeated k-fold t-test on paired fold scores
    (same splits for both models).

    Fold scores share training rows, so the plain paired t-test is far too confident; the correction
    adds n_test / n_train = 1 / (folds - 1) to the 1 / n factor of the variance (Bouckaert & Frank, 2004).
    """
    diff = np.asarray(a) - np.asarray(b)
    var = diff.var(ddof=1)
    if var == 0:
        return 1.0 if diff.mean() == 0 else 0.0
    t = diff.mean() / np.sqrt((1 / len(diff) + 1 / (folds - 1)) * var)
    return float(2 * stats.t.sf(abs(t), df=len(diff) - 1))


def comparison_result(scores: pd.DataFrame, table: pd.DataFrame, sort_by: str, folds: int) -> dict:
    """compare's metrics: the winner's mean and spread, every model's mean, and the corrected t-test of the winner
    against the runner-up on the same folds."""
    by_model = table.set_index("model")
    order, mean = table["model"].tolist(), by_model[f"{sort_by}_mean"]
    winner = order[0]
    result = {"winner": {sort_by: float(mean[winner]), f"{sort_by}_std": float(by_model.loc[winner, f"{sort_by}_std"])},
              f"cv_{sort_by}": {m: float(mean[m]) for m in order}}
    wide = scores.pivot(index=["repeat", "fold"], columns="model", values=sort_by)

    def paired_test(a: str, b: str) -> dict:  # paired on the folds both were scored on (racing stops some early)
        both = wide[[a, b]].dropna()
        return {"difference": float(both[a].mean() - both[b].mean()),
                "p_value": corrected_ttest(both[a].to_numpy(), both[b].to_numpy(), folds)}

    if len(order) > 1:
        result["winner_vs_runner_up"] = paired_test(winner, order[1])
    combined, alone = [m for m in order if m in COMBINED], [m for m in order if m not in COMBINED]
    if combined and alone:  # is combining worth it? against the best model that stands alone, forests included
        result["combined_vs_alone"] = {"combined": combined[0], "alone": alone[0], **paired_test(combined[0], alone[0])}
    learners = [m for m in alone if m in ENSEMBLES]
    singles = [m for m in alone if m not in ENSEMBLES]
    if learners and singles:  # the course's lesson: bagging and boosting against one tree, one line, one kernel
        result["ensemble_learners_vs_single"] = {"ensemble": learners[0], "single": singles[0],
                                                 **paired_test(learners[0], singles[0])}
    return result


def ranking(compared: Compared, plan: ComparisonPlan, decisions: list[Decision],
            rows: int) -> tuple[pd.DataFrame, dict, str]:
    """The ranked table, compare's metrics (with the size rules and the models racing stopped) and the boxplot's
    title."""
    table = summarize(compared.scores, plan.metrics, plan.sort_by, compared.stopped)
    result = comparison_result(compared.scores, table, plan.sort_by, plan.folds) | {"size_rules": record(decisions)}
    result |= {"stopped": compared.stopped} if compared.stopped else {}
    result |= {"ensemble_selection": compared.weights} if compared.weights else {}  # its members and weights
    better = " (lower is better)" if plan.sort_by in LOWER_IS_BETTER else ""
    raced = f"; models clearly behind after {plan.folds} folds stopped there" if compared.stopped else ""
    return table, result, f"{plan.repeats}x{plan.folds}-fold CV on the training split ({rows} rows){better}{raced}"


def _judged(e: dict, sort_by: str) -> str:
    if e["p_value"] >= 0.05:
        return "not a significant difference"
    better = e["difference"] < 0 if sort_by in LOWER_IS_BETTER else e["difference"] > 0
    return "significantly better" if better else "significantly worse"


def verdict(result: dict, order: list[str], sort_by: str) -> str:
    """The log's words: the winner, its score, and whether it beat the runner-up significantly."""
    line = f"winner {order[0]} ({sort_by} {result['winner'][sort_by]:.4f})"
    if "winner_vs_runner_up" in result:
        p = result["winner_vs_runner_up"]["p_value"]
        line += f"; vs {order[1]}: p = {p:.3f}" + (" (not a significant difference)" if p >= 0.05 else "")
    if "combined_vs_alone" in result:
        e = result["combined_vs_alone"]
        worth = "worth combining" if _judged(e, sort_by) == "significantly better" else "not worth combining"
        line += (f"; combined {e['combined']} vs the best stand-alone model {e['alone']}: {e['difference']:+.4f}, "
                 f"p = {e['p_value']:.3f} ({worth})")
    return line


def lesson(result: dict, sort_by: str) -> str | None:
    """The bagging/boosting lesson in words: the best ensemble learner against the best single learner."""
    e = result.get("ensemble_learners_vs_single")
    if e is None:
        return None
    return (f"lesson: ensemble learners vs single learners: {e['ensemble']} vs {e['single']} "
            f"{e['difference']:+.4f}, p = {e['p_value']:.3f} ({_judged(e, sort_by)})")
