"""Public tables' label kinds at defaults, end to end: `dvc repro evaluate` on a fresh copy of the repo with only
`data.csv` and `data.target` set, on seeded tables made like

- red wine quality: 1,599 rows, 11 measurements, six integer grades 3..8, grade 3 with 10 rows (8 to train on:
  fewer than the default 10 folds, so every stratified fold count comes down to them, printed and recorded);
- diabetes screening (Pima): 768 rows, 8 measurements with zeros for missing, a 0/1 target.

    python -m benchmarks.label_tables            (from the repo root, inside .venv; both tables)
    python -m benchmarks.label_tables wine       (one of them)

It prints the lowered folds, the test accuracy against the majority class, and the wall time of each chain.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
GRADE_COUNTS = {3: 10, 4: 53, 5: 681, 6: 638, 7: 199, 8: 18}  # the red wine table's grades


def wine_grades(seed: int = 0) -> pd.DataFrame:
    """Eleven measurements whose sum orders the wines; the grades cut that order at the real table's counts."""
    rng = np.random.default_rng(seed)
    n = sum(GRADE_COUNTS.values())
    names = ["fixed_acidity", "volatile_acidity", "citric_acid", "residual_sugar", "chlorides", "free_so2",
             "total_so2", "density", "pH", "sulphates", "alcohol"]
    X = rng.normal(0, 1, (n, len(names)))
    quality = X @ rng.normal(0, 1, len(names)) + rng.normal(0, 2.0, n)
    grades = np.repeat(list(GRADE_COUNTS), list(GRADE_COUNTS.values()))[np.argsort(np.argsort(quality))]
    frame = pd.DataFrame((X * 2 + 10).round(3), columns=names)
    frame["quality"] = grades
    return frame


def pima(seed: int = 0) -> pd.DataFrame:
    """768 women, 8 measurements (zeros where nothing was measured, as the real file writes it), Outcome 0/1."""
    rng = np.random.default_rng(seed)
    n = 768
    frame = pd.DataFrame({
        "Pregnancies": rng.poisson(3.8, n), "Glucose": rng.normal(121, 30, n).round(),
        "BloodPressure": rng.normal(69, 12, n).round(), "SkinThickness": rng.normal(21, 10, n).clip(0).round(),
        "Insulin": rng.gamma(1.2, 70, n).round(), "BMI": rng.normal(32, 7, n).round(1),
        "DiabetesPedigreeFunction": rng.gamma(2, 0.24, n).round(3), "Age": rng.integers(21, 81, n)})
    risk = 0.035 * (frame["Glucose"] - 121) + 0.08 * (frame["BMI"] - 32) + 0.03 * (frame["Age"] - 33)
    frame["Outcome"] = (risk + rng.normal(0, 1.2, n) > 0.75).astype(int)
    for column in ("Insulin", "SkinThickness"):
        frame.loc[rng.random(n) < 0.3, column] = 0
    return frame


TABLES = {"wine": (wine_grades, "quality"), "pima": (pima, "Outcome")}


def fresh_copy(root: Path) -> None:
    """The repo as a user clones it (tracked files and new ones not ignored), its own git, no outputs rerun yet."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "copy"]):
        subprocess.run(cmd, cwd=root, check=True, env=env, capture_output=True)


def run(name: str) -> None:
    make, target = TABLES[name]
    with tempfile.TemporaryDirectory(prefix=f"labels-{name}-") as folder:
        root = Path(folder)
        fresh_copy(root)
        make().to_csv(root / "data/raw/tables" / f"{name}.csv", index=False)
        params = yaml.safe_load((root / "params.yaml").read_text())
        params["data"].update(csv=f"data/raw/tables/{name}.csv", target=target)
        (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        start = time.perf_counter()
        done = subprocess.run(["dvc", "repro", "evaluate"], cwd=root, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        if done.returncode:
            print(f"{name}: dvc repro evaluate failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                  f"{done.stderr[-3000:]}")
            raise SystemExit(1)
        lowered = [line for line in done.stdout.splitlines() if "training rows, and stratified folds" in line]
        evaluated = json.loads((root / "reports/evaluate/metrics.json").read_text())
        compared = json.loads((root / "reports/compare_models/metrics.json").read_text())
        print(f"{name}: {seconds:.0f} s; test accuracy {evaluated['accuracy']:.4f} vs "
              f"{evaluated['baseline']['accuracy']:.4f} for the majority class; compare size_rules "
              f"{compared['size_rules']}")
        for line in lowered:
            print(f"  {line}")
        for line in done.stdout.splitlines():
            if "compare_models: winner" in line or "compare_models: lesson" in line:
                print(f"  {line}")


def main() -> None:
    for name in sys.argv[1:] or TABLES:
        run(name)


if __name__ == "__main__":
    main()
