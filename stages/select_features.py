"""Stage select_features: how the models' features are chosen (chi2, F-test or mutual-information filter, RFE
or sequential selection) and how many (k), read off a leak-free curve of CV score against the number of
features.

The curve refits the preprocessor and the selection inside every fold (stages/core/tabular/selection.py).
compare_models and tune take the method and k, not the columns: they refit the selection inside each
of their own folds. The columns kept by a fit on the whole training split are reported for people.
"""

from __future__ import annotations

from sklearn.base import clone

from stages import paths
from stages.core.compute import fits_on
from stages.core.evaluation import positive_code
from stages.core.progress import bar
from stages.core.tabular.models import make_estimator
from stages.core.tabular.plots import selection_curve_figure
from stages.core.tabular.scoring import check_scoring
from stages.core.tabular.selection import (
    Method,
    check_selection,
    choose_k,
    feature_table,
    method_spec,
    score_curve,
    selection_metrics,
    selection_path,
)
from stages.core.tabular.sizing import curve_folds, curve_rows, record, sample_rows
from stages.core.tabular.tasks import TASKS, auto
from stages.io import read_object, read_training_split, write_bytes, write_json, write_table
from stages.params import compute_on, load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    f = params.features
    labels, X, y = read_training_split(paths.LABELS, paths.TRAIN)
    task = TASKS[labels["task"]]
    fitted = read_object(paths.PREPROCESSOR)  # fitted on these rows by preprocess
    encoded, n = fitted.transform(X), len(fitted.get_feature_names_out())
    method_name, estimator_name = auto(f.method, task.selection_method), auto(f.estimator, task.selection_estimator)
    scoring, sfs_scoring = auto(f.scoring, task.scoring), auto(f.sfs.scoring, task.scoring)
    estimator = make_estimator(estimator_name, params.seed, "features.estimator", task.name)
    check_selection(method_name, estimator_name, estimator, f.k, encoded, y, task.name, params.seed, section="features")
    check_scoring(scoring, y, "features.scoring", task.name)
    if method_name == "sfs":  # SFS splits each curve fold's training part again
        check_scoring(sfs_scoring, y, "features.sfs.scoring", task.name)
    cv, sfs_cv, lowered = curve_folds(f.cv, f.sfs.cv, method_name == "sfs", y, labels["classes"],
                                      params.data.rare_classes)

    rows = curve_rows(len(y), f.curve_rows)
    sampled = rows.value != "all"  # a stratified sample of large tables
    method = Method(method_name, estimator, rfe_step=f.rfe.step, sfs_forward=f.sfs.direction == "forward",
                    sfs_floating=f.sfs.floating, sfs_cv=sfs_cv, sfs_scoring=sfs_scoring, sfs_n_jobs=f.sfs.n_jobs,
                    seed=params.seed, positive=positive_code(labels["classes"], labels.get("positive")),
                    task=task.name, log_sizes=sampled and f.curve_rows == "auto")
    on = sample_rows(y, rows.value, params.seed, task.classifies) if sampled else slice(None)
    for line in [rows.line()] + [d.line() for d in lowered]:
        print(f"select_features: {line}", flush=True)
    print(f"select_features: {method_name} with {estimator_name}, {cv}-fold "
          f"{scoring} curve over {n} features", flush=True)
    with fits_on(*compute_on(params.compute), needed=method_name == "sfs") as where:  # only SFS fits in parallel
        if method_name == "sfs":
            print(f"select_features: SFS fitting on {where}", flush=True)
        with bar(cv, "select_features", unit="folds") as progress:
            curve, all_scores = score_curve(method, clone(fitted), X.iloc[on].reset_index(drop=True), y[on], cv,
                                            scoring, params.seed, {f.k} if isinstance(f.k, int) else set(),
                                            progress=progress.update, positive=method.positive)
        k = n if method_name == "none" else choose_k(curve, f.k)
        path, table = selection_path(method, encoded, y, {k})
    rules = [rows] * sampled + lowered
    metrics = selection_metrics(curve, all_scores, k, n) | ({"size_rules": record(rules)} if rules else {})
    figure = selection_curve_figure(curve, k, metrics["cv_score_all"], scoring, f"{method_name} + {estimator_name}: "
                                    f"{cv}-fold CV, selection refitted in each fold")

    # what compare_models and tune refit in each fold (`features` is for people and serving); k_best and k_all:
    # what tune's `k: auto` also tries with the winner
    write_json(paths.SELECTED, {"method": method_spec(method, estimator_name), "k": k,
                                "k_best": n if method_name == "none" else choose_k(curve, "best"), "k_all": n,
                                "features": path[k]})
    write_table(paths.FEATURE_TABLE, feature_table(table, path[k]))
    write_table(paths.SELECTION_CURVE, curve)
    write_bytes(paths.SELECTION_CURVE_PNG, figure)
    write_json(paths.SELECTION_METRICS, metrics)
    print(f"select_features: kept {k} of {n} features (CV {scoring} {metrics['cv_score_selected']:.4f} vs "
          f"{metrics['cv_score_all']:.4f} with all) -> {paths.SELECTED}, {paths.SELECTION_CURVE_PNG}")


if __name__ == "__main__":
    run_stage("select_features", main)
