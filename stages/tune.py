"""Stage tune: search the hyper-parameters of one model (compare_models' winner by default), and with
`tune.k` the number of selected features too, with grid, random or successive-halving search over the
whole Pipeline; keep the tuned model only if it beats the untuned one on the same folds; refit the
chosen Pipeline on the whole training split and save it as one estimator that predicts class names (or
values in the target's units)."""

from __future__ import annotations

import tempfile
import time

from stages.common import paths
from stages.common.io import read_json, read_model_inputs, write_json, write_object, write_table
from stages.common.runner import run_stage
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "data", "compare", "tune", "compute"))
    tune = params.tune
    labels, X, y, preprocessor, selected = read_model_inputs(paths.LABELS, paths.TRAIN, paths.PREPROCESSOR,
                                                             paths.SELECTED)
    # the work's modules, after the first read: a missing input is said at pandas' start-up (benchmarks/startup.py)
    from stages.core.compute import fits_on
    from stages.core.progress import bar, joblib_progress
    from stages.core.tabular import sizing, tuning
    from stages.core.tabular.models import COMBINED, build_pipeline, final_model, tunable
    from stages.core.tabular.problem import problem_of
    from stages.core.tabular.scoring import scorer_for
    from stages.core.tabular.selection import selector_from
    from stages.core.tabular.tasks import auto
    from stages.core.tabular.threshold import cut_note, cut_record
    problem = problem_of(labels, y, params.seed, params.compare.size_rules)
    task = problem.task
    winner = read_json(paths.WINNER) if tune.model in ("best", *COMBINED) else {}  # voting, stacking: its members
    chosen = tuning.chosen_model(tune.model, winner, section="tune")
    searched_X, searched_y, rows = sizing.search_sample(X, y, params.compare.rows, problem, key="compare.rows")
    folds = sizing.tune_cv(tune.cv, y, labels["classes"], params.data.rare_classes, key="tune.cv")
    plan = tuning.plan_search(tune, problem, chosen, selected, rows, folds, section="tune")
    scoring = auto(tune.scoring, task.scoring)
    tuning.check_search(scoring, tune.threshold, y, problem, section="tune")
    for line in plan.lines(scoring):
        print(f"tune: {line}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tune-") as cache:  # candidates share each fold's fitted steps
        pipeline = build_pipeline(preprocessor, selector_from(selected, problem), plan.estimator, cache)
        with fits_on(params.compute) as where:
            print(f"tune: fitting on {where}", flush=True)
            start = time.perf_counter()
            rescored = 2 if plan.kind == "halving" else 1  # the untuned model, and halving's winner on every row
            fits = tuning.search_fits(plan.kind, plan.candidates, len(searched_y), plan.cv, rescored)
            with joblib_progress(bar(fits, "tune")):
                search = tuning.Search(plan.kind, plan.space, task.folds(plan.cv, params.seed),
                                       scorer_for(scoring, problem.positive), tune.n_iter, tune.n_jobs, params.seed,
                                       plan.first_look)
                searched = tuning.run_search(search, pipeline, searched_X, searched_y)
            if searched.stopped:
                print(f"tune: stopped {searched.stopped}", flush=True)
            elapsed = time.perf_counter() - start
        # refit on every training row; the test split stays unread until evaluate
        saved = final_model(searched.tuned if searched.tuned_wins else pipeline, problem, X, y, tune.threshold,
                            task.folds(plan.cv, params.seed))

    write_object(paths.MODEL, saved)
    write_json(paths.BEST_PARAMS, tuning.tuning_record(plan.model, plan.kind, searched, tunable(plan.estimator)[0],
                                                       saved.pipeline_.named_steps["select"].features_))
    write_table(paths.CV_RESULTS, tuning.results_table(searched.search.cv_results_, tunable(plan.estimator)[0]))
    write_json(paths.TUNE_METRICS,
               tuning.tuning_metrics(searched, sizing.record(plan.decisions)) | cut_record(saved, tune.threshold))
    print(f"tune: {plan.model}, {len(searched.search.cv_results_['params'])} fits of {plan.cv} folds in "
          f"{elapsed:.1f} s; "
          f"tuned {searched.best:.4f} vs untuned {searched.untuned:.4f} ({searched.best - searched.untuned:+.5f}): "
          f"kept the {'tuned' if searched.tuned_wins else 'untuned'} model{cut_note(saved, tune.threshold)} -> "
          f"{paths.MODEL}, {paths.BEST_PARAMS}")


if __name__ == "__main__":
    run_stage("tune", main)
