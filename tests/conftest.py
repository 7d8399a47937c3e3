"""Shared fixtures: a scratch project directory, params overrides, stage runners, a user CSV."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from skimage import io as skio
from sklearn.preprocessing import StandardScaler

from stages import ingest_images
from stages.common.runner import run_stage
from stages.core.tabular.problem import Problem
from stages.core.tabular.tasks import TASKS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty project directory with the repo's params.yaml, as the stages see it under DVC."""
    shutil.copy(REPO / "params.yaml", tmp_path / "params.yaml")
    for raw in ("tables", "images"):
        (tmp_path / "data" / "raw" / raw).mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    # skrub's table report costs about 0.5 s per ingest, hundreds of times here: its own tests (test_ingest,
    # test_faults' hostile table, the end-to-end run) turn it back on
    set_params(tmp_path, data__table_report=False)
    return tmp_path


def set_params(workdir: Path, **overrides) -> None:
    """set_params(workdir, data__test_size=0.3): `__` separates params.yaml levels."""
    path = workdir / "params.yaml"
    params = yaml.safe_load(path.read_text())
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split("__")
        node = params
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def run_ok(module) -> None:
    run_stage(module.__name__.rsplit(".", 1)[-1], module.main)


def run_fails(module, capsys) -> str:
    """Run a stage that must reject its input; return its one-line message (checked here)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        run_ok(module)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, f"expected one line, got: {err!r}"
    name = module.__name__.rsplit(".", 1)[-1]
    assert err.startswith(f"error: {name}: ")
    return err.strip()


def patients(n: int = 80, seed: int = 0) -> pd.DataFrame:
    """A small clinical-style table: a string target, a categorical column, and gaps."""
    rng = np.random.default_rng(seed)
    bmi = rng.normal(28, 5, n).round(1)
    age = rng.integers(20, 80, n).astype(float)
    frame = pd.DataFrame({
        "age": age,
        "bmi": bmi,
        "smoker": rng.choice(["yes", "no"], n),
        "region": rng.choice(["north", "south", "east", "west"], n),
        "outcome": np.where(bmi + rng.normal(0, 3, n) > 29, "pos", "neg"),
    })
    frame.loc[rng.choice(n, 8, replace=False), "age"] = np.nan
    frame.loc[rng.choice(n, 6, replace=False), "smoker"] = np.nan
    return frame


@pytest.fixture
def patients_csv(workdir):
    """patients() saved under data/raw/tables/ and selected in params.yaml."""
    path = workdir / "data" / "raw" / "tables" / "patients.csv"
    patients().to_csv(path, index=False)
    set_params(workdir, data__csv="data/raw/tables/patients.csv", data__target="outcome")
    return path


def project_of(csv: Path) -> Path:
    """The workdir of a CSV under data/raw/tables/."""
    return csv.parents[3]


# small folds and few models: stage tests check behaviour, not the default run's cost
FAST = {
    "features__cv": 3, "features__sfs__cv": 2, "features__sfs__n_jobs": 1,
    "compare__models": ["logistic_regression", "knn", "decision_tree"], "compare__folds": 3,
    "compare__repeats": 1, "compare__n_jobs": 1, "tune__cv": 3, "tune__n_jobs": 1,
    "bias_variance__sizes": 3, "bias_variance__n_jobs": 1, "evaluate__importance_repeats": 3,
}


def run_stages(workdir: Path, *modules, **overrides) -> None:
    """Set FAST params (plus overrides), then run the given stages in order."""
    set_params(workdir, **{**FAST, **overrides})
    for module in modules:
        run_ok(module)


class ScalerSpy(StandardScaler):
    """A scaler that logs the rows of every fit; clone() keeps the class, so each CV fold's copy logs too
    (run in-process: n_jobs=1). Clear `fits` before use."""

    fits: list = []

    def fit(self, X, y=None, **kwargs):
        ScalerSpy.fits.append(sorted(X.index))
        return super().fit(X, y, **kwargs)


# four bar directions on 12-pixel images: pre-train on two, transfer to the other two
KINDS = {"0": "h", "1": "v", "2": "d", "3": "a"}
FAST_TRANSFER = {
    "images__source": "data/raw/images/bars", "images__image_size": 12,
    "transfer__pipeline__filters": [4, 8],  # source_classes: auto, the first half: 0 and 1
    "transfer__pipeline__epochs": 2, "transfer__pipeline__target_samples_per_class": 5,
    "transfer__head__dense_units": 8,
    "transfer__epochs": 2, "transfer__fine_tune_epochs": 1, "transfer__batch_size": 8,
}


def bars(kind: str, size: int, rng) -> np.ndarray:
    image = rng.uniform(0, 60, (size, size))
    rows, cols = {"h": (size // 2, slice(None)), "v": (slice(None), size // 2),
                  "d": (np.arange(size), np.arange(size)), "a": (np.arange(size), np.arange(size)[::-1])}[kind]
    image[rows, cols] = 255
    return image.astype(np.uint8)


@pytest.fixture
def shapes(workdir):
    """Prepared arrays (via ingest_images) of 4 classes, 12 images each, at 12x12 grey."""
    rng = np.random.default_rng(0)
    folder = workdir / "data/raw/images/bars"
    folder.mkdir(parents=True)
    for label, kind in KINDS.items():
        for i in range(12):
            skio.imsave(folder / f"{label}_{i:02d}.png", bars(kind, 16, rng), check_contrast=False)
    (workdir / "data/weights").mkdir()
    set_params(workdir, **FAST_TRANSFER)
    run_ok(ingest_images)
    return workdir


def toy_rows(n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    return X, (X["a"] + 0.3 * rng.normal(size=n) > 0).astype(int).to_numpy()


def a_problem(task: str = "classification", rows: int = 100, **changes) -> Problem:
    """A table's problem for core tests: classes no/yes with yes positive (none for regression), seed 0, size rules
    on; `changes` replace any field."""
    classes = ("no", "yes") if task == "classification" else ()
    return replace(Problem(TASKS[task], classes, 1 if classes else None, rows, None, 0), **changes)
