"""What a stage costs before it does anything, and what `dvc repro` costs when nothing changed, as ratios from one run:

- each tabular stage's start-up, `python -m stages.<name>` until it reads its first input (run in an empty
  project, where that read stops it: every import, params.yaml validated, nothing else), against
  `python -c "import pandas, sklearn"` (goal <= 1.1x, issue 51);
- check_params' whole run (goal <= 0.5 s, with neither pandas nor scikit-learn loaded);
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


def seconds(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    took = time.perf_counter() - start
    if done.returncode and not any(w in done.stderr for w in ("not found", "does not exist")):  # its first read
        raise SystemExit(f"{' '.join(cmd)} failed before its first read:\n{done.stderr[-2000:]}")
    return took


def empty_project() -> Path:
    """params.yaml (ingest's table: a CSV not there) and nothing else: each stage stops at its first read."""
    root = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    params = (REPO / "params.yaml").read_text().replace("  csv: null ", "  csv: data/raw/tables/none.csv ", 1)
    (root / "params.yaml").write_text(params)
    return root


def medians(commands: dict[str, tuple[list[str], Path]], env: dict | None = None) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(REPEATS):
        for name, (cmd, cwd) in commands.items():
            times[name].append(seconds(cmd, cwd, env))
    return {name: statistics.median(t) for name, t in times.items()}


def trivial_project() -> Path:
    root = Path(tempfile.mkdtemp(prefix="bench-trivial-"))
    (root / "dvc.yaml").write_text("stages:\n  one:\n    cmd: echo one > out.txt\n    outs:\n      - out.txt\n")
    for cmd in (["git", "init", "-q"], ["dvc", "init", "-q"], ["dvc", "repro", "-q"]):
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)
    return root


def main() -> None:
    python, empty = sys.executable, empty_project()
    commands = {"import pandas, sklearn": ([python, "-c", "import pandas, sklearn"], empty)}
    commands |= {stage: ([python, "-m", f"stages.{stage}"], empty) for stage in ("check_params", *STAGES)}
    times = medians(commands, {**os.environ, "PYTHONPATH": str(REPO)})
    base = times.pop("import pandas, sklearn")
    print(f"start-up to the first read, median of {REPEATS} (import pandas, sklearn: {base:.2f} s)")
    for stage, t in times.items():
        goal = "goal <= 0.5 s" if stage == "check_params" else "goal <= 1.1"
        print(f"  {stage:16s} {t:5.2f} s  {t / base:.2f}x ({goal})")
    os.environ["PATH"] = f"{Path(python).parent}{os.pathsep}{os.environ['PATH']}"
    trivial = trivial_project()
    noop = medians({"this repo": (["dvc", "repro"], REPO), "one-stage project": (["dvc", "repro"], trivial)})
    print(f"no-op dvc repro, median of {REPEATS}: this repo {noop['this repo']:.2f} s, a one-stage project "
          f"{noop['one-stage project']:.2f} s: {noop['this repo'] / noop['one-stage project']:.2f}x (goal <= 2)")


if __name__ == "__main__":
    main()
