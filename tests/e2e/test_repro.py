"""End to end, as a new user: the Quickstart's `make repro` on a fresh clone reproduces the committed results;
the predict command agrees with them; `dvc plots show` draws them; bad params stop `dvc repro` on one line."""

import json
import re
import sys
from collections import Counter

import pandas as pd

PROGRESS = re.compile(r"^[a-z_]+: \d+/\d+ \w+ \[[\d:]+ elapsed, [\d:?]+ left\]$")


def test_repro_from_scratch_reproduces_the_committed_results(project, repro_output):
    """The Quickstart's `make repro` (with this venv, run by conftest on the fresh clone): one readable screen at
    the end, and git clean after."""
    root, sh = project
    out, err = repro_output
    printed = (out + err).splitlines()
    # progress lines: a terminal redraws one line in place; a log keeps a few, more on a slower machine (CI's
    # printed 17 at one line per 10 s), so the screen is counted without them and they are held to a few each
    progress = [line for line in printed if PROGRESS.match(line)]
    assert len(printed) - len(progress) <= 150, "\n".join(printed)
    assert all(count <= 6 for count in Counter(line.split(":")[0] for line in progress).values()), progress
    assert max(map(len, printed)) <= 120, max(printed, key=len)
    assert out.rstrip().endswith((root / "reports/summary.md").read_text().rstrip())  # the last screen
    assert "Running stage 'ingest'" in out and "Running stage 'preprocess'" in out
    assert (root / "data/prepared/train.csv").is_file()
    assert (root / "models/preprocess/preprocessor.joblib").is_file()
    for stage in ("select_features", "compare_models", "tune"):
        assert f"Running stage '{stage}'" in out
    # evaluate's inputs came out byte-identical and all its outputs are committed: nothing to do
    assert "Stage 'evaluate' didn't change" in out and "Running stage 'evaluate'" not in out
    # same code + params => byte-identical outputs, so dvc.lock and the metrics stay as committed
    checked = sh(sys.executable, "tools/check_reproduced.py", check=False)
    assert checked.returncode == 0, checked.stderr
    if checked.stdout.startswith("reproduced byte for byte"):  # else another CPU: Keras within tolerance
        assert sh("git", "status", "--porcelain").stdout == ""
    assert "Data and pipelines are up to date" in sh("dvc", "status").stdout
    metrics = json.loads((root / "reports/preprocess/metrics.json").read_text())
    assert (metrics["n_train"], metrics["n_test"]) == (455, 114)
    compared = json.loads((root / "reports/compare_models/metrics.json").read_text())
    assert len(compared["cv_accuracy"]) >= 6
    assert json.loads((root / "reports/evaluate/metrics.json").read_text())["accuracy"] >= 0.95
    assert json.loads((root / "reports/train_cnn/metrics.json").read_text())["test_accuracy"] >= 0.98
    transferred = json.loads((root / "reports/transfer/metrics.json").read_text())
    assert transferred["pretrain_val_accuracy"] >= 0.95 and transferred["train_images"] == 100
    assert transferred["transfer_accuracy"] >= 0.9 and transferred["scratch_accuracy"] >= 0.9
    dense = json.loads((root / "reports/train_dnn/metrics.json").read_text())
    assert abs(dense["vs_tuned"]["accuracy"]) <= 0.03  # the dense network beside the tuned model
    clustered = json.loads((root / "reports/cluster/metrics.json").read_text())
    assert clustered["k"] == 2 and clustered["adjusted_rand"] >= 0.6 and clustered["stability_ari"] >= 0.9


# Right after the repro: the workspace holds the committed models, before any experiment replaces them.
def test_predict_command_reproduces_evaluate_and_train_cnn_test_accuracy(project):
    root, sh = project
    sh(sys.executable, "-m", "serve.predict", "tabular", "data/prepared/test.csv", "-o", "build/tabular.csv")
    labels = json.loads((root / "models/preprocess/labels.json").read_text())
    predicted = pd.read_csv(root / "build/tabular.csv")
    truth = pd.read_csv(root / "data/prepared/test.csv")[labels["target"]].map(dict(enumerate(labels["classes"])))
    accuracy = (predicted["predicted"] == truth).mean()
    assert accuracy == json.loads((root / "reports/evaluate/metrics.json").read_text())["accuracy"]

    manifest = pd.read_csv(root / "data/images/manifest.csv", dtype=str)
    test = manifest[manifest["split"] == "test"]
    sh(sys.executable, "-m", "serve.predict", "train_cnn", *test["path"], "-o", "build/images.csv")
    predicted = pd.read_csv(root / "build/images.csv", dtype={"predicted": str})
    assert predicted["file"].tolist() == test["path"].tolist() and predicted["note"].isna().all()
    accuracy = (predicted["predicted"].to_numpy() == test["label"].to_numpy()).mean()
    assert abs(accuracy - json.loads((root / "reports/train_cnn/metrics.json").read_text())["test_accuracy"]) < 1e-6


def test_plots_show_renders_the_evaluation_and_comparison_data(project):
    root, sh = project
    plots = json.loads(sh("dvc", "plots", "show", "--json").stdout)["data"]
    kinds = {path: entry[0]["type"] for path, entry in plots.items() if entry}
    for data in ("evaluate/details/confusion.csv", "evaluate/details/roc.csv", "evaluate/details/precision_recall.csv",
                 "compare_models/fold_scores.csv", "select_features/curve.csv"):
        assert kinds[f"reports/{data}"] == "vega", data
    confusion = plots["reports/evaluate/details/confusion.csv"][0]["content"]
    assert {"actual", "predicted"} <= set(confusion["data"]["values"][0])
    assert kinds["cnn_loss"] == kinds["cnn_accuracy"] == "vega"  # DVCLive's curves, train vs eval on one chart
    assert len(plots["cnn_loss"][0]["content"]["data"]["values"]) > 10
    assert kinds["transfer_loss"] == kinds["transfer_phase"] == "vega"  # both phases, one curve
    assert plots["evaluate_predicted_vs_actual"] == []  # regression's plot: its data is absent here
    for image in ("evaluate/figures/confusion.png", "evaluate/figures/roc.png", "compare_models/boxplot.png",
                  "train_cnn/curves.png", "transfer/curves.png"):
        assert kinds[f"reports/{image}"] == "image", image


def test_bad_params_stop_dvc_repro_with_one_line(project):
    root, sh = project
    params = (root / "params.yaml").read_text()
    (root / "params.yaml").write_text(params.replace("test_size: 0.2", "test_size: big"))
    done = sh("dvc", "repro", check=False)
    (root / "params.yaml").write_text(params)
    assert done.returncode != 0
    # whichever stage DVC reaches first rejects the whole file, on one line, before DVC's summary
    first_line = done.stderr.splitlines()[0]
    assert re.fullmatch(r"error: (check_params|ingest|preprocess): params.yaml: `data.test_size` = 'big': .*number.*",
                        first_line)
    assert "Traceback" not in done.stderr


def test_a_misspelt_key_stops_a_plain_repro_even_when_nothing_else_changed(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    sh("git", "clean", "-fdq", "data/raw", "reports")  # the CSV an earlier test added, its linear model's coefficients
    sh("dvc", "checkout", "--force")  # the committed results, not the last experiment's
    assert "Data and pipelines are up to date" in sh("dvc", "status").stdout
    params = (root / "params.yaml").read_text()
    misspelt = params.replace("  dataset: breast_cancer", "  dataset: breast_cancer\n  datset: iris")
    (root / "params.yaml").write_text(misspelt)
    done = sh("dvc", "repro", check=False)
    (root / "params.yaml").write_text(params)
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == (
        "error: check_params: params.yaml: unknown key `data.datset`; did you mean `data.dataset`?")
    assert "Running stage 'ingest'" not in done.stdout
