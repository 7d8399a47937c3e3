"""File reads and writes for the stage shells. Every write is atomic: a temp file, then a rename,
so an output is either complete or absent (never half-written after a crash or an error)."""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import joblib
import numpy as np
import pandas as pd

from stages.core.tabular.columns import LEADING_ZERO


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
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


def metric_numbers(tree: dict, prefix: str = "") -> dict[str, float]:
    """A metrics file's numbers by dotted key (phase1.test_accuracy); flags (true/false) are no numbers."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= metric_numbers(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[prefix + key] = value
    return flat


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text())


def write_table(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_table(path: Path) -> pd.DataFrame:
    """A table the stages wrote; columns written with leading zeros (zip codes) stay text, as ingest read them."""
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
    return joblib.load(path)


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


@contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield a temp folder beside `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _npy_header(shape: tuple, dtype) -> dict:
    return {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}


@contextmanager
def rows_writer(path: Path, row_shape: tuple, dtype=np.uint8) -> Iterator:
    """A .npy file written a chunk of rows at a time (`append(rows)`), so memory holds one chunk, not the array.
    NumPy pads every header so the row count can be rewritten in place once it is known."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        count = 0

        def append(rows: np.ndarray) -> None:
            nonlocal count
            f.write(np.ascontiguousarray(rows, dtype=dtype).tobytes())
            count += len(rows)

        np.lib.format.write_array_header_1_0(f, _npy_header((0, *row_shape), dtype))
        yield append
        f.seek(0)
        np.lib.format.write_array_header_1_0(f, _npy_header((count, *row_shape), dtype))


class ImageRows:
    """Rows of a .npy file read on demand with os.pread: no memory map, so only the rows asked for are in
    memory (a map's pages would count towards the process's memory as an epoch touches them all)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, self.dtype = read_header(f)
            self.offset = f.tell()
        if fortran:
            raise ValueError(f"{self.path}: Fortran-ordered arrays are not supported")
        self.shape = shape
        self.row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * self.dtype.itemsize
        self._fd = os.open(self.path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)

    def __getitem__(self, rows) -> np.ndarray:
        """Rows by index (any order, repeats allowed); consecutive ones are read in one call."""
        rows = np.arange(len(self))[rows] if isinstance(rows, slice) else np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), *self.shape[1:]), self.dtype)
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]
        breaks = np.flatnonzero(np.diff(sorted_rows) != 1) + 1
        for run in np.split(np.arange(len(rows)), breaks):
            if not len(run):
                continue
            first = int(sorted_rows[run[0]])
            data = os.pread(self._fd, self.row_bytes * len(run), self.offset + first * self.row_bytes)
            out[order[run]] = np.frombuffer(data, self.dtype).reshape(len(run), *self.shape[1:])
        return out


def write_array(path: Path, array: np.ndarray) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as f:  # a file object: np.save would append .npy
        np.save(f, array)


def read_array(path: Path) -> np.ndarray:
    return np.load(path)


def read_image_split(folder: Path) -> tuple[ImageRows, np.ndarray]:
    """A split as ingest_images wrote it: its pixels, read a batch at a time, and its class codes."""
    return ImageRows(Path(folder) / "x.npy"), read_array(Path(folder) / "y.npy")


def live_log(metrics_file: Path):
    """DVCLive for one training run, under metrics_file's folder. dvcyaml=False: dvc.yaml declares the plots
    itself, and no library rewrites it (or params.yaml) at run time."""
    out, err = sys.stdout, sys.stderr  # before the import: its logging set-up (colorama) swaps in the raw streams
    from dvclive import Live

    live = Live(str(Path(metrics_file).parent), dvcyaml=False, save_dvc_exp=False, report=None)
    sys.stdout, sys.stderr = out, err  # the stage's own, wrapped at its width
    return live


def write_keras(path: Path, model) -> None:
    """model.save, byte-reproducible (stages.core.training.saving), written completely or not at all."""
    from stages.core.training.saving import save_keras  # Keras is loaded by then: only the network stages call this

    with atomic_path(path) as tmp:
        save_keras(model, tmp)
