"""The fault cases of the messy-input trial (benchmarks/messy_trial.py runs them after its tables): what a user meets
outside the data itself. Each case runs the real stages (or the predict command) in a scratch project and sorts the
outcome as the trial does:

- clear:   stopped with one line naming the culprit (exit 2, or 130 for Ctrl-C), no traceback, no temp files left;
- handled: went on and said so (an image bomb skipped and named; one prediction per input row; hostile text
           escaped in summary.md and index.html, and neutralised in predictions.csv);
- wrong:   anything else.

    python -m benchmarks.fault_trial     # only these cases
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SCRIPT, FORMULA, HTML_COLUMN = "<script>alert(1)</script>", "=1+1", "<img src=x onerror=alert(1)>"
FAST = {"features": {"method": "none"}, "tune": {"model": "logistic_regression", "cv": 3, "n_iter": 2},
        "compare": {"models": ["logistic_regression", "knn", "decision_tree"], "folds": 3, "repeats": 1}}


def table(n: int = 120, seed: int = 0, hostile: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, n).round(2)
    frame = pd.DataFrame({"x": x, "colour": rng.choice(["red", "blue", "green"], n),
                          "label": np.where(x + rng.normal(0, 5, n) > 50, "pos", "neg")})
    if hostile:
        frame = frame.rename(columns={"colour": HTML_COLUMN})
        frame["label"] = frame["label"].map({"pos": FORMULA, "neg": SCRIPT})
    return frame


@contextmanager
def project(data: pd.DataFrame | None = None, **sections) -> Iterator[Path]:
    """A scratch project: the repo's params.yaml and dvc.yaml, a table under data/raw/tables/, params overrides."""
    folder = Path(tempfile.mkdtemp(prefix="fault-"))
    try:
        (folder / "data/raw/tables").mkdir(parents=True)
        (folder / "data/raw/images").mkdir(parents=True)
        shutil.copy(REPO / "dvc.yaml", folder / "dvc.yaml")
        params = yaml.safe_load((REPO / "params.yaml").read_text())
        if data is not None:
            data.to_csv(folder / "data/raw/tables/case.csv", index=False)
            params["data"].update({"csv": "data/raw/tables/case.csv", "target": "label"})
        for section, values in sections.items():
            params[section].update(values)
        (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
        yield folder
    finally:
        shutil.rmtree(folder)


def run(folder: Path, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def stages(folder: Path, *names: str) -> None:
    for name in names:
        done = run(folder, f"stages.{name}")
        if done.returncode:
            raise RuntimeError(f"{name} failed: {done.stderr.strip().splitlines()[-1]}")


def one_line(done, phrases: list[str], code: int = 2, folder: Path | None = None) -> tuple[str, str]:
    """clear when the command stopped with `code` and one line holding every phrase, and left no temp file."""
    err = done.stderr.strip()
    left = [p.name for p in folder.rglob(".*.tmp")] if folder else []
    if done.returncode == code and err.count("\n") == 0 and all(p in err for p in phrases) and not left:
        return "clear", err[:150]
    why = "traceback" if "Traceback" in err else f"exit {done.returncode}, temp files {left}" if left else err
    return "wrong", f"{why.splitlines()[-1][:150] if why else 'no message'}"


def truncated_labels() -> tuple[str, str]:
    with project(table()) as folder:
        stages(folder, "ingest", "preprocess")
        labels = folder / "models/preprocess/labels.json"
        labels.write_text(labels.read_text()[:30])
        return one_line(run(folder, "stages.select_features"),
                        ["models/preprocess/labels.json is damaged", "dvc repro preprocess"], folder=folder)


def deleted_preprocessor() -> tuple[str, str]:
    with project(table()) as folder:
        stages(folder, "ingest", "preprocess")
        (folder / "models/preprocess/preprocessor.joblib").unlink()
        return one_line(run(folder, "stages.select_features"),
                        ["preprocessor.joblib does not exist", "`dvc repro preprocess`"], folder=folder)


def a_file_where_the_reports_folder_goes() -> tuple[str, str]:
    with project(table()) as folder:
        stages(folder, "ingest", "preprocess")
        (folder / "reports/select_features").mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder / "reports/select_features")
        (folder / "reports/select_features").write_text("a file, not a folder")
        return one_line(run(folder, "stages.select_features"), ["reports/select_features is a file, not a folder"],
                        folder=folder)


def ctrl_c_during_compare_models() -> tuple[str, str]:
    with project(table(600), **FAST) as folder:
        stages(folder, "ingest", "preprocess", "select_features")
        before = {p: p.read_bytes() for p in (folder / "reports").rglob("*") if p.is_file()}
        child = subprocess.Popen([sys.executable, "-m", "stages.compare_models"], cwd=folder, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ,
                                                                                      "PYTHONPATH": str(REPO)})
        child.stdout.readline()  # its first line: main() is running, the folds are being fitted
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
        done = subprocess.CompletedProcess(child.args, child.returncode, out, err)
        outcome = one_line(done, ["interrupted: compare_models: stopped by Ctrl-C", "rerun `dvc repro`"], 130, folder)
        after = {p: p.read_bytes() for p in (folder / "reports").rglob("*") if p.is_file()}
        return outcome if after == before else ("wrong", "the reports changed after Ctrl-C")


def image_folder(folder: Path, per_class: int = 10) -> Path:
    root = folder / "data/raw/images/shapes"
    rng = np.random.default_rng(0)
    for label in ("a", "b", "c"):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (24, 24), dtype=np.uint8)).save(root / label / f"{i}.png")
    return root


def declaring(path: Path, width: int, height: int) -> None:
    """A 70-byte PNG whose header declares width x height pixels."""
    Image.new("L", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    path.write_bytes(bytes(data))


def image_bombs() -> tuple[str, str]:
    with project(images={"source": "data/raw/images/shapes", "image_size": 16}) as folder:
        root = image_folder(folder)
        declaring(root / "a" / "bomb.png", 30_000, 30_000)
        declaring(root / "b" / "poster.png", 9_000, 9_000)
        done = run(folder, "stages.ingest_images")
        if done.returncode == 0 and "skipped 2 unreadable file(s)" in done.stderr and "Traceback" not in done.stderr \
                and done.stderr.count("pixels declared") == 2:
            return "handled", "both skipped undecoded and named"
        return "wrong", (done.stderr.strip().splitlines() or ["no message"])[-1][:150]


def a_class_of_broken_files() -> tuple[str, str]:
    with project(images={"source": "data/raw/images/shapes", "image_size": 16}) as folder:
        root = image_folder(folder)
        for path in (root / "c").iterdir():
            path.write_bytes(b"not an image")
        return one_line(run(folder, "stages.ingest_images"), ["class 'c' has no readable image"], folder=folder)


def predictions_and_pages_of_hostile_labels() -> tuple[str, str]:
    """A model trained on labels that are a script tag and a formula, asked for 40 rows of which 2 are blank."""
    with project(table(hostile=True), **FAST) as folder:
        stages(folder, "ingest", "preprocess", "select_features", "tune", "evaluate", "summary")
        rows = table(38, seed=5, hostile=True).drop(columns="label").to_csv(index=False).splitlines()
        rows[6:6] = [""]
        rows[20:20] = [","]
        (folder / "rows.csv").write_text("\n".join(rows) + "\n")
        done = run(folder, "serve.predict", "tabular", "rows.csv", "-o", "out.csv")
        if done.returncode:
            return "wrong", done.stderr.strip().splitlines()[-1][:150]
        out = pd.read_csv(folder / "out.csv")
        problems = []
        if len(out) != 40 or out["predicted"].isna().tolist() != [i in (5, 19) for i in range(40)]:
            problems.append(f"{len(out)} rows, blank ones at {np.flatnonzero(out['predicted'].isna()).tolist()}")
        if "'" + FORMULA not in set(out["predicted"]):
            problems.append("the formula label is not neutralised in predictions.csv")
        summary = (folder / "reports/summary.md").read_text().splitlines()
        if summary[0] != "```" or summary[-1] != "```":
            problems.append("summary.md is not one fenced block")
        page = (folder / "reports/index.html").read_text()
        if SCRIPT in page or HTML_COLUMN in page:
            problems.append("index.html holds raw HTML from the labels")
        return ("wrong", "; ".join(problems)) if problems else (
            "handled", "40 rows in order (2 blank, with a reason); labels escaped in summary.md and index.html, "
                       "neutralised in predictions.csv")


FAULTS: dict[str, Callable[[], tuple[str, str]]] = {
    "fault: a truncated labels file": truncated_labels,
    "fault: a deleted preprocessor": deleted_preprocessor,
    "fault: a file where an output folder goes": a_file_where_the_reports_folder_goes,
    "fault: Ctrl-C during compare_models": ctrl_c_during_compare_models,
    "images: a decompression bomb and an 81 MP poster": image_bombs,
    "images: a class folder of broken files": a_class_of_broken_files,
    "rows and hostile text: 40 rows, 2 blank, labels <script> and =1+1": predictions_and_pages_of_hostile_labels,
}


def main() -> None:
    counts = {"clear": 0, "handled": 0, "wrong": 0}
    for name, case in FAULTS.items():
        outcome, why = case()
        counts[outcome] += 1
        print(f"{outcome:8s} {name}: {why}", flush=True)
    print(f"{len(FAULTS)} cases: {counts['clear']} clear, {counts['handled']} handled, {counts['wrong']} wrong")


if __name__ == "__main__":
    main()
