"""Stage select_features: how the models' features are chosen (chi2, F-test or mutual-information filter, RFE
or sequential selection) and how many (k), read off a leak-free curve of CV score against the number of
features.

The curve refits the preprocessor and the selection inside every fold (stages/core/selection.py).
compare_models and tune take the method and k, not the columns: they refit the selection inside each
of their own folds. The columns kept by a fit on the whole training split are reported for people.
"""

from __future__ import annotations

import pandas as pd
from sklearn.base import clone

from stages import paths
from stages.core.compute import fits_on
from stages.core.errors import PipelineError
from stages.core.models import ZOOS, available, make_estimator
from stages.core.tabular_plots import selection_curve_figure
from stages.core.scoring import check_folds, check_scoring, positive_code
from stages.core.progress import bar
from stages.core.sizing import curve_rows, record, sample_rows
from stages.core.selection import Method, can_rank, choose_k, method_spec, score_curve, selection_path
from stages.core.tasks import TASKS, auto
from stages.io import read_object, read_training_split, write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    f = params.features
    labels, X, y = read_training_split(paths.LABELS, paths.TRAIN)
    task = TASKS[labels["task"]]
    fitted = read_object(paths.PREPROCESSOR)  # fitted on these rows by preprocess
    encoded = fitted.transform(X)
    n = encoded.shape[1]
    method_name = auto(f.method, task.selection_method)
    estimator_name = auto(f.estimator, task.selection_estimator)
    scoring, sfs_scoring = auto(f.scoring, task.scoring), auto(f.sfs.scoring, task.scoring)

    if method_name == "chi2" and not task.classifies:
        raise PipelineError("features.method = 'chi2' tests class counts and cannot score a regression target; "
                            "use f_test or mutual_info (or rfe, sfs, none)")
    if isinstance(f.k, int) and f.k > n and method_name != "none":
        raise PipelineError(f"features.k = {f.k} but the training data has {n} features after encoding; "
                            f"choose 1..{n}, best or parsimonious")
    check_scoring(scoring, y, "features.scoring", task.name)
    check_folds(y, labels["classes"], f.cv, "features.cv")
    if method_name == "sfs":
        check_scoring(sfs_scoring, y, "features.sfs.scoring", task.name)
        # SFS splits each curve fold's training part again
        check_folds(y, labels["classes"], f.sfs.cv, "features.sfs.cv", share=(f.cv - 1) / f.cv)
    estimator = make_estimator(estimator_name, params.seed, "features.estimator", task.name)
    if method_name == "rfe" and not can_rank(estimator, encoded, y):
        usable = [name for name in ZOOS[task.name]
                  if available(name) and can_rank(make_estimator(name, params.seed, task=task.name), encoded, y)]
        raise PipelineError(
            f"features.estimator = {estimator_name!r} has neither coef_ nor feature_importances_, which RFE ranks "
            f"features by; use one of {', '.join(usable)}, or features.method: sfs (works with any estimator)"
        )

    rows = curve_rows(len(y), f.curve_rows)
    print(f"select_features: {rows.line()}", flush=True)
    sampled = rows.value != "all"
    method = Method(
        method_name, estimator, rfe_step=f.rfe.step, sfs_forward=f.sfs.direction == "forward",
        sfs_floating=f.sfs.floating, sfs_cv=f.sfs.cv, sfs_scoring=sfs_scoring, sfs_n_jobs=f.sfs.n_jobs,
        seed=params.seed, positive=positive_code(labels), task=task.name, log_sizes=sampled and f.curve_rows == "auto",
    )
    on = sample_rows(y, rows.value, params.seed, task.classifies) if sampled else slice(None)
    wanted = {f.k} if isinstance(f.k, int) else set()
    print(f"select_features: {method_name} with {estimator_name}, {f.cv}-fold {scoring} curve over {n} features",
          flush=True)
    sfs = method_name == "sfs"  # the only method that fits in parallel
    with fits_on(params.compute, needed=sfs) as where:
        if sfs:
            print(f"select_features: SFS fitting on {where}", flush=True)
        with bar(f.cv, "select_features", unit="folds") as folds:
            curve, all_scores = score_curve(method, clone(fitted), X.iloc[on].reset_index(drop=True), y[on], f.cv,
                                            scoring, params.seed, wanted, progress=lambda _: folds.update(),
                                            positive=method.positive)
        k = n if method_name == "none" else choose_k(curve, f.k)
        path, table = selection_path(method, encoded, y, {k})
    selected = path[k]

    table["selected"] = table.index.isin(selected)
    table["selection_order"] = pd.array([selected.index(c) + 1 if c in selected else None for c in table.index],
                                        dtype="Int64")
    at_k = curve[curve["n_features"] <= k].iloc[-1]  # one-hot columns can differ per fold: nearest size below
    metrics = {
        "n_features": n,
        "n_selected": k,
        "cv_score_selected": float(at_k["cv_score"]),
        "cv_score_selected_std": float(at_k["cv_std"]),
        "cv_score_all": float(all_scores.mean()),
        "cv_score_all_std": float(all_scores.std()),
    }
    if sampled:  # small tables keep the metrics they had
        metrics["size_rules"] = record([rows])
    figure = selection_curve_figure(
        curve, k, metrics["cv_score_all"], scoring,
        f"{method_name} + {estimator_name}: {f.cv}-fold CV, selection refitted in each fold",
    )

    # what compare_models and tune refit in each fold; `features` is for people (and serving), not for CV
    # k_best and k_all: what tune's `k: auto` also tries with the winner
    k_best = n if method_name == "none" else choose_k(curve, "best")
    write_json(paths.SELECTED, {"method": method_spec(method, estimator_name), "k": k, "k_best": k_best, "k_all": n,
                                "features": selected})
    write_table(paths.FEATURE_TABLE, table.reset_index())
    write_table(paths.SELECTION_CURVE, curve)
    write_bytes(paths.SELECTION_CURVE_PNG, figure)
    write_json(paths.SELECTION_METRICS, metrics)
    print(f"select_features: kept {k} of {n} features (CV {scoring} {metrics['cv_score_selected']:.4f} vs "
          f"{metrics['cv_score_all']:.4f} with all) -> {paths.SELECTED}, {paths.SELECTION_CURVE_PNG}")


if __name__ == "__main__":
    run_stage("select_features", main)
