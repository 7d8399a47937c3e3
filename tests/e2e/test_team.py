"""End to end, as a team: `dvc push` to a remote, a teammate's fresh clone pulls outputs whose models predict, and
an experiment pushed by one clone is pulled, applied and reproduced by another."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.conftest import shell


# A team through a DVC remote (a local folder here; S3 or SSH take the same commands): last in this module,
# since it commits the remote to the project.
def in_clone(folder: Path):
    """Like the project's sh, in another clone; returns stdout."""
    sh = shell(folder)
    return lambda *cmd: sh(*cmd).stdout


@pytest.fixture(scope="module")
def team(project, tmp_path_factory):
    """The project pushed to a bare git repo and a DVC remote, and a teammate's fresh clone with `dvc pull`."""
    root, sh = project
    shared = tmp_path_factory.mktemp("shared")
    sh("git", "checkout", "-q", "--", ".")
    sh("dvc", "remote", "add", "-d", "store", str(shared / "dvc-store"))
    sh("git", "commit", "-qm", "the team's DVC remote", ".dvc/config")
    pushed = sh("dvc", "push").stdout
    sh("git", "init", "-q", "--bare", "-b", "main", str(shared / "origin.git"))
    sh("git", "push", "-q", str(shared / "origin.git"), "main")
    alice = shared / "alice"
    subprocess.run(["git", "clone", "-q", str(shared / "origin.git"), str(alice)], check=True)
    assert not (alice / "models/tune/model.joblib").exists()  # git brings no DVC output: the remote does
    pulled = in_clone(alice)("dvc", "pull")
    return root, shared, pushed, pulled


def test_dvc_push_then_a_fresh_clone_pulls_up_to_date_outputs_whose_models_predict(team):
    root, shared, pushed, pulled = team
    assert re.search(r"\d+ files? pushed", pushed), pushed
    alice = shared / "alice"
    assert re.search(r"\d+ files? (fetched|added)", pulled), pulled
    sh = in_clone(alice)
    assert "Data and pipelines are up to date" in sh("dvc", "status")
    for output in ("models/tune/model.joblib", "models/train_cnn/model.keras", "data/prepared/test.csv"):
        assert (alice / output).read_bytes() == (root / output).read_bytes(), output
    sh(sys.executable, "-m", "serve.predict", "tabular", "data/prepared/test.csv", "-o", "build/tabular.csv")
    labels = json.loads((alice / "models/preprocess/labels.json").read_text())
    truth = pd.read_csv(alice / "data/prepared/test.csv")[labels["target"]].map(dict(enumerate(labels["classes"])))
    accuracy = (pd.read_csv(alice / "build/tabular.csv")["predicted"] == truth).mean()
    assert accuracy == json.loads((alice / "reports/evaluate/metrics.json").read_text())["accuracy"]


def test_an_experiment_pushed_by_one_clone_is_pulled_applied_and_reproduced_by_another(team):
    root, shared, _, _ = team
    alice, bob = shared / "alice", shared / "bob"
    by_alice = in_clone(alice)
    ran = by_alice("dvc", "exp", "run", "-n", "three-groups", "-S", "cluster.k=3")  # the whole pipeline: up to date
    assert "Running stage 'cluster'" in ran and "Running stage 'tune'" not in ran
    assert "three-groups" in by_alice("dvc", "exp", "push", "origin", "three-groups")

    subprocess.run(["git", "clone", "-q", str(shared / "origin.git"), str(bob)], check=True)
    by_bob = in_clone(bob)
    by_bob("dvc", "exp", "pull", "origin", "three-groups")
    shown = json.loads(by_bob("dvc", "exp", "show", "--json"))
    runs = {run["name"]: run["data"] for rev in shown for exp in (rev.get("experiments") or []) for run in exp["revs"]}
    assert runs["three-groups"]["params"]["params.yaml"]["data"]["cluster"]["k"] == 3
    assert runs["three-groups"]["metrics"]["reports/cluster/metrics.json"]["data"]["k"] == 3

    by_bob("dvc", "exp", "apply", "three-groups")  # params, metrics and the outputs, from the remote's cache
    assert "Data and pipelines are up to date" in by_bob("dvc", "status")
    assignments = "data/cluster/assignments.csv"
    assert (bob / assignments).read_bytes() == (alice / assignments).read_bytes()
    # and Bob really reproduces it: the stage re-run on his machine gives the same bytes
    assert "Running stage 'cluster'" in by_bob("dvc", "repro", "--force", "cluster")
    assert (bob / assignments).read_bytes() == (alice / assignments).read_bytes()
    assert (bob / "reports/cluster/metrics.json").read_bytes() == (alice / "reports/cluster/metrics.json").read_bytes()
    assert json.loads((bob / "reports/cluster/metrics.json").read_text())["k"] == 3
