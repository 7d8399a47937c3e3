"""Comparing algorithms on the same repeated k-fold splits (stratified when classifying): fold scores, a
ranked summary, and whether the winner really beats the runner-up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from sklearn.model_selection import cross_validate

from stages.core.errors import PipelineError
from stages.core.tabular.models import (
    COMBINED, ENSEMBLES, build_pipeline, probabilities_if_needed, with_target_transform,
)
from stages.core.tabular.scoring import scorer_for
from stages.core.tabular.sizing import Decision, auto_models, compare_folds, sized_estimator
from stages.core.tabular.tasks import CLASSIFICATION_METRICS, LOWER_IS_BETTER, REGRESSION_METRICS, Task, auto


@dataclass(frozen=True)
class ComparisonPlan:
    models: list[str]
    metrics: list[str]  # the task's headline metric, sort_by and those asked for: boxplot data and ranking
    sort_by: str
    folds: int
    repeats: int
    decisions: list[Decision]  # the size rules that set folds, repeats and the model list


def plan_comparison(task: Task, n: int, models, metrics, sort_by, folds, repeats, size_rules: bool, *,
                    section: str) -> ComparisonPlan:
    """The comparison's params (`<section>.*`, `auto` resolved to the task's defaults and n rows' size rules),
    checked."""
    if isinstance(models, list) and set(models) & set(COMBINED):
        raise PipelineError(f"{section}.models lists {sorted(set(models) & set(COMBINED))}: voting and stacking "
                            f"combine the comparison's top models; set {section}.ensemble_top (0: none) instead")
    decisions = list(compare_folds(n, folds, repeats))
    folds, repeats = (d.value for d in decisions)
    if models == "auto" and size_rules:
        models, dropped = auto_models(task.models, n)
        decisions += dropped
    else:
        models = auto(models, task.models)
    asked, sort_by = list(auto(metrics, task.metrics)), auto(sort_by, task.metrics[0])
    task.check_metrics(asked, f"{section}.metrics")
    task.check_metrics([sort_by], f"{section}.sort_by")
    return ComparisonPlan(list(dict.fromkeys(models)), list(dict.fromkeys([task.metrics[0], sort_by, *asked])),
                          sort_by, folds, repeats, decisions)


def comparison_pipelines(plan: ComparisonPlan, preprocessor, selector, seed: int, task: str, n: int, n_classes: int,
                         target_transform: str, size_rules: bool, memory, *,
                         section: str) -> tuple[dict, list[Decision]]:
    """One Pipeline (preprocessing -> selection -> model) per compared model, sized for n rows, and the size
    rules that changed a model. `memory`: the models share each fold's fitted preprocessing and selection (SFS
    or RFE runs once per fold, not per model)."""
    pipelines, decisions = {}, []
    for name in plan.models:
        estimator, sized = sized_estimator(name, seed, f"{section}.models", task, n, size_rules)
        decisions += sized
        estimator = with_target_transform(probabilities_if_needed(name, estimator, plan.metrics, n_classes),
                                          target_transform)
        pipelines[name] = build_pipeline(preprocessor, selector, estimator, memory=memory)
        check_can_score(name, pipelines[name], plan.metrics, n_classes, f"{section}.metrics", f"{section}.models")
    return pipelines, decisions


def top_members(order: list[str], top: int) -> list[str]:
    """The comparison's `top` best models, which voting and stacking combine; none below two."""
    members = [m for m in order if m not in COMBINED][:top]
    return members if len(members) >= 2 else []


def combined_pipelines(members: list[str], preprocessor, selector, seed: int, task: str, n: int,
                       target_transform: str, size_rules: bool, memory, kinds=COMBINED, *, section: str) -> dict:
    """voting and stacking of `members` as Pipelines like the others': one preprocessing and selection, then
    the ensemble, so they score on the same folds and enter the same table, boxplot and t-test."""
    return {name: build_pipeline(preprocessor, selector, with_target_transform(
                sized_estimator(name, seed, f"{section}.ensemble_top", task, n, size_rules, members)[0],
                target_transform), memory=memory)
            for name in kinds}


def scorers(metrics: list[str], n_classes: int, positive: int | None = None) -> dict:
    """Metric names -> scikit-learn scorers. Multiclass data takes the macro / one-vs-rest forms; binary f1,
    precision and recall are about the positive class, as in evaluate. `n_classes` 0: regression."""
    if n_classes == 0:
        return {m: scorer_for(REGRESSION_METRICS[m]) for m in metrics}
    return {m: scorer_for(CLASSIFICATION_METRICS[m][0 if n_classes == 2 else 1], positive) for m in metrics}


def check_can_score(name: str, estimator, metrics: list[str], n_classes: int, key: str, models_key: str) -> None:
    """ROC AUC ranks rows by a score: binary needs predict_proba or decision_function, multiclass
    (one-vs-rest) needs probabilities."""
    if "roc_auc" not in metrics:
        return
    needed = ["predict_proba"] if n_classes > 2 else ["predict_proba", "decision_function"]
    if not any(hasattr(estimator, method) for method in needed):
        raise PipelineError(
            f"{key} includes roc_auc, but model {name!r} has no {' or '.join(needed)} "
            f"({n_classes} classes); drop roc_auc from {key} or that model from {models_key}"
        )


DOMINANT_SHARE = 0.5  # a model expected to take more than this share of the comparison gets a line first


def fold_scores(pipelines: dict, X: pd.DataFrame, y, metrics: dict, cv, n_jobs: int,
                progress=lambda _: None, bar=None, models_key: str = "compare.models") -> pd.DataFrame:
    """One row per model and fold: every metric and the fit time, all models on the same splits of `cv`
    (a repeated k-fold splitter). Error metrics (rmse, mae) are reported positive: scikit-learn negates them.

    All (model, fold) fits go to one pool, so both cores stay busy across model boundaries. The first fold of
    every model goes first: from its time, a model that will clearly dominate the stage is named (with the
    param that skips it) before it spends that time. `bar`: a progress bar advanced per fit.
    """
    splits = list(cv.split(X, y))
    folds = cv.get_n_splits() // cv.n_repeats
    tasks = [(name, i) for i in range(len(splits)) for name in pipelines]  # fold-major
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(cross_validate)(pipelines[name], X, y, cv=[splits[i]], scoring=metrics) for name, i in tasks
    )
    sign = {m: -1.0 if m in LOWER_IS_BETTER else 1.0 for m in metrics}
    rows, first_fold = [], {}
    for (name, i), result in zip(tasks, results, strict=True):  # in task order, as they finish
        rows.append({"model": name, "repeat": i // folds + 1, "fold": i % folds + 1,
                     **{m: sign[m] * float(result[f"test_{m}"][0]) for m in metrics},
                     "fit_time": float(result["fit_time"][0])})
        if bar is not None:
            bar.update()
        if i == 0:
            first_fold[name] = float(result["fit_time"][0] + result["score_time"][0])
            if len(first_fold) == len(pipelines) and len(pipelines) > 1:
                for line in dominant(first_fold, len(splits), models_key):
                    progress(line)
    order = {name: j for j, name in enumerate(pipelines)}
    scores = pd.DataFrame(sorted(rows, key=lambda r: (order[r["model"]], r["repeat"], r["fold"])))
    seconds = scores.groupby("model", sort=False)["fit_time"].sum()  # the scores are in the stage's table
    progress("seconds of fitting: " + ", ".join(f"{name} {s:.1f}" for name, s in seconds.items()))
    return scores


def dominant(first_fold: dict[str, float], n_fits: int, models_key: str) -> list[str]:
    """Lines naming the model(s) whose first fold says they will take most of the comparison's time."""
    total = sum(first_fold.values())
    return [f"{name} will take about {seconds * n_fits:.0f} s of fitting, {seconds / total:.0%} of the comparison "
            f"(from its first fold); leave it out of {models_key} to skip it"
            for name, seconds in first_fold.items() if total > 0 and seconds / total > DOMINANT_SHARE]


def summarize(scores: pd.DataFrame, metrics: list[str], sort_by: str) -> pd.DataFrame:
    """Mean, std and median per model and metric; best `sort_by` mean first (the lowest, for an error metric).
    No fit times: they differ run to run, and a tracked output must not (the progress lines print them)."""
    grouped = scores.groupby("model", sort=False)
    table = pd.concat(
        [grouped[m].agg(["mean", "std", "median"]).add_prefix(f"{m}_") for m in metrics], axis=1,
    )
    table = table.sort_values([f"{sort_by}_mean", f"{sort_by}_std"], ascending=[sort_by in LOWER_IS_BETTER, True],
                              kind="stable")
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
    pick = scores.set_index("model")[sort_by]

    def versus(a: str, b: str) -> dict:
        return {"difference": float(mean[a] - mean[b]),
                "p_value": corrected_ttest(pick[a].to_numpy(), pick[b].to_numpy(), folds)}

    if len(order) > 1:
        result["winner_vs_runner_up"] = versus(winner, order[1])
    combined, alone = [m for m in order if m in COMBINED], [m for m in order if m not in COMBINED]
    if combined and alone:  # is combining worth it? against the best model that stands alone, forests included
        result["combined_vs_alone"] = {"combined": combined[0], "alone": alone[0], **versus(combined[0], alone[0])}
    learners = [m for m in alone if m in ENSEMBLES]
    singles = [m for m in alone if m not in ENSEMBLES]
    if learners and singles:  # the course's lesson: bagging and boosting against one tree, one line, one kernel
        result["ensemble_learners_vs_single"] = {"ensemble": learners[0], "single": singles[0],
                                                 **versus(learners[0], singles[0])}
    return result


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
