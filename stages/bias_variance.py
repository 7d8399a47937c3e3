"""Stage bias_variance: does the tuned model under- or over-fit? Its learning curve (training and validation
scores as the training rows grow) and validation curve (as one hyper-parameter grows), on tune's folds and
scoring of the training split only, the whole Pipeline refitted in every fold; and one line that reads them
(the rule: stages/core/tabular/bias_variance.py)."""

from __future__ import annotations

from stages.common import paths
from stages.common.io import read_json, read_object, read_training_split, write_bytes, write_json, write_table
from stages.common.runner import run_stage
from stages.core.progress import bar, joblib_progress
from stages.core.tabular import bias_variance, plots
from stages.core.tabular.problem import problem_of
from stages.core.tabular.scoring import scorer_for
from stages.core.tabular.sizing import TUNE_FOLDS, record, search_sample, tune_cv
from stages.core.tabular.tasks import auto
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "data", "compare", "tune", "bias_variance"))
    curve_params, tune = params.bias_variance, params.tune
    labels, X, y = read_training_split(paths.LABELS, paths.TRAIN)
    problem = problem_of(labels, y, params.seed)
    task = problem.task
    name = read_json(paths.BEST_PARAMS)["model"]
    saved = read_object(paths.MODEL)
    pipeline = bias_variance.curve_pipeline(saved.pipeline)  # the tuned settings, unfitted
    X, y, rows = search_sample(X, y, params.compare.rows, problem, key="compare.rows")
    shown, path, values = bias_variance.complexity(
        name, pipeline, curve_params.param, curve_params.values, saved.pipeline_.named_steps["select"].n_features_in_,
        section="bias_variance")
    scoring, current = auto(tune.scoring, task.scoring), bias_variance.current_value(pipeline, path)
    folds = tune_cv(tune.cv, y, labels["classes"], params.data.rare_classes, key="tune.cv")
    cv = folds.value
    if cv != TUNE_FOLDS:
        print(f"bias_variance: {folds.line()}", flush=True)
    if rows.value != "all":
        print(f"bias_variance: {rows.line()}", flush=True)
    print(f"bias_variance: {name}, learning curve over {curve_params.sizes} sizes and validation curve over {shown} "
          f"{values}, {cv}-fold {scoring} on {len(y)} training rows", flush=True)
    scorer = scorer_for(scoring, problem.positive)
    with joblib_progress(bar((curve_params.sizes + len(values)) * cv, "bias_variance")):
        learning, validation = bias_variance.curves(pipeline, X, y, task.folds(cv, params.seed), scorer,
                                                    (path, values), curve_params)
    reading = bias_variance.diagnose(learning, validation, shown, current)
    about = f"{name}, {cv}-fold CV on the training split"
    write_table(paths.LEARNING_CURVE, learning.table("rows"))
    write_table(paths.VALIDATION_CURVE, validation.table("value"))
    write_bytes(paths.LEARNING_CURVE_PNG, plots.learning_figure(learning, scoring, f"Learning curve: {about}"))
    write_bytes(paths.VALIDATION_CURVE_PNG, plots.validation_figure(validation, shown, scoring, current,
                                                                    f"Validation curve: {about}"))
    write_json(paths.BIAS_VARIANCE_METRICS, {k: v for k, v in reading.items() if k != "line"}
               | {"size_rules": record([rows, *([folds] if cv != TUNE_FOLDS else [])])})
    print(f"bias_variance: {reading['verdict']}: {reading['line']} -> {paths.LEARNING_CURVE_PNG}, "
          f"{paths.VALIDATION_CURVE_PNG}")


if __name__ == "__main__":
    run_stage("bias_variance", main)
