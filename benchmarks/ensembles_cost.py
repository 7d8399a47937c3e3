"""What the ensembles cost at real size: the tabular chain at defaults (bagging, adaboost, xgboost in compare's
`auto` list, voting of the top 3; stacking leaves from 20,000 rows) against the same chain with the six classic
models and no ensembles (`compare.ensemble_top: 0`), side by side on one census-like table in one run; then the
bias_variance stage's own time on it. The ratio carries over to versus_pycaret's (chain / PyCaret) figure.

    python -m benchmarks.ensembles_cost            (from the repo root, inside .venv; 26,000 training rows)
    python -m benchmarks.ensembles_cost 10000      (another training size)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchmarks.census import census_table
from benchmarks.versus_pycaret import REPO, project, run_chain

CLASSIC = ["logistic_regression", "knn", "decision_tree", "random_forest", "svm", "hist_gradient_boosting"]


def main() -> None:
    train_rows = int(sys.argv[1]) if len(sys.argv) > 1 else 26_000
    table = census_table(round(train_rows / 0.8))
    runs = {}
    for label, params in (("classic six, no ensembles", {"compare.models": CLASSIC, "compare.ensemble_top": 0}),
                          ("defaults (with ensembles)", {})):
        folder = project(table, f"{train_rows:,} training rows, {label}", **params)
        total, times = run_chain(folder)
        extra, _ = run_chain_stage(folder, "bias_variance")
        evaluated = json.loads((folder / "reports/evaluate/metrics.json").read_text())
        winner = json.loads((folder / "models/compare_models/winner.json").read_text())["model"]
        runs[label] = total
        print(f"  {label}: {total:.1f} s ({', '.join(f'{s} {t:.0f}' for s, t in times.items())}); winner {winner}, "
              f"test accuracy {evaluated['accuracy']:.4f}; bias_variance {extra:.1f} s", flush=True)
    classic, defaults = runs.values()
    print(f"defaults / classic: {defaults / classic:.2f}x the chain's time on {train_rows:,} training rows")


def run_chain_stage(folder, stage: str) -> tuple[float, str]:
    """One more stage after the chain, timed alike."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", f"stages.{stage}"], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    if done.returncode:
        sys.exit(f"{stage} failed in {folder}:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start, done.stdout


if __name__ == "__main__":
    main()
