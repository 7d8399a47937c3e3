"""Stage select_features: how the models' features are chosen (chi2, F-test or mutual-information filter, RFE
or sequential selection) and how many (k), read off a leak-free curve of CV score against the number of
features.

The curve refits the preprocessor and the selection inside every fold (stages/core/tabular/selection.py).
compare_models and tune take the method and k, not the columns: they refit the selection inside each
of their own folds. The columns kept by a fit on the whole training split are reported for people.
"""

from __future__ import annotations

from stages.common import paths
from stages.common.io import read_object, read_training_split, write_bytes, write_json, write_table
from stages.common.runner import run_stage
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "data", "features", "compute"))
    features = params.features
    labels, X, y = read_training_split(paths.LABELS, paths.TRAIN)
    # the work's modules, after the first read: a missing input is said at pandas' start-up (benchmarks/startup.py)
    from dataclasses import replace

    from sklearn.base import clone

    from stages.core.compute import fits_on
    from stages.core.progress import bar
    from stages.core.tabular import selection
    from stages.core.tabular.plots import selection_curve_figure
    from stages.core.tabular.problem import problem_of
    from stages.core.tabular.sizing import curve_folds, curve_folds_auto, curve_rows, record, sample_rows
    problem = problem_of(labels, y, params.seed)
    fitted = read_object(paths.PREPROCESSOR)  # fitted on these rows by preprocess
    encoded, n = fitted.transform(X), len(fitted.get_feature_names_out())
    method, estimator_name, scoring = selection.chosen_method(problem, features, encoded, y, section="features")
    rows = curve_rows(len(y), features.curve_rows, key="features.curve_rows")
    sampled = rows.value != "all"  # a stratified sample of large tables
    folds = curve_folds_auto(features.cv, len(y), sampled, key="features.cv")
    cv, sfs_cv, lowered = curve_folds(folds.value, features.sfs.cv, method.name == "sfs", y, labels["classes"],
                                      params.data.rare_classes, section="features")
    method = replace(method, sfs_cv=sfs_cv, log_sizes=sampled and features.curve_rows == "auto")
    on = sample_rows(y, rows.value, params.seed, problem.task.classifies) if sampled else slice(None)
    for line in [rows.line(), *[d.line() for d in [folds] * sampled + lowered],
                 f"{method.name} with {estimator_name}, {cv}-fold {scoring} curve over {n} features"]:
        print(f"select_features: {line}", flush=True)
    with fits_on(params.compute, needed=method.name == "sfs") as where:  # only SFS fits in parallel
        if method.name == "sfs":
            print(f"select_features: SFS fitting on {where}", flush=True)
        with bar(cv, "select_features", unit="folds") as progress:
            scored = selection.CurveScoring(cv, scoring, frozenset([features.k] if isinstance(features.k, int) else []))
            curve, all_scores = selection.score_curve(method, clone(fitted), X.iloc[on].reset_index(drop=True), y[on],
                                                      scored, progress=progress.update)
        k = n if method.name == "none" else selection.choose_k(curve, features.k)
        path, table = selection.selection_path(method, encoded, y, {k})
    rules = [rows, folds] * sampled + lowered
    metrics = selection.selection_metrics(curve, all_scores, k, n) | ({"size_rules": record(rules)} if rules else {})
    figure = selection_curve_figure(curve, k, metrics["cv_score_all"], scoring, f"{method.name} + {estimator_name}: "
                                    f"{cv}-fold CV, selection refitted in each fold")

    write_json(paths.SELECTED, selection.selected_record(method, estimator_name, curve, k, n, path[k]))
    write_table(paths.FEATURE_TABLE, selection.feature_table(table, path[k]))
    write_table(paths.SELECTION_CURVE, curve)
    write_bytes(paths.SELECTION_CURVE_PNG, figure)
    write_json(paths.SELECTION_METRICS, metrics)
    print(f"select_features: kept {k} of {n} features (CV {scoring} {metrics['cv_score_selected']:.4f} vs "
          f"{metrics['cv_score_all']:.4f} with all) -> {paths.SELECTED}, {paths.SELECTION_CURVE_PNG}")


if __name__ == "__main__":
    run_stage("select_features", main)
