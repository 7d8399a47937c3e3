"""Stage compare_models: every model as one Pipeline (preprocessing -> feature selection -> model),
scored on the same repeated k-fold splits of the training split (stratified when classifying), with the
preprocessing and the selection refitted in every fold; a ranked table, the boxplot of fold scores, the
winner, and whether it really beats the runner-up. The models and metrics default to the task's."""

from __future__ import annotations

import tempfile
from dataclasses import replace

import pandas as pd

from stages import paths
from stages.core.compute import fits_on
from stages.core.evaluation import positive_code
from stages.core.progress import bar
from stages.core.tabular.comparison import (
    combined_pipelines, comparison_pipelines, comparison_result, fold_scores, plan_comparison, scorers, summarize,
    lesson, top_members, verdict,
)
from stages.core.tabular.plots import comparison_boxplot
from stages.core.tabular.selection import selector_from
from stages.core.tabular.sizing import class_folds, combined_at_size, lines, record, search_sample
from stages.core.tabular.tasks import LOWER_IS_BETTER, TASKS
from stages.io import read_model_inputs, write_bytes, write_json, write_table, write_text
from stages.params import compute_on, load_params
from stages.runner import run_stage


def score_models(pipelines: dict, combine, kinds: tuple, plan, X, y, positive, n_classes: int, task, seed: int, c):
    """Fold scores of every model, then of the `kinds` (voting, stacking) over the top `compare.ensemble_top`
    (built by `combine(members)`), all on the same splits; and those members."""
    ensembles = len(kinds) * (len(pipelines) >= 2 and c.ensemble_top >= 2)
    with bar((len(pipelines) + ensembles) * plan.folds * plan.repeats, "compare_models") as fits:
        def scored(candidates: dict, key: str = "compare.models"):
            return fold_scores(candidates, X, y, scorers(plan.metrics, n_classes, positive),
                               task.repeated_folds(plan.folds, plan.repeats, seed), c.n_jobs,
                               progress=lambda line: fits.write(f"compare_models: {line}"), bar=fits, models_key=key)
        scores = scored(pipelines)
        members = top_members(summarize(scores, plan.metrics, plan.sort_by)["model"].tolist(), c.ensemble_top)
        if members:
            fits.write(f"compare_models: {' and '.join(kinds)} of the top {len(members)}: {', '.join(members)}")
            ensembles = scored(combine(members), "compare.ensemble_top (0: neither)")
            scores = pd.concat([scores, ensembles], ignore_index=True)
    return scores, members


def main() -> None:
    params = load_params()
    c = params.compare
    labels, X, y, preprocessor, selected = read_model_inputs(paths.LABELS, paths.TRAIN, paths.PREPROCESSOR,
                                                             paths.SELECTED)
    task, n_classes = TASKS[labels["task"]], len(labels["classes"])
    positive = positive_code(labels["classes"], labels.get("positive"))
    X, y, rows = search_sample(X, y, c.rows, params.seed, task.classifies)
    plan = plan_comparison(task, len(y), c.models, c.metrics, c.sort_by, c.folds, c.repeats, c.size_rules,
                           section="compare")
    folds = class_folds(plan.folds, "compare.folds", y, labels["classes"], params.data.rare_classes,
                        why=plan.decisions[0].reason)
    plan = replace(plan, folds=folds.value, decisions=[folds, *plan.decisions[1:]])
    selector = selector_from(selected, params.seed, positive, task.name)
    with tempfile.TemporaryDirectory(prefix="compare_models-") as cache:
        pipelines, sized = comparison_pipelines(plan, preprocessor, selector, params.seed, task.name, len(y),
                                                n_classes, labels["target_transform"], c.size_rules, cache,
                                                section="compare")
        kinds, stacked = combined_at_size(len(y), c.size_rules)
        decisions = [*([rows] if rows.value != "all" else []), *plan.decisions, *sized, *stacked]
        for line in lines(decisions):
            print(f"compare_models: {line}", flush=True)
        print(f"compare_models: {len(pipelines)} models, {plan.repeats}x{plan.folds}-fold CV on {len(y)} rows, "
              f"{selected['method']['name']} selection of {selected['k']} features refitted in each fold", flush=True)
        with fits_on(*compute_on(params.compute)) as where:
            print(f"compare_models: fitting on {where}", flush=True)
            scores, members = score_models(pipelines, lambda top: combined_pipelines(
                top, preprocessor, selector, params.seed, task.name, len(y), labels["target_transform"],
                c.size_rules, cache, kinds, section="compare"), kinds, plan, X, y, positive, n_classes, task,
                params.seed, c)
    table = summarize(scores, plan.metrics, plan.sort_by)
    order = table["model"].tolist()
    result = comparison_result(scores, table, plan.sort_by, plan.folds) | {"size_rules": record(decisions)}
    better = " (lower is better)" if plan.sort_by in LOWER_IS_BETTER else ""
    figure = comparison_boxplot(scores, order, plan.sort_by,
                                f"{plan.repeats}x{plan.folds}-fold CV on the training split ({len(y)} rows){better}")

    write_table(paths.FOLD_SCORES, scores.drop(columns="fit_time").assign(score=scores[plan.sort_by]))  # plotted
    write_table(paths.COMPARISON, table)
    write_text(paths.COMPARISON_MD, table.to_markdown(index=False, floatfmt=".4f") + "\n")
    write_bytes(paths.BOXPLOT_PNG, figure)
    write_json(paths.WINNER, {"model": order[0], "sort_by": plan.sort_by, "members": members})
    write_json(paths.COMPARE_METRICS, result)
    if said := lesson(result, plan.sort_by):
        print(f"compare_models: {said}")
    print(f"compare_models: {verdict(result, order, plan.sort_by)} -> {paths.COMPARISON_MD}, {paths.BOXPLOT_PNG}")


if __name__ == "__main__":
    run_stage("compare_models", main)
