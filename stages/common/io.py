"""File reads and writes for the stage shells. Every write is atomic: a temp file, then a rename,
so an output is either complete or absent (never half-written after a crash or an error)."""

from __future__ import annotations

import csv
import functools
import itertools
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import joblib
import numpy as np
import pandas as pd
import yaml

from stages.core.errors import PipelineError
from stages.core.escaping import spreadsheet_safe
from stages.core.tabular.columns import LEADING_ZERO


@functools.cache
def _makers(dvc_yaml: Path = Path("dvc.yaml")) -> dict[str, str]:
    """Every output dvc.yaml declares (outs, metrics, plots) -> the stage that writes it."""
    try:
        stages = (yaml.safe_load(dvc_yaml.read_text()) or {}).get("stages", {})
    except (OSError, yaml.YAMLError):
        return {}
    made = {}
    for name, stage in stages.items():
        for field in ("outs", "metrics", "plots"):
            for out in stage.get(field, []) or []:
                made[str(next(iter(out)) if isinstance(out, dict) else out)] = name
    return made


def remake(path: Path, root: Path = Path(".")) -> str:
    """How to get a saved file back (`path` relative to the project's `root`): the `dvc repro` of the stage that
    writes it, or of everything."""
    path = Path(path)
    made = _makers((Path(root) / "dvc.yaml").resolve()).items()
    stage = next((name for out, name in made if path == Path(out) or Path(out) in path.parents), None)
    target = f"dvc repro {stage}" if stage else "dvc repro"
    return f"remake it with `{target}` (or `dvc checkout {path}` to restore the copy DVC cached)"


@contextmanager
def saved(path: Path, root: Path = Path(".")) -> Iterator[None]:
    """A saved file (`path`, relative to the project's `root`) read inside this block that is missing, truncated or
    not what it should be becomes one line naming the file and the command that remakes it."""
    try:
        yield
    except FileNotFoundError:
        raise PipelineError(f"{path} does not exist; {remake(path, root)}") from None
    except PermissionError as exc:
        raise PipelineError(f"{path} cannot be read ({exc.strerror}); give this user read access to it") from None
    except Exception as exc:  # whatever a truncated, emptied or foreign file raises while parsed
        why = str(exc).splitlines()[0][:120] if str(exc) else ""
        raise PipelineError(f"{path} is damaged or not what it should be ({type(exc).__name__}"
                            f"{': ' + why if why else ''}); {remake(path, root)}") from None


def make_folder(folder: Path) -> None:
    """An output's folder, made if missing; a file where it (or a folder above it) should be is one line."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), folder)
        raise PipelineError(f"cannot write to {folder}/: {blocking} is a file, not a folder; move it away (or "
                            "delete it), then rerun `dvc repro`") from None


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    make_folder(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same filesystem: the rename is atomic
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(path: Path, data: Any) -> None:
    # sorted keys and a final newline: byte-identical files for identical results (clean git diffs)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_files(files: dict[Path, Any]) -> None:
    """Each file by its content: bytes as they are, a DataFrame as CSV, anything else as JSON."""
    for path, content in files.items():
        if isinstance(content, bytes):
            write_bytes(path, content)
        elif isinstance(content, pd.DataFrame):
            write_table(path, content)
        else:
            write_json(path, content)


def read_json(path: Path, root: Path = Path("."), shape: type | tuple = (dict, list)) -> Any:
    """A saved JSON file (`path`, relative to the project's `root`) holding an object (or a list: `shape`)."""
    with saved(path, root):
        data = json.loads((Path(root) / path).read_text(encoding="utf-8"))
        if not isinstance(data, shape):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
    return data


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """A table people open (a report, predictions): text cells a spreadsheet would run as a formula are neutralised
    (stages.core.escaping.spreadsheet_safe)."""
    with atomic_path(path) as tmp:
        spreadsheet_safe(frame).to_csv(tmp, index=False)


def write_data(path: Path, frame: pd.DataFrame) -> None:
    """A table the stages read back (data/): every cell exactly as it is."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_table(path: Path) -> pd.DataFrame:
    """A table the stages wrote; columns written with leading zeros (zip codes) stay text, as ingest read them."""
    with saved(path):
        with open(path, newline="", encoding="utf-8") as f:
            head = list(itertools.islice(csv.reader(f), 2_001))
        codes = {name: str for i, name in enumerate(head[0] if head else [])
                 if any(i < len(row) and LEADING_ZERO.fullmatch(row[i]) for row in head[1:])}
        return pd.read_csv(path, dtype=codes or None)


def read_training_split(labels_path: Path, train_path: Path) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """labels.json (target, class names) and the training split as raw features X and class codes y."""
    labels = read_json(labels_path)
    train = read_table(train_path)
    return labels, train.drop(columns=labels["target"]), train[labels["target"]].to_numpy()


class ModelInputs(NamedTuple):
    """What compare_models and tune both start from."""
    labels: dict  # labels.json: target, classes, positive class
    X: pd.DataFrame  # raw training features
    y: np.ndarray  # class codes
    preprocessor: Any  # preprocess's ColumnTransformer, refitted inside every fold
    selected: dict  # selected.json: the selection method and k, refitted inside every fold


def read_model_inputs(labels_path: Path, train_path: Path, preprocessor_path: Path,
                      selected_path: Path) -> ModelInputs:
    labels, X, y = read_training_split(labels_path, train_path)
    return ModelInputs(labels, X, y, read_object(preprocessor_path), read_json(selected_path))


def write_object(path: Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        joblib.dump(obj, tmp)


def read_object(path: Path) -> Any:
    """A saved scikit-learn object. Unpickling runs code: only files this pipeline wrote are read."""
    with saved(path):
        return joblib.load(path)


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def tracked_input(path: str | Path, root: Path, key: str) -> Path:
    """A user's input (a table, an image folder, a weights file) must sit under `root`, a folder `dvc add`
    tracks, so DVC re-runs the stages that read it when it changes."""
    path = Path(path)
    if not path.resolve().is_relative_to(root.resolve()):
        raise PipelineError(f"{key} = '{path}' is outside {root}/; move it there and `dvc add` it "
                            f"(`dvc add {root}/{path.name}`), so DVC re-runs the stages that read it when it changes")
    return path


@contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield a temp folder beside `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    make_folder(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
