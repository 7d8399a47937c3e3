"""tools/check_reproduced.py: byte for byte everywhere, or, for the Keras stages only, test metrics within a
stated tolerance, and it says which rule it applied."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO

LOCK = {"schema": "2.0", "stages": {
    "evaluate": {"cmd": "python -m stages.evaluate", "outs": [{"path": "reports/evaluate/metrics.json", "md5": "a"}]},
    "transfer": {"cmd": "python -m stages.transfer", "outs": [
        {"path": "models/transfer/model.keras", "md5": "b"}, {"path": "reports/transfer/metrics.json", "md5": "c"},
        {"path": "reports/transfer/live/plots/metrics", "md5": "d.dir"}]},
}}
METRICS = {"transfer_accuracy": 0.9722, "train_images": 100, "transfer_loss": 0.09,
           "phase1": {"test_accuracy": 0.95, "test_f1_macro": 0.95, "trainable_params": 1000, "epochs": 14}}


@pytest.fixture
def committed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path, text in {"dvc.lock": yaml.safe_dump(LOCK), "reports/transfer/metrics.json": json.dumps(METRICS),
                       "reports/train_cnn/metrics.json": "{}", "reports/evaluate/metrics.json": "{}",
                       "models/transfer/model.keras": "weights", "reports/transfer/live/plots/metrics/loss.tsv": "1"
                       }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    for cmd in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c"]):
        subprocess.run(["git", *cmd], check=True)
    return tmp_path


def check():
    return subprocess.run([sys.executable, str(REPO / "tools/check_reproduced.py")], capture_output=True, text=True)


def retrain(root, metrics: dict, lock_md5: str = "b2"):
    """What another CPU gives: new weights, new curves, new hashes, slightly different metrics."""
    (root / "models/transfer/model.keras").write_text("other weights")
    (root / "reports/transfer/live/plots/metrics/loss.tsv").write_text("1.01")
    (root / "reports/transfer/metrics.json").write_text(json.dumps(metrics))
    lock = yaml.safe_load(yaml.safe_dump(LOCK))
    lock["stages"]["transfer"]["outs"][0]["md5"] = lock_md5
    (root / "dvc.lock").write_text(yaml.safe_dump(lock))


def test_identical_results_pass_byte_for_byte(committed):
    done = check()
    assert done.returncode == 0 and done.stdout.startswith("reproduced byte for byte")


def test_keras_metrics_within_tolerance_pass_and_say_so(committed):
    one_image = {**METRICS, "transfer_accuracy": 0.9778, "transfer_loss": 0.12,
                 "phase1": {**METRICS["phase1"], "test_accuracy": 0.9444, "epochs": 17}}
    retrain(committed, one_image)
    done = check()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("reproduced within tolerance: the Keras stages' files differ in bits")
    assert "largest difference: train_cnn 0.0000, transfer 0.0056" in done.stdout


@pytest.mark.parametrize(("change", "reason"), [
    ({"transfer_accuracy": 0.93}, "transfer_accuracy 0.9722 -> 0.9300"),
    ({"train_images": 99}, "train_images 100 -> 99"),
    ({"phase1": {**METRICS["phase1"], "trainable_params": 999}}, "phase1.trainable_params 1000 -> 999"),
])
def test_keras_metrics_beyond_tolerance_fail(committed, change, reason):
    retrain(committed, {**METRICS, **change})
    done = check()
    assert done.returncode == 1
    assert "not reproduced: transfer's test metrics are beyond the tolerance of 0.02" in done.stderr
    assert reason in done.stderr


def test_other_stages_stay_byte_for_byte(committed):
    retrain(committed, METRICS)
    (committed / "reports/evaluate/metrics.json").write_text('{"accuracy": 0.95}')
    done = check()
    assert done.returncode == 1 and "changed after dvc repro: reports/evaluate/metrics.json" in done.stderr
