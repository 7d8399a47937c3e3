"""Stage cluster: groups in ingest's table without using labels, beside the supervised stages.

The features go through preprocess's definition (imputation, one-hot encoding, scaling: a feature in
centimetres must not drown one in tenths), fitted on all rows, since clustering has no held-out split. The
target, when the table has one, is never a feature: it only scores how far the clusters match the classes.
Every k in `cluster.k_range` is fitted and scored (the elbow and the silhouette); `cluster.k: auto` takes
the best silhouette.
"""

from __future__ import annotations

from stages.common import paths
from stages.common.io import read_json, read_table, write_bytes, write_json, write_table
from stages.common.runner import run_stage
from stages.core.progress import bar
from stages.core.tabular import clustering
from stages.core.tabular.cluster_plots import curves_figure, scatter_figure
from stages.core.tabular.datasets import detect_task
from stages.core.tabular.preprocessing import build_preprocessor, check_target, feature_types
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "data", "preprocess", "cluster"))
    target, cluster, seed, preprocess = params.data.target, params.cluster, params.seed, params.preprocess
    table = read_table(paths.DATASET)
    if target is not None:
        check_target(target, table.columns, str(paths.DATASET), key="data.target")
    features = table.drop(columns=target) if target else table
    task = target and detect_task(table[target], params.data.task, target, str(paths.DATASET), section="data")[0]
    clustering.check_variation(features, str(paths.DATASET))
    groups, note = clustering.without_text(feature_types(features, read_json(paths.COLUMNS)))
    if note:
        print(f"note: cluster: {note}", flush=True)
    preprocessor = build_preprocessor(groups, preprocess.scale, preprocess.impute, preprocess.max_categories, seed)
    encoded = preprocessor.fit_transform(features)  # all rows: there is no held-out split to protect
    plan = clustering.check_plan(cluster.k, cluster.k_range, cluster.method, encoded, section="cluster")
    X = encoded.to_numpy(dtype=float)

    with bar(len(plan.ks) + cluster.bootstrap + (plan.k is not None and plan.k not in plan.ks), "cluster") as fits:
        found = clustering.fit_range(X, cluster.method, plan, cluster.n_init, seed, fits.update, key="cluster.method")
        size = clustering.sizes(found.labels, table[target] if target else None, task)
        metrics = {"k": found.k, "k_best_silhouette": found.best, "rows": len(X), "features": X.shape[1],
                   **found.scores, "smallest_cluster_share": float(size["share"].min())}
        if cluster.bootstrap:
            metrics["stability_ari"], metrics["stability_ari_std"] = clustering.stability(
                X, found.labels, found.k, cluster, seed, step=fits.update)
    if task == "classification":
        metrics |= clustering.agreement(table[target], found.labels)

    chosen_by = "auto: the best silhouette" if plan.k is None else "cluster.k"
    about = f"{cluster.method}, k={found.k} ({chosen_by}), {len(X)} rows x {X.shape[1]} encoded features"
    write_table(paths.CLUSTER_ASSIGNMENTS, table.assign(**{"cluster" if "cluster" not in table.columns
                                                           else "cluster_id": found.labels}))
    write_table(paths.CLUSTER_CURVES, found.curve)
    write_table(paths.CLUSTER_CENTRES, clustering.centres(preprocessor, encoded, found.labels, groups["number"]))
    write_table(paths.CLUSTER_SIZES, size)
    write_bytes(paths.CLUSTER_CURVES_PNG, curves_figure(found.curve, found.k, found.best, about))
    write_bytes(paths.CLUSTER_SCATTER_PNG, scatter_figure(
        X, found.labels, table[target].astype(str).to_numpy() if task == "classification" else None, seed, about))
    write_json(paths.CLUSTER_METRICS, metrics)
    matched = f", adjusted Rand {metrics['adjusted_rand']:.3f} vs {target!r}" if task == "classification" else ""
    steady = f", clustering.stability {metrics['stability_ari']:.3f}" if cluster.bootstrap else ""
    print(f"cluster: {about}: silhouette {metrics['silhouette']:.4f}{steady}{matched}, clustering.sizes "
          f"{'/'.join(map(str, size['rows']))} -> {paths.CLUSTER_CENTRES}, {paths.CLUSTER_SCATTER_PNG.parent}/")


if __name__ == "__main__":
    run_stage("cluster", main)
