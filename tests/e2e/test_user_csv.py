"""End to end: a user's CSV tracked by `dvc add` re-runs the tabular branch, and only it, when its content changes."""

import json

import pandas as pd
import yaml

from tests.conftest import patients


def test_user_csv_tracked_by_dvc_reruns_when_its_content_changes(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    sh("dvc", "checkout", "--force")  # the committed outputs: an earlier experiment's model would be retrained
    csv = root / "data/raw/tables/patients.csv"
    patients().to_csv(csv, index=False)
    sh("dvc", "add", "data/raw/tables/patients.csv")
    assert (root / "data/raw/tables/patients.csv.dvc").is_file()
    # a new table re-runs the tabular branch only: the Keras stages do not depend on data/raw/tables
    status = sh("dvc", "status").stdout
    assert "ingest:" in status and "ingest_images" not in status and "train_cnn" not in status, status
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["data"].update(csv="data/raw/tables/patients.csv", target="outcome")
    params["compare"].update(repeats=1, folds=5, models=["logistic_regression", "knn"],
                             ensemble_top=0)  # re-running, not scores
    params["tune"].update(model="logistic_regression")  # not a 24-candidate random-forest grid
    params["dnn"].update(epochs=5)
    params["cluster"].update(k_range=[2, 4], bootstrap=2)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    out = sh("dvc", "repro").stdout
    assert "Running stage 'ingest'" in out and "Running stage 'ingest_images'" not in out
    assert pd.read_csv(root / "data/interim/dataset.csv").shape == (80, 5)
    assert json.loads((root / "models/preprocess/labels.json").read_text())["classes"] == ["neg", "pos"]
    assert "Data and pipelines are up to date" in sh("dvc", "status").stdout

    patients(n=120, seed=1).to_csv(csv, index=False)
    assert "ingest" in sh("dvc", "status").stdout
    out = sh("dvc", "repro", "preprocess").stdout  # the rest of the branch re-ran above
    assert "Running stage 'ingest'" in out and "Running stage 'preprocess'" in out
    assert json.loads((root / "reports/preprocess/metrics.json").read_text())["n_train"] == 96
