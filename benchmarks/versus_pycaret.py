"""The whole tabular chain (ingest -> preprocess -> select_features -> compare_models -> tune -> evaluate, default
params) against PyCaret's setup + compare_models + tune_model + predict_model, side by side in one run, on a
generated census-like table (benchmarks/census.py); then the chain's growth with the rows, and its peak memory.

    python -m benchmarks.versus_pycaret                 (from the repo root, inside .venv; all parts)
    python -m benchmarks.versus_pycaret --parts census  (census | breast_cancer | growth | million)

PyCaret lives in its own virtual environment, build/pycaret-venv (made here on first use: pycaret==3.3.2
and six, which its plotting module imports without declaring), never in the project's lock. Both sides get the
same training and test rows: the chain's own split. PyCaret compares the same 6 model kinds (lr, knn, dt, rf, svm, lightgbm for our hist_gradient_boosting)
on 10 folds, tunes the winner with its default 10 random candidates, and predicts the test rows.
Targets: the chain <= 1.0x PyCaret's at n_jobs=1; test accuracy at most 0.005 below; <= 2.3x per doubling of
rows from 25k to 250k; the 1M-row table completes; breast_cancer's compare_models <= 0.8x PyCaret's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from benchmarks.census import census_table

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / "build" / "pycaret-venv"
CHAIN = ("ingest", "preprocess", "select_features", "compare_models", "tune", "evaluate")
TRAIN_ROWS = 26_000
GROWTH = (25_000, 50_000, 100_000, 250_000)

PYCARET = """
import json, sys, time
import pandas as pd
from pycaret.classification import compare_models, predict_model, setup, tune_model
train, test, n_jobs, part = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
start = time.perf_counter()
setup(data=train, target="target", test_data=test, session_id=42, n_jobs=n_jobs, index=False, verbose=False,
      html=False)
setup_s = time.perf_counter() - start
best = compare_models(include=["lr", "knn", "dt", "rf", "svm", "lightgbm"], fold=10, verbose=False)
compare_s = time.perf_counter() - start - setup_s
if part == "compare":
    print(json.dumps({"setup": setup_s, "compare": compare_s}))
    sys.exit()
tuned = tune_model(best, n_iter=10, verbose=False)
scored = predict_model(tuned, data=test.drop(columns="target"), verbose=False)
total = time.perf_counter() - start
accuracy = float((scored["prediction_label"].astype(str) == test["target"].astype(str)).mean())
print(json.dumps({"total": total, "compare": compare_s, "accuracy": accuracy, "model": type(best).__name__}))
"""


def pycaret_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"making {VENV} with pycaret==3.3.2 (first run only, a few minutes)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pycaret==3.3.2", "six"], check=True)
    return python


def project(table, rows_note: str, **params) -> Path:
    """A scratch project: the repo's params.yaml with the table as data.csv and `params` (dotted keys) set."""
    folder = Path(tempfile.mkdtemp(prefix="bench-chain-"))
    (folder / "data/raw/tables").mkdir(parents=True)
    values = yaml.safe_load((REPO / "params.yaml").read_text())
    if table is not None:
        table.to_csv(folder / "data/raw/tables/table.csv", index=False)
        values["data"].update(csv="data/raw/tables/table.csv", target="income")
    for key, value in params.items():
        section, name = key.split(".")
        values[section][name] = value
    (folder / "params.yaml").write_text(yaml.safe_dump(values, sort_keys=False))
    print(f"  project {folder.name}: {rows_note}", flush=True)
    return folder


def run_chain(folder: Path) -> tuple[float, dict[str, float]]:
    """Every stage as dvc.yaml runs it (`python -m stages.<name>`), timed from the first start to the last end."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    times = {}
    for stage in CHAIN:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"stages.{stage}"], cwd=folder, env=env, capture_output=True,
                              text=True)
        times[stage] = time.perf_counter() - start
        if done.returncode:
            sys.exit(f"{stage} failed in {folder}:\n{done.stdout}\n{done.stderr}")
    return sum(times.values()), times


def peak_mib() -> float:
    """The largest resident set of any finished child process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def split_for_pycaret(folder: Path) -> tuple[Path, Path]:
    """The chain's own training and test rows, with the target named `target` for PyCaret."""
    out = []
    for name in ("train", "test"):
        frame = pd.read_csv(folder / f"data/prepared/{name}.csv")
        path = folder / f"pycaret_{name}.csv"
        frame.rename(columns={"income": "target"}).to_csv(path, index=False)
        out.append(path)
    return out[0], out[1]


def pycaret(python: Path, train: Path, test: Path, n_jobs: int, part: str = "chain") -> dict:
    """PyCaret's own timings (after its imports), and `process`: the whole process, start-up included, as ours."""
    start = time.perf_counter()
    done = subprocess.run([str(python), "-c", PYCARET, str(train), str(test), str(n_jobs), part], capture_output=True,
                          text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}, cwd=train.parent)  # its logs.log
    if done.returncode:
        sys.exit(f"PyCaret failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"process": time.perf_counter() - start}


def census(python: Path) -> None:
    rows = round(TRAIN_ROWS / 0.8)
    folder = project(census_table(rows), f"census-like, {rows:,} rows ({TRAIN_ROWS:,} training)")
    total, times = run_chain(folder)
    ours = json.loads((folder / "reports/evaluate/metrics.json").read_text())["accuracy"]
    winner = json.loads((folder / "models/compare_models/winner.json").read_text())["model"]
    compared = json.loads((folder / "reports/compare_models/metrics.json").read_text())
    print(f"census-like table, {TRAIN_ROWS:,} training rows, {os.cpu_count()} CPUs, one run side by side")
    print(f"  chain (defaults)        {total:6.1f} s  test accuracy {ours:.4f} ({winner})")
    print("    " + ", ".join(f"{s} {t:.1f}" for s, t in times.items()), flush=True)
    train, test = split_for_pycaret(folder)
    one = pycaret(python, train, test, 1)
    every = pycaret(python, train, test, -1)
    print(f"  PyCaret n_jobs=1        {one['total']:6.1f} s  test accuracy {one['accuracy']:.4f} ({one['model']})")
    print(f"  PyCaret n_jobs=-1       {every['total']:6.1f} s  test accuracy {every['accuracy']:.4f}")
    print(f"  chain / PyCaret n_jobs=1: {total / one['total']:.2f}x (target <= 1.0); vs n_jobs=-1: "
          f"{total / every['total']:.2f}x")
    print(f"  accuracy: chain - PyCaret = {ours - one['accuracy']:+.4f} (target >= -0.005)")
    versus = compared.get("winner_vs_runner_up", {})
    rules = compared.get("size_rules", {})
    print(f"  compare: {rules['repeats']}x{rules['folds']} folds, winner vs runner-up "
          f"p = {versus.get('p_value', float('nan')):.3f}")
    shutil.rmtree(folder)


def breast_cancer(python: Path) -> None:
    folder = project(None, "breast_cancer (built in)")
    run_chain(folder)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stages.compare_models"], cwd=folder, env=env, check=True,
                   capture_output=True)
    ours = time.perf_counter() - start
    frame = pd.read_csv(folder / "data/prepared/train.csv")
    train = folder / "pycaret_train.csv"
    frame.to_csv(train, index=False)
    test = folder / "pycaret_test.csv"
    pd.read_csv(folder / "data/prepared/test.csv").to_csv(test, index=False)
    theirs = pycaret(python, train, test, 1, part="compare")
    both = theirs["setup"] + theirs["compare"]
    print(f"breast_cancer ({len(frame)} training rows), compare_models: PyCaret at n_jobs=1, ours at defaults")
    print(f"  compare_models stage (6 models x 3x10 folds, start-up and reading included)  {ours:6.1f} s")
    print(f"  PyCaret setup + compare_models (6 models x 10 folds)                         {both:6.1f} s "
          f"(compare alone {theirs['compare']:.1f} s)")
    print(f"  PyCaret's whole process (start-up, imports, reading included, as ours)        "
          f"{theirs['process']:6.1f} s")
    print(f"  ratio {ours / theirs['process']:.2f}x against PyCaret's process, {ours / both:.2f}x against setup + "
          f"compare (target <= 0.8); {ours / theirs['compare']:.2f}x against compare alone, which scores a third of "
          "our fits")
    shutil.rmtree(folder)


def growth() -> None:
    print("growth of the chain's time with the training rows (defaults)")
    previous = None
    for rows in GROWTH:
        folder = project(census_table(round(rows / 0.8), seed=1), f"{rows:,} training rows")
        total, times = run_chain(folder)
        ratio, step = "", rows / GROWTH[GROWTH.index(rows) - 1]
        if previous:  # 100k -> 250k is 2.5x the rows: per doubling is the ratio to the power 1/log2(2.5)
            ratio = f"  {(total / previous) ** (1 / math.log2(step)):.2f}x per doubling (target <= 2.3)"
        print(f"  {rows:>9,} rows {total:7.1f} s  ({', '.join(f'{s} {t:.0f}' for s, t in times.items())}){ratio}",
              flush=True)
        previous = total
        shutil.rmtree(folder)


def million() -> None:
    table = census_table(1_250_000, seed=2, extra_numeric=16)
    folder = project(table, "1,000,000 training rows x 30 columns")
    del table
    total, times = run_chain(folder)
    print(f"1,000,000 training rows x 30 columns: the chain completed in {total:.0f} s; peak resident memory of "
          f"one process {peak_mib():,.0f} MiB of this machine's "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")
    print("    " + ", ".join(f"{s} {t:.0f}" for s, t in times.items()))
    shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", default=["census", "breast_cancer", "growth", "million"],
                        choices=["census", "breast_cancer", "growth", "million"])
    parts = parser.parse_args().parts
    python = pycaret_python() if {"census", "breast_cancer"} & set(parts) else None
    for part in parts:
        {"census": lambda: census(python), "breast_cancer": lambda: breast_cancer(python), "growth": growth,
         "million": million}[part]()


if __name__ == "__main__":
    main()
