"""Stage compare_models: every model as one Pipeline (preprocessing -> feature selection -> model),
scored on the same repeated k-fold splits of the training split (stratified when classifying), with the
preprocessing and the selection refitted in every fold; a ranked table, the boxplot of fold scores, the
winner, and whether it really beats the runner-up. The models and metrics default to the task's."""

from __future__ import annotations

import tempfile

from stages import paths
from stages.core.compute import fits_on
from stages.core.comparison import check_can_score, corrected_ttest, fold_scores, scorers, summarize
from stages.core.models import build_pipeline, make_estimator, probabilities_if_needed, with_target_transform
from stages.core.progress import bar
from stages.core.sizing import auto_models, compare_folds, model_at_size, record, search_sample
from stages.core.tabular_plots import comparison_boxplot
from stages.core.scoring import check_folds, positive_code
from stages.core.selection import selector_from
from stages.core.tasks import LOWER_IS_BETTER, TASKS, auto
from stages.io import read_model_inputs, write_bytes, write_json, write_table, write_text
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    c = params.compare
    labels, X, y, preprocessor, selected = read_model_inputs(paths.LABELS, paths.TRAIN, paths.PREPROCESSOR,
                                                             paths.SELECTED)
    task = TASKS[labels["task"]]
    n_classes = len(labels["classes"])
    positive = positive_code(labels)
    selector = selector_from(selected, params.seed, positive, task.name)
    X, y, rows = search_sample(X, y, c.rows, params.seed, task.classifies)
    n = len(y)
    decisions = [*([rows] if rows.value != "all" else []), *compare_folds(n, c.folds, c.repeats)]
    folds, repeats = (d.value for d in decisions[-2:])
    models, dropped = auto_models(task.models, n) if c.models == "auto" and c.size_rules else (
        auto(c.models, task.models), [])
    decisions += dropped
    asked = list(auto(c.metrics, task.metrics))
    sort_by = auto(c.sort_by, task.metrics[0])
    task.check_metrics(asked, "compare.metrics")
    task.check_metrics([sort_by], "compare.sort_by")

    metrics = list(dict.fromkeys([task.metrics[0], sort_by, *asked]))  # the boxplot data and the ranking
    check_folds(y, labels["classes"], folds, "compare.folds")
    # the models share each fold's fitted preprocessing and selection (SFS or RFE runs once per fold, not per model)
    with tempfile.TemporaryDirectory(prefix="compare_models-") as cache:
        pipelines = {}
        for name in dict.fromkeys(models):
            estimator, decision = make_estimator(name, params.seed, "compare.models", task.name), None
            if c.size_rules:
                estimator, decision = model_at_size(name, estimator, n, task.name)
            decisions += [decision] if decision else []
            estimator = with_target_transform(probabilities_if_needed(name, estimator, metrics, n_classes),
                                              labels["target_transform"])
            pipelines[name] = build_pipeline(preprocessor, selector, estimator, memory=cache)
            check_can_score(name, pipelines[name], metrics, n_classes, "compare.metrics", "compare.models")

        for decision in decisions:
            print(f"compare_models: {decision.line()}", flush=True)
        print(f"compare_models: {len(pipelines)} models, {repeats}x{folds}-fold CV on {n} rows, "
              f"{selected['method']['name']} selection of {selected['k']} features refitted in each fold", flush=True)
        with fits_on(params.compute) as where:
            print(f"compare_models: fitting on {where}", flush=True)
            with bar(len(pipelines) * folds * repeats, "compare_models") as fits:
                scores = fold_scores(pipelines, X, y, scorers(metrics, n_classes, positive),
                                     task.repeated_folds(folds, repeats, params.seed), c.n_jobs,
                                     progress=lambda line: fits.write(f"compare_models: {line}"), bar=fits)
    table = summarize(scores, metrics, sort_by)
    order = table["model"].tolist()
    winner = order[0]
    mean = table.set_index("model")[f"{sort_by}_mean"]
    result = {
        "winner": {sort_by: float(mean[winner]),
                   f"{sort_by}_std": float(table.set_index("model").loc[winner, f"{sort_by}_std"])},
        f"cv_{sort_by}": {m: float(mean[m]) for m in order},
    }
    if len(order) > 1:
        runner_up = order[1]
        pick = scores.set_index("model")[sort_by]
        result["winner_vs_runner_up"] = {
            "difference": float(mean[winner] - mean[runner_up]),
            "p_value": corrected_ttest(pick[winner].to_numpy(), pick[runner_up].to_numpy(), folds),
        }
    result["size_rules"] = record(decisions)
    better = " (lower is better)" if sort_by in LOWER_IS_BETTER else ""
    figure = comparison_boxplot(
        scores, order, sort_by, f"{repeats}x{folds}-fold CV on the training split ({len(y)} rows){better}"
    )

    # timings differ run to run: only the markdown table shows them, so the CSVs change only with results
    write_table(paths.FOLD_SCORES, scores.drop(columns="fit_time").assign(score=scores[sort_by]))  # score: plotted
    write_table(paths.COMPARISON, table.drop(columns="fit_time_s"))
    write_text(paths.COMPARISON_MD, table.to_markdown(index=False, floatfmt=".4f") + "\n")
    write_bytes(paths.BOXPLOT_PNG, figure)
    write_json(paths.WINNER, {"model": winner, "sort_by": sort_by})
    write_json(paths.COMPARE_METRICS, result)
    verdict = ""
    if "winner_vs_runner_up" in result:
        p = result["winner_vs_runner_up"]["p_value"]
        verdict = f"; vs {order[1]}: p = {p:.3f}" + (" (not a significant difference)" if p >= 0.05 else "")
    print(f"compare_models: winner {winner} ({sort_by} {mean[winner]:.4f}){verdict} -> {paths.COMPARISON_MD}, "
          f"{paths.BOXPLOT_PNG}")


if __name__ == "__main__":
    run_stage("compare_models", main)
