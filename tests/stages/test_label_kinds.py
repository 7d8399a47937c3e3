"""Every kind of label through the whole tabular chain, as a user's CSV writes it: ingest -> preprocess ->
select_features -> compare_models (with voting and stacking) -> tune -> bias_variance -> evaluate -> summary ->
serve.predict. Predictions come back as the labels the file holds: `1`, not `'1'` or `1.0`; `True`; `양성`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from serve.app import create_app
from stages import bias_variance, compare_models, evaluate, ingest, preprocess, select_features, summary, tune
from stages.common import paths
from stages.common.io import read_json, read_object, read_table
from tests.conftest import REPO, run_stages

N = 160


def table(kind: str) -> pd.DataFrame:
    """Two informative numbers, a category, and a target of the kind named (seeded)."""
    rng = np.random.default_rng(7)
    x1, x2 = rng.normal(0, 1, N), rng.normal(0, 1, N)
    score = x1 + 0.5 * x2 + rng.normal(0, 0.5, N)
    sick = score > 0.3
    targets = {
        "binary 0/1": sick.astype(int),
        "binary 1/2": np.where(sick, 2, 1),
        "bool": sick,
        "text with spaces": np.where(sick, "has disease", "healthy"),
        "Korean text": np.where(sick, "양성", "음성"),
        "integer regression": (score * 10 + 50).round().astype(int),
    }
    if kind == "grades with a rare class":  # like wine quality: 3..8, grade 3 rarer than the default folds
        y = np.digitize(score, [-0.9, -0.3, 0.4, 1.1]) + 4
        y[np.argsort(score)[:8]] = 3  # 8 rows: 7 for training, fewer than 10 folds
        targets[kind] = y
    return pd.DataFrame({"x1": x1.round(3), "x2": x2.round(3), "colour": rng.choice(["red", "blue", "green"], N),
                         "y": targets[kind]})


KINDS = ["binary 0/1", "binary 1/2", "bool", "grades with a rare class", "text with spaces", "Korean text",
         "integer regression"]
WRITTEN = {"binary 0/1": {"0", "1"}, "binary 1/2": {"1", "2"}, "bool": {"True", "False"},
           "grades with a rare class": {"3", "4", "5", "6", "7", "8"}, "text with spaces": {"has disease", "healthy"},
           "Korean text": {"양성", "음성"}}
REGRESSORS = {"compare__models": ["linear_regression", "knn", "decision_tree"]}
FOLDS = {"compare__folds": 10, "features__cv": 10, "tune__cv": 10}  # the defaults' 10 folds, above the rare class


@pytest.mark.parametrize("kind", KINDS)
def test_every_label_kind_runs_the_whole_chain_and_predicts_the_labels_as_written(kind, workdir, capsys):
    table(kind).to_csv(workdir / "data/raw/tables/labels.csv", index=False)
    rare = kind == "grades with a rare class"
    run_stages(workdir, ingest, preprocess, select_features, compare_models, tune, bias_variance, evaluate, summary,
               data__csv="data/raw/tables/labels.csv", data__target="y",
               compare__ensemble_top=2, compare__stacking=True,
               **(FOLDS if rare else {}), **(REGRESSORS if kind == "integer regression" else {}))
    out = capsys.readouterr().out
    labels, metrics = read_json(paths.LABELS), read_json(paths.EVALUATE_METRICS)
    X = read_table(paths.TEST).drop(columns="y")
    predicted = read_object(paths.MODEL).predict(X)
    served = subprocess.run([sys.executable, "-m", "serve.predict", "tabular", str(paths.TEST), "-o", "served.csv"],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert served.returncode == 0, served.stderr
    answered = pd.read_csv("served.csv", dtype=str, keep_default_na=False)["predicted"]
    summary_md = paths.SUMMARY.read_text()
    if kind == "integer regression":
        assert labels["task"] == "regression" and -1 < metrics["r2"] <= 1 and metrics["r2"] > metrics["baseline"]["r2"]
        assert np.allclose(answered.astype(float), predicted)
        assert "Summary: regression of 'y' from" in summary_md
        return
    assert labels["task"] == "classification"
    assert {str(c) for c in labels["classes"]} == WRITTEN[kind]
    assert 0 <= metrics["accuracy"] <= 1 and metrics["accuracy"] > metrics["baseline"]["accuracy"]
    assert metrics["importance"]["top"] in ("x1", "x2")
    # the model answers the labels themselves, typed as the file's: 1 == 1, True is True, '양성' == '양성'
    assert {type(v) for v in predicted.tolist()} == {type(labels["classes"][0])}
    assert set(answered) <= WRITTEN[kind]
    assert answered.tolist() == [str(v) for v in predicted.tolist()]
    confusion = pd.read_csv(paths.CONFUSION, dtype=str, keep_default_na=False)
    assert confusion["predicted"].tolist() == answered.tolist()  # serve answers what evaluate scored
    api = create_app(workdir).test_client().post("/api/predict/tabular", json={"rows": X.head(5).to_dict("records")})
    assert api.status_code == 200, api.get_json()
    assert [p["predicted"] for p in api.get_json()["predictions"]] == predicted[:5].tolist()  # JSON 1, true, "양성"
    page = create_app(workdir).test_client().get("/models/tabular").get_data(as_text=True)
    assert " or ".join(sorted(WRITTEN[kind])) in page if not rare else "one of 6 classes" in page
    shown = sorted(WRITTEN[kind], key=lambda c: (len(c), c) if rare else c)
    assert (" or ".join(shown) if len(shown) == 2 else "6 classes (3, 4, 5, ..., 8)") in summary_md.splitlines()[1]
    if rare:  # grade 3 has fewer training rows than 10 folds: every stratified fold count comes down to them
        n = int((read_table(paths.TRAIN)["y"] == labels["classes"].index(3)).sum())
        assert 2 <= n < 10
        for key in ("features.cv", "compare.folds", "tune.cv"):
            assert f"{key} = {n}: class 3 has only {n} training rows" in out
        assert read_json(paths.COMPARE_METRICS)["size_rules"]["folds"] == n
        assert read_json(paths.TUNE_METRICS)["size_rules"]["cv"] == n
        assert read_json(paths.SELECTION_METRICS)["size_rules"]["cv"] == n
        assert json.loads(paths.BIAS_VARIANCE_METRICS.read_text())["size_rules"]["cv"] == n
    else:
        assert metrics["threshold"]["value"] == 0.5 and labels["positive"] is not None
