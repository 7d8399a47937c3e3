"""The decisions that used to live in the stages' main(), now core functions: each checked on tiny, hand-made
inputs, so a change in a rule fails here before it changes a pipeline's output."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from stages.core.errors import PipelineError
from stages.core.evaluation import classifier_metrics, metric_numbers, positive_class, positive_code
from stages.core.images.folders import folder_problems
from stages.core.images.results import image_model_outputs
from stages.core.images.transfer_plan import plan_transfer
from stages.core.tabular.clustering import Plan, fit_range, without_text
from stages.core.tabular.comparison import comparison_result, plan_comparison, summarize, verdict
from stages.core.tabular.dense_plan import TargetScale, network_target, versus
from stages.core.tabular.models import final_model
from stages.core.tabular.preprocessing import check_positive_for_task, check_target, training_labels
from stages.core.tabular.selection import check_selection, feature_table, selection_metrics
from stages.core.tabular.sizing import sized_estimator
from stages.core.tabular.tasks import TASKS
from stages.core.tabular.tuning import run_search, search_candidates, tuning_metrics, tuning_record
from stages.io import write_files


def fold_table(a: list[float], b: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"model": ["a"] * len(a) + ["b"] * len(b), "accuracy": a + b, "repeat": 1,
                         "fold": [*range(1, len(a) + 1), *range(1, len(b) + 1)], "fit_time": 0.1})


def test_comparison_plan_resolves_auto_and_names_its_section_in_errors():
    task = TASKS["classification"]
    plan = plan_comparison(task, 300, "auto", "auto", "auto", "auto", "auto", True, section="compare")
    assert plan.models == list(task.models) and plan.metrics[0] == "accuracy" and plan.sort_by == "accuracy"
    assert (plan.folds, plan.repeats) == (10, 3) and [d.rule for d in plan.decisions] == ["folds", "repeats"]
    large = plan_comparison(task, 60_000, "auto", ["f1"], "f1", 5, 1, True, section="compare")
    assert "knn" not in large.models and large.metrics == ["accuracy", "f1"] and (large.folds, large.repeats) == (5, 1)
    assert "knn" in plan_comparison(task, 60_000, "auto", "auto", "auto", 5, 1, False, section="compare").models
    with pytest.raises(PipelineError, match=r"^mine.sort_by has \['r2'\], which do not score classification"):
        plan_comparison(task, 300, "auto", "auto", "r2", "auto", "auto", True, section="mine")


def test_comparison_result_tests_the_winner_against_the_runner_up():
    clear = fold_table([0.9, 0.92, 0.91, 0.93], [0.7, 0.72, 0.71, 0.69])
    table = summarize(clear, ["accuracy"], "accuracy")
    result = comparison_result(clear, table, "accuracy", folds=4)
    assert result["winner"]["accuracy"] == pytest.approx(0.915) and list(result["cv_accuracy"]) == ["a", "b"]
    assert result["winner_vs_runner_up"]["difference"] == pytest.approx(0.21)
    assert result["winner_vs_runner_up"]["p_value"] < 0.05
    assert verdict(result, ["a", "b"], "accuracy").startswith("winner a (accuracy 0.9150); vs b: p = ")
    close = fold_table([0.9, 0.8, 0.91, 0.79], [0.85, 0.84, 0.86, 0.83])
    result = comparison_result(close, summarize(close, ["accuracy"], "accuracy"), "accuracy", folds=4)
    assert verdict(result, ["b", "a"], "accuracy").endswith("(not a significant difference)")
    alone = fold_table([0.9, 0.8], [])
    assert "winner_vs_runner_up" not in comparison_result(alone, summarize(alone, ["accuracy"], "accuracy"),
                                                          "accuracy", folds=2)


def test_sized_estimator_applies_the_size_rules_only_when_asked():
    _, decisions = sized_estimator("random_forest", 0, "compare.models", "classification", 60_000, True)
    assert [d.rule for d in decisions] == ["random_forest"]
    forest, decisions = sized_estimator("random_forest", 0, "compare.models", "classification", 60_000, False)
    assert decisions == [] and forest.max_samples is None
    with pytest.raises(PipelineError, match="tune.model"):
        sized_estimator("no_such_model", 0, "tune.model", "classification", 100, True)


def toy_rows(n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    return X, (X["a"] + 0.3 * rng.normal(size=n) > 0).astype(int).to_numpy()


def test_search_candidates_count_the_space_and_say_how_k_is_searched():
    selected = {"method": {"name": "chi2"}, "k": 2, "k_best": 3, "k_all": 5}
    space, candidates, notes = search_candidates({"logistic_regression": {"C": [0.1, 1.0]}}, "logistic_regression",
                                                 LogisticRegression(), "grid", "classification", "auto", selected, 5,
                                                 10, 50, section="tune")
    assert space["select__k"] == [2, 3, 5] and candidates == 6
    assert notes == ["tune.k = auto: k searched over [2, 3, 5] (select_features' 2, the curve's best 3, all 5): the "
                     "winner is not held to the curve estimator's choice"]
    with pytest.raises(PipelineError, match="tune.max_candidates = 4"):
        search_candidates({"logistic_regression": {"C": [0.1, 1.0]}}, "logistic_regression", LogisticRegression(),
                          "grid", "classification", "auto", selected, 5, 10, 4, section="tune")


def test_the_search_keeps_the_tuned_model_only_when_it_beats_the_untuned_one():
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline

    X, y = toy_rows()
    pipeline = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    searched = run_search("grid", pipeline, {"model__C": [1e-4, 1.0]}, cv, "accuracy", 10, 1, 0, X, y)
    assert searched.best == pytest.approx(searched.search.best_score_)
    assert searched.tuned_wins == (searched.best > searched.untuned)
    record = tuning_record("logistic_regression", "grid", searched, "model__", ["a", "b"])
    assert set(record["best_params"]) == {"C"} and record["kept"] in ("tuned", "untuned (tuning did not beat the "
                                                                                 "defaults)")
    metrics = tuning_metrics(searched, {"search": "grid"})
    assert metrics["improvement"] == pytest.approx(searched.best - searched.untuned) and metrics["n_candidates"] == 2
    saved = final_model(pipeline, ["neg", "pos"], X, y, classifies=True)
    assert set(saved.predict(X)) <= {"neg", "pos"}


def test_selection_checks_name_their_section_and_metrics_read_the_nearest_size():
    X, y = toy_rows()
    with pytest.raises(PipelineError, match=r"^feats.method = 'chi2' tests class counts"):
        check_selection("chi2", "linear_regression", None, 1, X, y.astype(float), "regression", 0, section="feats")
    with pytest.raises(PipelineError, match=r"^feats.k = 3 but the training data has 2 features"):
        check_selection("f_test", "logistic_regression", LogisticRegression(), 3, X, y, "classification", 0,
                        section="feats")
    curve = pd.DataFrame({"n_features": [1, 2, 4], "cv_score": [0.6, 0.7, 0.8], "cv_std": [0.1, 0.2, 0.3]})
    metrics = selection_metrics(curve, np.array([0.8, 0.9]), k=3, n=4)  # k=3 was not scored: read at 2
    assert (metrics["cv_score_selected"], metrics["cv_score_selected_std"]) == (0.7, 0.2)
    assert metrics["cv_score_all"] == pytest.approx(0.85)
    table = feature_table(pd.DataFrame({"score": [3.0, 1.0, 2.0]}, index=["x", "y", "z"]), ["z", "x"])
    assert table["selected"].tolist() == [True, False, True] and table["selection_order"].tolist()[::2] == [2, 1]


def test_training_labels_and_the_target_checks():
    features = pd.DataFrame({"age": [30, 50, 70], "city": ["a", "b", "a"]})
    groups = {"number": ["age"], "category": ["city"], "date": [], "text": []}
    labels = training_labels(features, "sick", "classification", "none", groups, {}, ["no", "yes"], "yes")
    assert labels["ranges"] == {"age": [30.0, 70.0]} and labels["positive"] == "yes" and "date" not in labels
    with pytest.raises(PipelineError, match=r"^data.target is null"):
        check_target(None, ["a"], "data/interim/dataset.csv", key="data.target")
    with pytest.raises(PipelineError, match=r"^data/interim/dataset.csv has no column 'sick'"):
        check_target("sick", ["a"], "data/interim/dataset.csv", key="data.target")
    with pytest.raises(PipelineError, match="applies to classification, but the task is regression"):
        check_positive_for_task("high", "regression", key="data.positive_class")


def test_one_positive_code_for_tables_and_images():
    assert positive_code(["benign", "malignant"], "malignant") == 1 and positive_code(["a", "b", "c"], None) is None
    assert positive_code([0, 1], "1") == 1  # labels.json may hold numbers, the positive class as text
    names = np.take(["NORMAL", "PNEUMONIA"], [0, 0, 0, 1])
    assert positive_class(None, names, key="images.positive_class") == "PNEUMONIA"


def test_network_targets_weights_and_the_difference_from_the_tuned_model():
    y = np.array([0, 0, 0, 1, 0, 1])
    target, sample, scale = network_target(y, np.arange(6), "classification", ["a", "b"], "balanced", "none",
                                           key="dnn.class_weight")
    assert scale is None and target is y and sample.dtype == np.float32
    assert sample[y == 1].sum() == pytest.approx(sample[y == 0].sum())  # each class weighs alike
    values = np.array([1.0, 2.0, 3.0, 10.0])
    target, sample, scale = network_target(values, np.arange(3), "regression", [], "none", "none", key="k")
    assert sample is None and scale == TargetScale(2.0, pytest.approx(0.8165, abs=1e-4), False)
    assert scale.inverse(target[:, 0]) == pytest.approx(values)
    assert versus({"r2": 0.5, "rmse": 3.0, "epochs": 7}, {"r2": 0.6, "rmse": 2.5}) == {
        "r2": pytest.approx(-0.1), "rmse": pytest.approx(0.5)}


def test_clustering_fits_the_range_and_uses_its_fit_for_the_chosen_k():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (20, 2))])
    steps = []
    found = fit_range(X, "kmeans", Plan([2, 3], None), 3, 0, lambda: steps.append(1))
    assert (found.k, found.best, len(steps)) == (2, 2, 2) and len(found.curve) == 2
    assert found.curve["silhouette"].iloc[0] > 0.9
    outside = fit_range(X, "kmeans", Plan([2, 3], 4), 3, 0, lambda: steps.append(1))
    assert outside.k == 4 and len(set(outside.labels)) == 4 and len(steps) == 5  # one more fit
    groups, note = without_text({"number": ["a"], "text": ["comment"]})
    assert groups["text"] == [] and "left out the many-valued text column(s) ['comment']" in note
    assert without_text({"number": ["a"], "text": []})[1] == ""


def test_folder_problems_are_warnings_or_under_strict_the_first_one_as_an_error():
    loose = [f"img{i}.png" for i in range(7)]
    warnings = folder_problems(["EMPTY/"], loose, False, key="images.strict")
    assert warnings[0].startswith("skipped class folder EMPTY/ holds no image files")
    assert warnings[1] == ("skipped 7 image file(s) lie beside the class folders and belong to no class: img0.png, "
                           "img1.png, img2.png, img3.png, img4.png and 2 more")
    with pytest.raises(PipelineError, match=r"EMPTY/ .* remove it \(images.strict: false skips it\)"):
        folder_problems(["EMPTY/"], loose, True, key="images.strict")
    assert folder_problems([], [], True, key="images.strict") == []


def test_an_image_models_outputs_by_role():
    y, predicted = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    outputs = image_model_outputs({"classes": ["cat", "dog", "fox"], "image_size": 16}, ["cat", "dog"], 1, 0.5,
                                  {"test_accuracy": 0.75}, y, predicted, probabilities, b"png", "title")
    assert set(outputs) == {"labels", "metrics", "per_class", "confusion", "roc", "curves_png", "confusion_png"}
    assert outputs["labels"] == {"classes": ["cat", "dog"], "image_size": 16, "positive": "dog", "threshold": 0.5}
    assert outputs["confusion"]["predicted"].tolist() == ["cat", "dog", "cat", "cat"]
    assert outputs["confusion_png"].startswith(b"\x89PNG") and outputs["per_class"]["dog"]["recall"] == 0.5


def test_plan_transfer_names_its_section_and_returns_its_notes():
    y = np.repeat(np.arange(4), [3, 30, 30, 30])
    plan = plan_transfer(["a", "b", "c", "d"], y, 16, 0, backbone="pipeline", weights="imagenet",
                         source_classes=["c", "d"], samples_per_class=5, requested_size=None, blocks=2,
                         threshold=0.5, class_weight="none", wanted_positive=None, section="tl",
                         positive_key="images.positive_class")
    assert plan.names == ["a", "b"] and plan.notes == [
        "fewer training images than tl.pipeline.target_samples_per_class = 5, all used: a 3"]
    assert np.bincount(plan.y).tolist() == [3, 5] and plan.positive == 0  # the rarer class
    with pytest.raises(PipelineError, match=r"^tl.weights = 'w.h5': a weights file needs a keras.applications"):
        plan_transfer(["a", "b", "c", "d"], y, 16, 0, backbone="pipeline", weights="w.h5", source_classes="auto",
                      samples_per_class=None, requested_size=None, blocks=2, threshold=0.5, class_weight="none",
                      wanted_positive=None, section="tl", positive_key="images.positive_class")


def test_classifier_metrics_add_average_precision_and_files_are_written_by_content(tmp_path):
    y, scores = np.array([0, 1, 1, 0]), np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    metrics = classifier_metrics(y, scores.argmax(axis=1), scores, ["a", "b"], 1)
    assert metrics["average_precision"] == pytest.approx(1.0) and "per_class" in metrics
    write_files({tmp_path / "m.json": {"b": 1, "a": True}, tmp_path / "t.csv": pd.DataFrame({"x": [1]}),
                 tmp_path / "p.png": b"\x89PNG"})
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": True, "b": 1}
    assert (tmp_path / "t.csv").read_text() == "x\n1\n" and (tmp_path / "p.png").read_bytes() == b"\x89PNG"
    assert metric_numbers({"a": {"b": 1.5, "kept": True}, "c": "text", "d": 2}) == {"a.b": 1.5, "d": 2}
