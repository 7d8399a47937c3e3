"""Saving a Keras model so that the same weights give the same bytes (and dvc.lock stays put)."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path


def _renumber_shared_ids(config: bytes) -> bytes:
    """Object ids -> 1, 2, 3... in order of appearance; equal ids stay equal, so sharing is kept."""
    ids: dict[bytes, bytes] = {}
    return re.sub(rb'"shared_object_id": (\d+)',
                  lambda m: b'"shared_object_id": ' + ids.setdefault(m.group(1), str(len(ids) + 1).encode()), config)


def save_keras(model, path: Path) -> None:
    """model.save, made byte-reproducible: Keras stamps the date into metadata.json and the zip entries, and
    writes Python object ids (memory addresses) as `shared_object_id` in config.json, which would change
    the file (and dvc.lock) on every run even when the weights are identical."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = path.with_name(f".{os.getpid()}.{path.stem}.keras")  # Keras insists on the .keras suffix
    try:
        model.save(saved)
        with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w") as dst:
            for entry in src.infolist():
                data = src.read(entry)
                if entry.filename == "metadata.json":
                    meta = json.loads(data)
                    meta.pop("date_saved", None)
                    data = json.dumps(meta).encode()
                if entry.filename == "config.json":
                    data = _renumber_shared_ids(data)
                dst.writestr(zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0)), data,
                             compress_type=entry.compress_type)
    finally:
        if saved.exists():
            saved.unlink()
