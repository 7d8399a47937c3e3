"""What a stage costs before it does anything, and what `dvc repro` costs when nothing changed, as ratios from one run:

- each tabular stage's start-up (`python -c "import stages.<name>"`: every import its main needs before reading
  anything) against `python -c "import sklearn, pandas"` (goal <= 1.3x);
- a no-op `dvc repro` of this repo (every stage up to date) against a no-op `dvc repro` of a trivial one-stage
  project (goal <= 2x).

    python -m benchmarks.startup          (from the repo root, inside .venv, after `make repro`)

Each time is the median of REPEATS runs, taken in turns so that a busy moment hits both sides.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ("ingest", "preprocess", "select_features", "compare_models", "tune", "evaluate", "summary")
REPEATS = 5


def seconds(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def medians(commands: dict[str, tuple[list[str], Path]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(REPEATS):
        for name, (cmd, cwd) in commands.items():
            times[name].append(seconds(cmd, cwd))
    return {name: statistics.median(t) for name, t in times.items()}


def trivial_project() -> Path:
    root = Path(tempfile.mkdtemp(prefix="bench-trivial-"))
    (root / "dvc.yaml").write_text("stages:\n  one:\n    cmd: echo one > out.txt\n    outs:\n      - out.txt\n")
    for cmd in (["git", "init", "-q"], ["dvc", "init", "-q"], ["dvc", "repro", "-q"]):
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)
    return root


def main() -> None:
    python = sys.executable
    commands = {"import sklearn, pandas": ([python, "-c", "import sklearn, pandas"], REPO)}
    commands |= {stage: ([python, "-c", f"import stages.{stage}"], REPO) for stage in STAGES}
    times = medians(commands)
    base = times.pop("import sklearn, pandas")
    print(f"start-up, median of {REPEATS} (import sklearn, pandas: {base:.2f} s)")
    for stage, t in times.items():
        print(f"  {stage:16s} {t:5.2f} s  {t / base:.2f}x (goal <= 1.3)")
    os.environ["PATH"] = f"{Path(python).parent}{os.pathsep}{os.environ['PATH']}"
    trivial = trivial_project()
    noop = medians({"this repo": (["dvc", "repro"], REPO), "one-stage project": (["dvc", "repro"], trivial)})
    print(f"no-op dvc repro, median of {REPEATS}: this repo {noop['this repo']:.2f} s, a one-stage project "
          f"{noop['one-stage project']:.2f} s: {noop['this repo'] / noop['one-stage project']:.2f}x (goal <= 2)")


if __name__ == "__main__":
    main()
