"""Exit 1 unless a fresh `dvc repro` gave back the committed results; say which rule passed them.

Rule 1, byte for byte: every output and dvc.lock as committed (no tracked output holds a wall-clock time). This
holds on the machine that committed the results, and on any x86-64
machine with AVX2 (stages/core/training/runtime.py pins what else would vary: oneDNN's instruction set, thread counts).
Rule 2, within tolerance, only for the Keras stages (KERAS_STAGES) when their files differ: on another kind of
CPU, training rounds differently in the last bits and every weight drifts. Their test-split rates (accuracy,
F1, sensitivity, ...) must then be within TOLERANCE of the committed ones and their counts (images, parameters)
equal; every other file, and every other stage's entry in dvc.lock, still byte for byte.
Used by CI and by tests/e2e/test_repro.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for stages.common.io
from stages.core.evaluation import metric_numbers as numbers  # noqa: E402

KERAS_STAGES = {"train_cnn": "reports/train_cnn/metrics.json", "transfer": "reports/transfer/metrics.json"}
TOLERANCE = 0.02  # absolute, on rates: 7 of the 360 digits test images, 3.6 of the 180 transfer ones
RATES = ("accuracy", "f1", "sensitivity", "specificity", "precision", "roc_auc", "gain")
COUNTS = ("train_images", "trainable_params")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def keras_outputs(lock: dict) -> set[str]:
    return {out["path"] for name in KERAS_STAGES for out in lock["stages"].get(name, {}).get("outs", [])}


def lock_without(lock: dict, paths: set[str]) -> dict:
    for stage in lock["stages"].values():
        stage["outs"] = [out for out in stage.get("outs", []) if out["path"] not in paths]
    return lock


def metric_problems(committed: dict, fresh: dict) -> tuple[list[str], float]:
    """What breaks rule 2 in one metrics file, and the largest difference of a rate."""
    old, new = numbers(committed), numbers(fresh)
    problems = [f"{key} missing" for key in old.keys() - new.keys()] + [f"{key} new" for key in new.keys() - old.keys()]
    largest = 0.0
    for key in sorted(old.keys() & new.keys()):
        name = key.rsplit(".", 1)[-1]
        if any(rate in name for rate in RATES) and not name.endswith("_loss"):
            largest = max(largest, difference := abs(new[key] - old[key]))
            if difference > TOLERANCE:
                problems.append(f"{key} {old[key]:.4f} -> {new[key]:.4f}")
        elif name in COUNTS and new[key] != old[key]:
            problems.append(f"{key} {old[key]} -> {new[key]}")
    return problems, largest


def main() -> int:
    committed_lock, fresh_lock = yaml.safe_load(git("show", "HEAD:dvc.lock")), yaml.safe_load(open("dvc.lock"))
    keras_files = keras_outputs(committed_lock) | keras_outputs(fresh_lock)
    changed = {line[3:] for line in git("status", "--porcelain", "--untracked-files=all").splitlines()}
    unexpected = changed - {"dvc.lock"}
    in_keras = {path for path in unexpected if any(path == out or path.startswith(out.rstrip("/") + "/")
                                                   for out in keras_files)}
    others = sorted(unexpected - in_keras)
    if lock_without(committed_lock, keras_files) != lock_without(fresh_lock, keras_files):
        others.append("dvc.lock (beyond the Keras stages)")
    if others:
        print("not reproduced: changed after dvc repro: " + ", ".join(others)
              + "; run `make repro` and commit dvc.lock and reports/", file=sys.stderr)
        return 1
    if not in_keras:
        print("reproduced byte for byte: the committed results are identical")
        return 0
    report = []
    for stage, path in KERAS_STAGES.items():
        problems, largest = metric_problems(json.loads(git("show", f"HEAD:{path}")), json.load(open(path)))
        if problems:
            print(f"not reproduced: {stage}'s test metrics are beyond the tolerance of {TOLERANCE} (another CPU "
                  f"rounds differently, but not this much): " + "; ".join(problems), file=sys.stderr)
            return 1
        report.append(f"{stage} {largest:.4f}")
    print(f"reproduced within tolerance: the Keras stages' files differ in bits (another kind of CPU), their test "
          f"rates within {TOLERANCE} of the committed ones (largest difference: {', '.join(report)}) and their "
          "counts equal; every other file byte for byte")
    return 0


if __name__ == "__main__":
    sys.exit(main())
