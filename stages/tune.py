"""Stage tune: search the hyper-parameters of one model (compare_models' winner by default), and with
`tune.k` the number of selected features too, with grid, random or successive-halving search over the
whole Pipeline; keep the tuned model only if it beats the untuned one on the same folds; refit the
chosen Pipeline on the whole training split and save it as one estimator that predicts class names (or
values in the target's units)."""

from __future__ import annotations

import tempfile
import time

from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from stages import paths
from stages.core.compute import fits_on
from stages.core.errors import plain
from stages.core.models import (
    NamedClassifier, NamedRegressor, build_pipeline, calibrated_for_serving, make_estimator, tunable,
    with_target_transform,
)
from stages.core.progress import bar, joblib_progress
from stages.core.sizing import model_at_size, record, search_sample, tune_search
from stages.core.scoring import check_folds, check_scoring, positive_code, scorer_for
from stages.core.selection import selector_from
from stages.core.tasks import TASKS, auto
from stages.core.tuning import (
    K, auto_k, best_cv_score, capped_candidates, k_space, make_search, results_table, search_fits, search_space,
    short_name,
)
from stages.io import read_json, read_model_inputs, write_json, write_object, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    t = params.tune
    labels, X, y, preprocessor, selected = read_model_inputs(paths.LABELS, paths.TRAIN, paths.PREPROCESSOR,
                                                             paths.SELECTED)
    task = TASKS[labels["task"]]
    model = read_json(paths.WINNER)["model"] if t.model == "best" else t.model
    positive = positive_code(labels)
    scoring_name = auto(t.scoring, task.scoring)

    n = len(y)
    estimator = make_estimator(model, params.seed, "tune.model", task.name)
    searched_X, searched_y, rows = search_sample(X, y, params.compare.rows, params.seed, task.classifies)
    decisions = [tune_search(n, t.search), *([rows] if rows.value != "all" else [])]
    if params.compare.size_rules:
        estimator, decision = model_at_size(model, estimator, n, task.name)
        decisions += [decision] if decision else []
    estimator = with_target_transform(estimator, labels["target_transform"])
    search_kind = decisions[0].value
    for decision in decisions:
        print(f"tune: {decision.line()}", flush=True)
    cache = tempfile.TemporaryDirectory(prefix="tune-")  # candidates share each fold's preprocessing and selection
    selector = selector_from(selected, params.seed, positive, task.name)
    pipeline = build_pipeline(preprocessor, selector, estimator, cache.name)
    space, skipped = search_space(t.spaces, model, estimator, search_kind, task.name, section="tune")
    if skipped:
        print(f"note: tune: tune.spaces.{model}: {skipped} apply to the {model} of the other task; not searched")
    if t.k == "auto":
        ks, why = auto_k(selected)
        print(f"tune: tune.k = auto: {why}", flush=True)
    else:
        ks = k_space(t.k, selected["method"]["name"], len(preprocessor.get_feature_names_out()), search_kind,
                     section="tune")
    if ks is not None:
        space[K] = ks
    candidates = capped_candidates(space, search_kind, t.n_iter, t.max_candidates, f"tune.spaces.{model}",
                                   "tune.max_candidates")
    check_scoring(scoring_name, y, "tune.scoring", task.name)
    check_folds(y, labels["classes"], t.cv, "tune.cv")

    cv = task.folds(t.cv, params.seed)
    scoring = scorer_for(scoring_name, positive)
    print(f"tune: {search_kind} search over {candidates} candidates for {model}, {t.cv}-fold {scoring_name}",
          flush=True)
    def cv_score(candidate) -> float:
        return float(cross_val_score(candidate, searched_X, searched_y, cv=cv, scoring=scoring,
                                     n_jobs=t.n_jobs).mean())

    with fits_on(params.compute) as where:
        print(f"tune: fitting on {where}", flush=True)
        start = time.perf_counter()
        search = make_search(search_kind, pipeline, space, cv, scoring, t.n_iter, t.n_jobs, params.seed)
        rescored = 2 if search_kind == "halving" else 1  # the untuned model, and halving's winner on every row
        with joblib_progress(bar(search_fits(search_kind, candidates, len(searched_y), t.cv, rescored), "tune")):
            search.fit(searched_X, searched_y)
            elapsed = time.perf_counter() - start
            tuned = clone(pipeline).set_params(**search.best_params_)
            untuned = cv_score(pipeline)
            best = best_cv_score(search_kind, search, lambda: cv_score(tuned))
    tuned_wins = best > untuned
    prefix = tunable(estimator)[0]
    best_params = {short_name(name, prefix): plain(v) for name, v in search.best_params_.items()}

    # refit on the whole training split (every row, also where the search scored a sample); the test split stays
    # unread until evaluate
    classes = labels["classes"]
    chosen = calibrated_for_serving((tuned if tuned_wins else pipeline).set_params(memory=None))
    if task.classifies:
        saved = NamedClassifier(chosen, classes, X.columns.tolist()).fit(X, [classes[code] for code in y])
    else:
        saved = NamedRegressor(chosen, X.columns.tolist()).fit(X, y)
    cache.cleanup()

    write_object(paths.MODEL, saved)
    write_json(paths.BEST_PARAMS, {"model": model, "search": search_kind, "best_params": best_params,
                                   "kept": "tuned" if tuned_wins else "untuned (tuning did not beat the defaults)",
                                   "features": saved.pipeline_.named_steps["select"].features_})
    write_table(paths.CV_RESULTS, results_table(search.cv_results_, prefix))
    write_json(paths.TUNE_METRICS, {
        "best_cv_score": best,
        "untuned_cv_score": untuned,
        "improvement": best - untuned,
        "tuned_model_kept": tuned_wins,
        "n_candidates": len(search.cv_results_["params"]),
        "size_rules": record(decisions),
    })
    versus = f"tuned {best:.4f} vs untuned {untuned:.4f} ({best - untuned:+.5f})"
    verdict = f"{versus}: kept the {'tuned' if tuned_wins else 'untuned'} model"
    print(f"tune: {model}, {len(search.cv_results_['params'])} fits of {t.cv} folds in {elapsed:.1f} s; {verdict} "
          f"-> {paths.MODEL}, {paths.BEST_PARAMS}")


if __name__ == "__main__":
    run_stage("tune", main)
