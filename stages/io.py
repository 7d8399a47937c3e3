"""File reads and writes for the stage shells. Every write is atomic: a temp file, then a rename,
so an output is either complete or absent (never half-written after a crash or an error)."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import joblib
import pandas as pd


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


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text())


def write_table(path: Path, frame: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def write_object(path: Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        joblib.dump(obj, tmp)


def read_object(path: Path) -> Any:
    return joblib.load(path)


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
