"""Stage compare_models: every model as one Pipeline (preprocessing -> feature selection -> model),
scored on the same repeated k-fold splits of the training split (stratified when classifying), with the
preprocessing and the selection refitted in every fold; a ranked table, the boxplot of fold scores, the
winner, and whether it really beats the runner-up. The models and metrics default to the task's."""

from __future__ import annotations

from stages.common import paths
from stages.common.io import read_model_inputs, write_bytes, write_json, write_table, write_text
from stages.common.runner import run_stage
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "data", "compare", "compute"))
    compare = params.compare
    labels, X, y, preprocessor, selected = read_model_inputs(paths.LABELS, paths.TRAIN, paths.PREPROCESSOR,
                                                             paths.SELECTED)
    # the work's modules, after the first read: a missing input is said at pandas' start-up (benchmarks/startup.py)
    from stages.core.compute import fits_on
    from stages.core.progress import bar
    from stages.core.tabular import comparison
    from stages.core.tabular.folds import folds_of
    from stages.core.tabular.plots import comparison_boxplot
    from stages.core.tabular.problem import problem_of
    from stages.core.tabular.selection import selector_from
    from stages.core.tabular.sizing import ensemble_rules, lines, race_look, search_sample
    problem = problem_of(labels, y, params.seed, compare.size_rules)
    X, y, rows = search_sample(X, y, compare.rows, problem, key="compare.rows")
    problem = problem.on_rows(y)  # the rows compared: a sample's, on large tables
    plan = comparison.plan_comparison(problem, compare, section="compare")
    plan = comparison.lowered_to_classes(plan, y, labels["classes"], params.data.rare_classes, section="compare")
    pipelines, sized = comparison.comparison_pipelines(plan, preprocessor, selector_from(selected, problem), problem,
                                                       section="compare")
    members, racing, stacking = ensemble_rules(compare.stacking, compare.racing, compare.ensemble_top,
                                               len(pipelines), plan.folds, plan.repeats, section="compare")
    decisions = [*([rows] if rows.value != "all" else []), *plan.decisions, *sized, racing, *filter(None, [stacking])]
    for line in lines(decisions):
        print(f"compare_models: {line}", flush=True)
    print(f"compare_models: {len(pipelines)} models, {plan.repeats}x{plan.folds}-fold CV on {len(y)} rows, "
          f"{selected['method']['name']} selection of {selected['k']} features fitted once per fold, on its training "
          "rows", flush=True)
    folds = folds_of(problem.task.repeated_folds(plan.folds, plan.repeats, params.seed), X, y)
    passes = comparison.Passes(plan.metrics, plan.sort_by, racing.value, race_look(plan.folds), members,
                               bool(stacking) and stacking.value == "on", compare.ensemble_selection, compare.n_jobs)

    with fits_on(params.compute) as where, bar(len(pipelines) * len(folds), "compare_models") as fits:
        fits.write(f"compare_models: fitting on {where}")
        compared = comparison.score_models(pipelines, X, y, folds, passes, problem, comparison.Progress(
            lambda line: fits.write(f"compare_models: {line}"), fits))
    scores, (table, result, title) = compared.scores, comparison.ranking(compared, plan, decisions, len(y))
    order = table["model"].tolist()

    write_table(paths.FOLD_SCORES, scores.drop(columns="fit_time").assign(score=scores[plan.sort_by]))  # plotted
    write_table(paths.COMPARISON, table)
    write_text(paths.COMPARISON_MD, table.to_markdown(index=False, floatfmt=".4f") + "\n")
    write_bytes(paths.BOXPLOT_PNG, comparison_boxplot(scores, order, plan.sort_by, title, compared.stopped))
    write_json(paths.WINNER, {"model": order[0], "sort_by": plan.sort_by, "members": compared.members,
                              "ensemble": compared.weights})
    write_json(paths.COMPARE_METRICS, result)
    if said := comparison.lesson(result, plan.sort_by):
        print(f"compare_models: {said}")
    print(f"compare_models: {comparison.verdict(result, order, plan.sort_by)} -> {paths.COMPARISON_MD}, "
          f"{paths.BOXPLOT_PNG}")


if __name__ == "__main__":
    run_stage("compare_models", main)
