"""Stage cluster: k chosen from the curves, centres in the original units, agreement with the labels, stability,
a table without a target, and every bad input the issue lists."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from stages import cluster, ingest, preprocess
from stages.common import paths
from stages.core.errors import PipelineError
from stages.core.tabular.clustering import by_size, centres, check_plan, cluster_rows, stability
from stages.core.tabular.preprocessing import build_preprocessor, feature_types
from tests.conftest import run_fails, run_ok, set_params

FAST = {"cluster__n_init": 3, "cluster__bootstrap": 3}


def blobs_csv(workdir, n=600, centers=4, seed=7, with_truth=False):
    X, truth = make_blobs(n_samples=n, centers=centers, n_features=5, cluster_std=1.0, random_state=seed)
    frame = pd.DataFrame(X * [1, 10, 100, 0.1, 1], columns=[f"x{i}" for i in range(5)])  # mixed units
    if with_truth:
        frame["blob"] = [f"b{t}" for t in truth]
    frame.to_csv(workdir / "data/raw/tables/blobs.csv", index=False)
    set_params(workdir, data__csv="data/raw/tables/blobs.csv", data__target="blob" if with_truth else None, **FAST)


def metrics():
    return json.loads(paths.CLUSTER_METRICS.read_text())


@pytest.mark.parametrize("method", ["kmeans", "minibatch_kmeans", "agglomerative", "gaussian_mixture"])
def test_auto_recovers_the_number_of_blobs_in_a_table_without_labels(workdir, capsys, method):
    blobs_csv(workdir)
    set_params(workdir, cluster__method=method, cluster__k_range=[2, 8])
    run_ok(ingest)
    run_ok(cluster)
    found = metrics()
    assert (found["k"], found["k_best_silhouette"]) == (4, 4)
    assert found["stability_ari"] > 0.95 and found["silhouette"] > 0.6
    assert "adjusted_rand" not in found  # nothing to compare with
    curve = pd.read_csv(paths.CLUSTER_CURVES)
    assert list(curve["k"]) == list(range(2, 9))
    assert curve["inertia"].is_monotonic_decreasing  # the elbow only falls: why auto reads the silhouette
    assignments = pd.read_csv(paths.CLUSTER_ASSIGNMENTS)
    assert len(assignments) == 600 and sorted(assignments["cluster"].unique()) == [0, 1, 2, 3]
    out = capsys.readouterr().out
    assert f"cluster: {method}, k=4 (auto: the best silhouette)" in out
    assert "k=8" not in out  # no line per k: curves.png shows them


def test_clusters_match_a_class_column_that_is_never_a_feature(workdir):
    blobs_csv(workdir, with_truth=True)
    run_ok(ingest)
    run_ok(cluster)
    found = metrics()
    assert found["features"] == 5 and found["adjusted_rand"] == pytest.approx(1.0)
    sizes = pd.read_csv(paths.CLUSTER_SIZES)
    assert list(sizes.columns) == ["cluster", "rows", "share", "b0", "b1", "b2", "b3"]
    contingency = sizes[["b0", "b1", "b2", "b3"]].to_numpy()
    assert (contingency > 0).sum(axis=1).tolist() == [1, 1, 1, 1]  # each cluster holds one blob
    assert "blob" not in pd.read_csv(paths.CLUSTER_CENTRES).columns


def test_iris_with_k_3_matches_the_species_though_the_silhouette_prefers_2(workdir, capsys):
    set_params(workdir, data__dataset="iris", cluster__k=3, cluster__k_range=[2, 4], cluster__bootstrap=3)  # n_init 10
    run_ok(ingest)
    run_ok(cluster)
    found = metrics()
    assert found["k"] == 3 and found["adjusted_rand"] >= 0.6 and found["normalized_mutual_info"] >= 0.6
    assert found["k_best_silhouette"] == 2  # setosa apart, versicolor and virginica overlap: the README's point
    sizes = pd.read_csv(paths.CLUSTER_SIZES)
    assert sizes[["setosa", "versicolor", "virginica"]].to_numpy().sum() == 150
    assert (sizes["setosa"] == 50).any()  # setosa is one cluster of its own
    assert sizes["rows"].is_monotonic_decreasing  # cluster 0 is the largest
    figure = paths.CLUSTER_CURVES_PNG.read_bytes()
    assert figure.startswith(b"\x89PNG") and paths.CLUSTER_SCATTER_PNG.read_bytes().startswith(b"\x89PNG")
    assert "adjusted Rand 0.6" in capsys.readouterr().out


def test_same_params_give_byte_identical_outputs(workdir):
    set_params(workdir, data__dataset="wine", cluster__k_range=[2, 4], **FAST)
    run_ok(ingest)
    outputs = [paths.CLUSTER_METRICS, paths.CLUSTER_CURVES, paths.CLUSTER_CENTRES, paths.CLUSTER_SIZES,
               paths.CLUSTER_ASSIGNMENTS, paths.CLUSTER_CURVES_PNG, paths.CLUSTER_SCATTER_PNG]
    runs = []
    for _ in range(2):
        run_ok(cluster)
        runs.append([p.read_bytes() for p in outputs])
    assert runs[0] == runs[1]


def two_groups(n=60, seed=0):
    """Height in cm (noise, wide spread) and eyesight in tenths (the groups, a small spread)."""
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1], n // 2)
    return pd.DataFrame({
        "height_cm": rng.normal(170, 10, n),
        "eyesight": np.where(group == 0, 0.3, 0.9) + rng.normal(0, 0.05, n),
        "glasses": np.where(group == 0, "yes", "no"),
    }), group


def encode(frame, scale="standard"):
    groups = feature_types(frame)
    preprocessor = build_preprocessor(groups, scale, "median", None)
    return preprocessor, preprocessor.fit_transform(frame), groups["number"]


def test_centres_are_each_clusters_mean_row_in_the_original_units():
    frame, _ = two_groups()
    preprocessor, X, numeric = encode(frame)
    labels = cluster_rows(X.to_numpy(), "kmeans", 2, 5, 0, key="cluster.method")
    table = centres(preprocessor, X, labels, numeric)
    expected = frame[numeric].groupby(labels).mean()
    np.testing.assert_allclose(table[numeric], expected, rtol=1e-3)  # 4 significant digits
    assert sorted(table["glasses_yes"]) == [0.0, 1.0]  # a one-hot column: the share of the cluster's rows
    assert list(table["cluster"]) == [0, 1]


def test_scaling_keeps_a_feature_in_centimetres_from_drowning_one_in_tenths():
    from sklearn.metrics import adjusted_rand_score

    frame, group = two_groups(n=200)
    frame = frame.drop(columns="glasses")
    found = {scale: adjusted_rand_score(group, cluster_rows(encode(frame, scale)[1].to_numpy(), "kmeans", 2, 5, 0,
                                                          key="cluster.method"))
             for scale in ("standard", "none")}
    assert found["standard"] > 0.9 and found["none"] < 0.2


def test_clusters_are_numbered_by_size_largest_first():
    assert by_size(np.array([2, 2, 0, 1, 1, 1])).tolist() == [1, 1, 2, 0, 0, 0]


KMEANS_5 = SimpleNamespace(method="kmeans", n_init=3, bootstrap=5)  # the cluster section: 5 resamples


def test_stability_is_near_one_for_real_groups_and_lower_for_noise():
    X, _ = make_blobs(n_samples=300, centers=3, n_features=4, random_state=1)
    labels = cluster_rows(X, "kmeans", 3, 3, 0, key="cluster.method")
    assert stability(X, labels, 3, KMEANS_5, 0)[0] > 0.98
    noise = np.random.default_rng(0).uniform(size=(300, 8))
    noisy = cluster_rows(noise, "kmeans", 6, 3, 0, key="cluster.method")
    assert stability(noise, noisy, 6, KMEANS_5, 0)[0] < 0.8


def test_a_k_outside_the_range_is_fitted_and_bootstrap_0_skips_the_stability_score(workdir):
    set_params(workdir, data__dataset="iris", cluster__k=4, cluster__k_range=[2, 3], cluster__bootstrap=0,
               cluster__n_init=2)
    run_ok(ingest)
    run_ok(cluster)
    assert "stability_ari" not in metrics() and (metrics()["k"], metrics()["k_best_silhouette"]) == (4, 2)
    assert list(pd.read_csv(paths.CLUSTER_CURVES)["k"]) == [2, 3]
    assert len(pd.read_csv(paths.CLUSTER_CENTRES)) == 4


def test_agglomerative_refuses_a_table_too_large_for_its_distances():
    big = pd.DataFrame({"x": np.arange(20_001.0)})
    with pytest.raises(PipelineError, match="agglomerative' keeps a distance for every pair of rows, too many for "
                                            "20001 rows"):
        check_plan("auto", [2, 5], "agglomerative", big, section="cluster")
    assert check_plan(3, [2, 5], "kmeans", big, section="cluster").k == 3


# Bad input: one line each, naming the key or the column


@pytest.mark.parametrize("overrides, message", [
    ({"cluster__k": 1}, "`cluster.k` = 1: choose a number of clusters >= 2, or auto"),
    ({"cluster__k": 200}, "cluster.k asks for 200 clusters of 150 rows; kmeans needs fewer clusters than rows "
                          "(at most 149): set cluster.k: 149"),
    ({"cluster__k_range": []}, "`cluster.k_range` = []: give [low, high]"),
    ({"cluster__k_range": [10, 2]}, "(k from 10 to 2 is reversed)"),
    ({"cluster__k_range": [1, 5]}, "(k from 1 to 5 is below 2)"),
    ({"cluster__k_range": [2, 150]}, "cluster.k_range asks for 150 clusters of 150 rows"),
    ({"cluster__method": "dbscan"}, "`cluster.method` = 'dbscan' is not allowed; choose one of kmeans, "
                                    "minibatch_kmeans, agglomerative or gaussian_mixture"),
])
def test_bad_cluster_params_are_one_line(workdir, capsys, overrides, message):
    set_params(workdir, data__dataset="iris")
    run_ok(ingest)
    set_params(workdir, **overrides)  # every stage checks the params: ingest would stop too
    assert message in run_fails(cluster, capsys)


def small_csv(workdir, frame, **overrides):
    frame.to_csv(workdir / "data/raw/tables/small.csv", index=False)
    set_params(workdir, data__csv="data/raw/tables/small.csv", data__target=None, **overrides)
    run_ok(ingest)


def test_gaussian_mixture_with_more_components_than_rows(workdir, capsys):
    small_csv(workdir, pd.DataFrame({"a": np.arange(8.0), "b": np.arange(8.0) ** 2}),
              cluster__method="gaussian_mixture", cluster__k=10, cluster__k_range=[2, 4])
    assert ("cluster.k asks for 10 components of 8 rows; gaussian_mixture needs fewer components than rows (at most "
            "7)") in run_fails(cluster, capsys)


def test_one_numeric_column_without_variance(workdir, capsys):
    small_csv(workdir, pd.DataFrame({"x": [3.0] * 30}))
    assert ("column 'x' holds 3.0 in every row: no feature varies, so every row is alike and there is nothing to "
            "cluster") in run_fails(cluster, capsys)


def test_fewer_distinct_rows_than_clusters(workdir, capsys):
    small_csv(workdir, pd.DataFrame({"x": [1.0, 2.0, 3.0] * 10}), cluster__k_range=[2, 5])
    assert "cluster.k_range asks for 5 clusters, but the table has only 3 distinct rows" in run_fails(cluster, capsys)


def test_a_table_without_target_is_ingested_and_the_supervised_stages_say_they_need_one(workdir, capsys):
    set_params(workdir, data__dataset="iris", data__target=None)
    run_ok(ingest)
    report = json.loads(paths.PROFILE.read_text())
    assert report["task"] is None and report["columns"] == 4 and "class_balance" not in report
    assert "only the cluster stage runs" in capsys.readouterr().out
    message = run_fails(preprocess, capsys)
    assert "data.target is null (a table without labels)" in message and "dvc repro cluster" in message


def test_a_task_without_a_target_is_one_line(workdir, capsys):
    set_params(workdir, data__dataset="iris", data__target=None, data__task="classification")
    assert ("data.task = 'classification' needs a target, but data.target is null"
            in run_fails(ingest, capsys))
