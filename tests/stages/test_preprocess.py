"""Stage preprocess: the stratified split, and preprocessing fitted on training rows only."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from stages import ingest, preprocess
from stages.common import paths
from stages.common.io import read_object
from stages.core.classes import positive_class
from stages.core.errors import PipelineError
from stages.core.tabular.preprocessing import build_preprocessor, feature_types, split
from tests.conftest import patients, run_fails, run_ok, set_params


def toy(n_per_class=(30, 20)):
    labels = np.repeat(["a", "b"], n_per_class)
    return pd.DataFrame({"x": np.arange(len(labels), dtype=float), "y": labels})


def test_split_is_seeded_and_stratified():
    frame = toy((60, 40))
    train, test = split(frame, "y", 0.2, seed=7, key="data.test_size")
    again, _ = split(frame, "y", 0.2, seed=7, key="data.test_size")
    other, _ = split(frame, "y", 0.2, seed=8, key="data.test_size")
    pd.testing.assert_frame_equal(train, again)
    assert not train.equals(other)
    assert len(test) == 20
    assert test["y"].value_counts().to_dict() == {"a": 12, "b": 8}
    assert set(train["x"]).isdisjoint(test["x"])


def test_test_size_too_small_for_a_class():
    with pytest.raises(PipelineError) as exc:
        split(toy((300, 20)), "y", 0.02, seed=0, key="data.test_size")
    assert "data.test_size = 0.02 leaves class 'b' with 0 row(s) in the test split" in str(exc.value)
    assert "raise data.test_size" in str(exc.value)


def test_test_size_too_large_for_a_class():
    with pytest.raises(PipelineError) as exc:
        split(toy((300, 20)), "y", 0.95, seed=0, key="data.test_size")
    assert "in the train split" in str(exc.value) and "lower data.test_size" in str(exc.value)


def test_class_too_rare_to_split_names_the_merge():
    with pytest.raises(PipelineError, match=r"class 'b' of 'y' has 2 row\(s\); every class needs at least 4 \(3 to "
                                            r"train on, 1 to test\).*data.merge_classes: \{b: <another class>\}"):
        split(toy((30, 2)), "y", 0.5, seed=0, key="data.test_size")


def test_a_rare_class_keeps_one_test_row_and_the_rest_for_training():
    train, test = split(toy((100, 4)), "y", 0.2, seed=0, key="data.test_size")  # rarer than wine's grade 3
    assert (train["y"] == "b").sum() == 3 and (test["y"] == "b").sum() == 1


def test_integer_classes_are_named_as_plain_numbers():
    frame = pd.DataFrame({"x": np.arange(32.0), "y": np.repeat([1, 2], [30, 2])})  # BUPA-style labels 1/2
    with pytest.raises(PipelineError) as exc:
        split(frame, "y", 0.5, seed=0, key="data.test_size")
    assert "class 2 of 'y' has 2 row(s)" in str(exc.value) and "np." not in str(exc.value)


@pytest.mark.parametrize(("wanted", "expected"), [(None, "b"), ("a", "a"), ("b", "b")])
def test_positive_class_defaults_to_the_rarer_one(wanted, expected):
    assert positive_class(wanted, toy((30, 20))["y"], key="data.positive_class") == expected


def test_feature_types_one_hot_text_and_booleans():
    frame = patients().assign(flag=[True, False] * 40)
    groups = feature_types(frame.drop(columns="outcome"))
    assert groups["number"] == ["age", "bmi"]
    assert groups["category"] == ["smoker", "region", "flag"] and groups["date"] == groups["text"] == []


@pytest.mark.parametrize("scale", ["standard", "minmax", "robust", "none"])
def test_scalers(scale):
    train = pd.DataFrame({"v": [1.0, 2.0, 3.0, 10.0]})
    out = build_preprocessor({"number": ["v"], "category": []}, scale, "median", None).fit_transform(train)["v"]
    expected = {
        "standard": (train.v - train.v.mean()) / train.v.std(ddof=0),
        "minmax": (train.v - 1) / 9,
        "robust": (train.v - 2.5) / (4.75 - 1.75),
        "none": train.v,
    }[scale]
    np.testing.assert_allclose(out, expected)


def test_unseen_category_and_missing_values_at_prediction_time():
    train = patients(40, seed=1).drop(columns="outcome")
    pre = build_preprocessor(feature_types(train), "standard", "median", None).fit(train)
    new = pd.DataFrame({"age": [np.nan], "bmi": [30.0], "smoker": [np.nan], "region": ["mars"]})
    row = pre.transform(new).iloc[0]
    assert row[[c for c in row.index if c.startswith("region_")]].sum() == 0  # unknown region: no column lit
    assert row[["smoker_no", "smoker_yes"]].sum() == 1  # gap filled with the training mode
    age = train.age.fillna(train.age.median())  # the scaler saw the imputed column
    assert row["age"] == pytest.approx((train.age.median() - age.mean()) / age.std(ddof=0))


def test_rare_categories_are_pooled():
    train = pd.DataFrame({"c": list("aaaabbbcd")})
    pre = build_preprocessor({"number": [], "category": ["c"]}, "none", "median", 3).fit(train)
    assert list(pre.get_feature_names_out()) == ["c_a", "c_b", "c_infrequent_sklearn"]


def test_stage_outputs_for_default_params(workdir):
    run_ok(ingest)
    run_ok(preprocess)
    train, test = pd.read_csv(paths.TRAIN), pd.read_csv(paths.TEST)
    assert (len(train), len(test)) == (455, 114)
    labels = json.loads(paths.LABELS.read_text())
    assert labels["classes"] == ["benign", "malignant"]
    assert labels["positive"] == "malignant"  # the rarer training class: what binary scores are about
    assert set(train["target"]) == {0, 1}
    metrics = json.loads(paths.PREPROCESS_METRICS.read_text())
    assert metrics == {
        "n_train": 455, "n_test": 114, "n_features": 30, "n_features_encoded": 30,
        "class_balance": {"train": {"benign": 285, "malignant": 170}, "test": {"benign": 72, "malignant": 42}},
    }


def test_preprocessing_is_fitted_on_training_rows_only(workdir, patients_csv):
    """The user-CSV acceptance check: imputer, encoder and scaler statistics come from the train split."""
    set_params(workdir, preprocess__impute="mean")
    run_ok(ingest)
    run_ok(preprocess)
    everything = pd.read_csv(paths.DATASET)
    train = pd.read_csv(paths.TRAIN)
    assert len(train) == 64 and len(pd.read_csv(paths.TEST)) == 16
    fitted = read_object(paths.PREPROCESSOR)
    numeric = fitted.named_transformers_["numeric"]
    categorical = fitted.named_transformers_["categorical"]

    means = train[["age", "bmi"]].mean()
    np.testing.assert_allclose(numeric["impute"].statistics_, means)
    assert not np.allclose(numeric["impute"].statistics_, everything[["age", "bmi"]].mean())

    imputed = train[["age", "bmi"]].fillna(means)
    np.testing.assert_allclose(numeric["scale"].mean_, imputed.mean())
    np.testing.assert_allclose(numeric["scale"].scale_, imputed.std(ddof=0))
    assert not np.allclose(numeric["scale"].scale_, everything[["age", "bmi"]].fillna(means).std(ddof=0))

    assert list(categorical["impute"].statistics_) == [train.smoker.mode()[0], train.region.mode()[0]]
    seen = [sorted(train.smoker.dropna().unique()), sorted(train.region.unique())]
    assert [list(c) for c in categorical["encode"].categories_] == seen

    labels = json.loads(paths.LABELS.read_text())
    assert labels == {"task": "classification", "target": "outcome", "target_transform": "none",
                      "classes": ["neg", "pos"], "positive": "pos", "numeric": ["age", "bmi"],
                      "categorical": ["smoker", "region"],
                      "ranges": {c: [train[c].min(), train[c].max()] for c in ("age", "bmi")}}  # training rows only
    assert set(train["outcome"]) == {0, 1}


def test_fitted_preprocessor_clones_into_a_cross_validated_pipeline(workdir, patients_csv):
    run_ok(ingest)
    run_ok(preprocess)
    train = pd.read_csv(paths.TRAIN)
    model = make_pipeline(clone(read_object(paths.PREPROCESSOR)), LogisticRegression())
    scores = cross_val_score(model, train.drop(columns="outcome"), train["outcome"], cv=4)
    assert scores.mean() > 0.6  # bmi drives the outcome, so the pipeline must learn something


def test_stage_is_deterministic(workdir, patients_csv):
    run_ok(ingest)
    outputs = [paths.TRAIN, paths.TEST, paths.PREPROCESSOR, paths.LABELS, paths.PREPROCESS_METRICS]
    run_ok(preprocess)
    first = [p.read_bytes() for p in outputs]
    run_ok(preprocess)
    assert [p.read_bytes() for p in outputs] == first


def test_seed_changes_the_split(workdir):
    run_ok(ingest)
    run_ok(preprocess)
    first = paths.TEST.read_bytes()
    set_params(workdir, seed=43)
    run_ok(preprocess)
    assert paths.TEST.read_bytes() != first


def test_stage_rejects_test_size_leaving_a_class_empty(workdir, capsys):
    run_ok(ingest)
    set_params(workdir, data__test_size=0.001)
    err = run_fails(preprocess, capsys)
    assert "data.test_size = 0.001" in err and "raise data.test_size" in err
    assert not paths.TRAIN.exists() and not paths.PREPROCESSOR.exists()


@pytest.mark.parametrize("dataset, rows, classes", [("iris", 150, 3), ("wine", 178, 3), ("digits", 1797, 10)])
def test_every_builtin_dataset_runs_through(workdir, dataset, rows, classes):
    set_params(workdir, data__dataset=dataset, preprocess__scale="minmax")
    run_ok(ingest)
    run_ok(preprocess)
    metrics = json.loads(paths.PREPROCESS_METRICS.read_text())
    assert metrics["n_train"] + metrics["n_test"] == rows
    assert metrics["n_test"] == pytest.approx(0.2 * rows, abs=1)
    for part in ("train", "test"):
        assert len(metrics["class_balance"][part]) == classes
    train = pd.read_csv(paths.TRAIN)
    transformed = read_object(paths.PREPROCESSOR).transform(train.drop(columns="target"))
    assert transformed.min().min() >= 0 and transformed.max().max() <= 1 + 1e-12
