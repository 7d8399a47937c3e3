"""End to end: `dvc exp run` on the network stages: the MLP instead of the CNN, a keras.applications backbone
without a download, the lessons from scratch at another learning rate."""

import json


def test_exp_run_trains_the_mlp_instead_of_the_cnn(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "mlp", "-S", "cnn.model=mlp", "-S", "cnn.epochs=10").stdout  # not 40
    assert "Running stage 'train_cnn'" in out and "train_cnn: mlp," in out
    assert "Running stage 'ingest_images'" not in out
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    assert runs["mlp"]["data"]["metrics"]["reports/train_cnn/metrics.json"]["data"]["test_accuracy"] > 0.9


def test_exp_run_transfers_a_keras_applications_backbone_without_a_download(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    # phases and the scratch baseline with this backbone: tests/stages/test_transfer.py; here DVC's side of it
    done = sh("dvc", "exp", "run", "-n", "mobilenet", "-S", "transfer.backbone=mobilenet_v2", "-S",
              "transfer.weights=none", "-S", "transfer.epochs=1", "-S", "transfer.fine_tune_epochs=0", "-S",
              "transfer.scratch=false")
    out = done.stdout
    assert "Running stage 'transfer'" in out and "Running stage 'train_cnn'" not in out
    # every training image (few-shot picks are the pipeline backbone's), 16 px digits resized up to 32 px
    assert "transfer: mobilenet_v2 backbone (random weights) at 32x32 -> 10 classes from 1257 training images" in out
    assert "warning: transfer: transfer.weights = none: phase 1 freezes a backbone of random weights" in done.stderr
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    metrics = runs["mobilenet"]["data"]["metrics"]["reports/transfer/metrics.json"]["data"]
    assert {"transfer_accuracy", "phase1"} <= set(metrics) and not {"phase2", "scratch"} & set(metrics)


def test_exp_run_with_another_learning_rate_redraws_the_lessons_from_scratch(project):
    root, sh = project
    sh("git", "checkout", "-q", "--", ".")
    out = sh("dvc", "exp", "run", "-n", "slower", "-S", "scratch.learning_rate=0.05").stdout
    assert "Running stage 'nets_from_scratch'" in out and "Running stage 'ingest'" not in out
    shown = json.loads(sh("dvc", "exp", "show", "--json").stdout)
    runs = {run["name"]: run for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    slower = runs["slower"]["data"]["metrics"]["reports/nets_from_scratch/metrics.json"]["data"]
    committed = json.loads(sh("git", "show", "HEAD:reports/nets_from_scratch/metrics.json").stdout)
    assert slower["momentum_final_loss"] != committed["momentum_final_loss"]
    assert slower["iris_test_accuracy"] >= 0.9
    changed = sh("git", "status", "--porcelain", "reports/nets_from_scratch").stdout  # the workspace: redrawn
    assert "perceptron.png" in changed and "delta_rule.png" in changed
    sh("git", "checkout", "-q", "--", ".")
