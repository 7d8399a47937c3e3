"""Stage cluster: groups in ingest's table without using labels, beside the supervised stages.

The features go through preprocess's definition (imputation, one-hot encoding, scaling: a feature in
centimetres must not drown one in tenths), fitted on all rows, since clustering has no held-out split. The
target, when the table has one, is never a feature: it only scores how far the clusters match the classes.
Every k in `cluster.k_range` is fitted and scored (the elbow and the silhouette); `cluster.k: auto` takes
the best silhouette.
"""

from __future__ import annotations

import sys

import pandas as pd

from stages import paths
from stages.core.cluster_plots import curves_figure, scatter_figure
from stages.core.clustering import (
    agreement, best_silhouette, centres, check_plan, check_variation, cluster_rows, scores, sizes, stability,
)
from stages.core.datasets import detect_task
from stages.core.errors import PipelineError
from stages.core.preprocessing import build_preprocessor, feature_types
from stages.core.progress import bar
from stages.io import read_json, read_table, write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    target, method, seed, pre = params.data.target, params.cluster.method, params.seed, params.preprocess
    table = read_table(paths.DATASET)
    source = str(paths.DATASET)
    if target is not None and target not in table.columns:
        raise PipelineError(f"{source} has no column {target!r}; re-run ingest (dvc repro)")
    features = table.drop(columns=target) if target else table
    task = detect_task(table[target], params.data.task, target, source, section="data")[0] if target else None
    check_variation(features, source)
    groups = feature_types(features, read_json(paths.COLUMNS))
    if groups["text"]:  # target encoding needs labels
        print(f"note: cluster: left out the many-valued text column(s) {groups['text']}: without labels they have "
              "no encoding that measures distance", flush=True)
        groups["text"] = []
    preprocessor = build_preprocessor(groups, pre.scale, pre.impute, pre.max_categories, seed)
    encoded = preprocessor.fit_transform(features)  # all rows: there is no held-out split to protect
    plan = check_plan(params.cluster.k, params.cluster.k_range, method, encoded)
    X = encoded.to_numpy(dtype=float)

    rows, labels_at = [], {}
    fits = bar(len(plan.ks) + params.cluster.bootstrap + (plan.k is not None and plan.k not in plan.ks), "cluster")
    for k in plan.ks:
        labels_at[k] = cluster_rows(X, method, k, params.cluster.n_init, seed)
        rows.append({"k": k, **scores(X, labels_at[k], seed)})
        fits.write(f"cluster: {method} k={k}: silhouette {rows[-1]['silhouette']:.4f}, "
                   f"inertia {rows[-1]['inertia']:.6g}", file=sys.stdout)
        fits.update()
    curve = pd.DataFrame(rows)
    best = best_silhouette(curve)
    k = plan.k or best
    if k in labels_at:  # fitted and scored for the curve already
        labels, chosen = labels_at[k], {name: v for name, v in rows[plan.ks.index(k)].items() if name != "k"}
    else:
        labels = cluster_rows(X, method, k, params.cluster.n_init, seed)
        chosen = scores(X, labels, seed)
        fits.update()
    metrics = {"k": k, "k_best_silhouette": best, "rows": len(X), "features": X.shape[1], **chosen}
    size = sizes(labels, table[target] if target else None, task)
    metrics["smallest_cluster_share"] = float(size["share"].min())
    if params.cluster.bootstrap:
        metrics["stability_ari"], metrics["stability_ari_std"] = stability(
            X, labels, method, k, params.cluster.n_init, seed, params.cluster.bootstrap, step=fits.update)
    fits.close()
    if task == "classification":
        metrics |= agreement(table[target], labels)

    chosen_by = "auto: the best silhouette" if plan.k is None else "cluster.k"
    about = f"{method}, k={k} ({chosen_by}), {len(X)} rows x {X.shape[1]} encoded features"
    assignments = table.assign(**{"cluster" if "cluster" not in table.columns else "cluster_id": labels})
    write_table(paths.CLUSTER_ASSIGNMENTS, assignments)
    write_table(paths.CLUSTER_CURVES, curve)
    write_table(paths.CLUSTER_CENTRES, centres(preprocessor, encoded, labels, groups["number"]))
    write_table(paths.CLUSTER_SIZES, size)
    write_bytes(paths.CLUSTER_CURVES_PNG, curves_figure(curve, k, best, about))
    write_bytes(paths.CLUSTER_SCATTER_PNG, scatter_figure(
        X, labels, table[target].astype(str).to_numpy() if task == "classification" else None, seed, about))
    write_json(paths.CLUSTER_METRICS, metrics)
    matched = (f", adjusted Rand {metrics['adjusted_rand']:.3f} vs {target!r}" if task == "classification" else "")
    steady = f", stability {metrics['stability_ari']:.3f}" if params.cluster.bootstrap else ""
    print(f"cluster: {about}: silhouette {metrics['silhouette']:.4f}{steady}{matched}, sizes "
          f"{'/'.join(map(str, size['rows']))} -> {paths.CLUSTER_CENTRES}, {paths.CLUSTER_SCATTER_PNG.parent}/")


if __name__ == "__main__":
    run_stage("cluster", main)
