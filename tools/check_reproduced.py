"""Exit 1 unless a fresh `dvc repro` gave back exactly the committed results.

Everything must be byte-identical except files that hold wall-clock times (listed in VARIES), whose
hashes in dvc.lock may change too. Used by CI and by tests/test_pipeline_e2e.py.
"""

from __future__ import annotations

import subprocess
import sys

import yaml

VARIES = {"reports/compare_models/comparison.md"}  # fit times per model


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def lock_without_timings(text: str) -> dict:
    lock = yaml.safe_load(text)
    for stage in lock["stages"].values():
        stage["outs"] = [out for out in stage.get("outs", []) if out["path"] not in VARIES]
    return lock


def main() -> int:
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    unexpected = sorted(set(changed) - VARIES - {"dvc.lock"})
    if lock_without_timings(git("show", "HEAD:dvc.lock")) != lock_without_timings(open("dvc.lock").read()):
        unexpected.append("dvc.lock (beyond timing files)")
    if unexpected:
        print("not reproduced: changed after dvc repro: " + ", ".join(unexpected)
              + "; run `make repro` and commit dvc.lock and reports/", file=sys.stderr)
        return 1
    print("reproduced: the committed results are byte-identical (timings aside)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
