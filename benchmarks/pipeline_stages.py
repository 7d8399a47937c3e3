"""The whole default pipeline's time, stage by stage, from one run: where `dvc repro -f` spends it.

    python -m benchmarks.pipeline_stages      (from the repo root, inside .venv; rewrites the outputs as
                                               `dvc repro -f` does, byte-identical for the same params and code)

Runs `dvc repro -f` and takes each stage's time from when DVC announces it to when the next one starts (so
DVC's own hashing and lock-writing count towards the stage before). Target: the whole run in <= 180 s on 2
cores, with the digits CNN at test accuracy >= 0.99.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

TARGET_SECONDS = 180


def main() -> None:
    start = time.perf_counter()
    marks: list[tuple[str, float]] = []
    with subprocess.Popen(["dvc", "repro", "-f"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as run:
        for line in run.stdout:
            if found := re.match(r"Running stage '(\w+)'", line):
                marks.append((found[1], time.perf_counter()))
    total = time.perf_counter() - start
    if run.returncode:
        sys.exit(f"dvc repro -f failed (exit {run.returncode})")
    ends = [t for _, t in marks[1:]] + [start + total]
    print(f"dvc repro -f: {total:.0f} s on this machine; target <= {TARGET_SECONDS} s on 2 cores "
          f"({total / TARGET_SECONDS:.2f} of it)")
    for (stage, began), ended in zip(marks, ends, strict=True):
        print(f"  {stage:<16} {ended - began:6.1f} s  {(ended - began) / total:6.1%}")
    print(f"  {'(start-up)':<16} {marks[0][1] - start:6.1f} s" if marks else "")
    accuracy = json.load(open("reports/train_cnn/metrics.json"))["test_accuracy"]
    print(f"digits CNN test accuracy {accuracy:.4f} (target >= 0.99)")


if __name__ == "__main__":
    main()
