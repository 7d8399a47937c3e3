"""The image stages' pixel arrays on disk (.npy): written a chunk of rows at a time, read a batch of rows at a
time, so memory holds neither the whole folder nor the whole split."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from stages.common.io import atomic_path, remake, saved
from stages.core.errors import PipelineError


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
        if os.path.getsize(self.path) < self.offset + len(self) * self.row_bytes:
            raise ValueError(f"truncated: the header promises {len(self):,} rows of {self.row_bytes:,} bytes")
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
    with saved(path):
        return np.load(path, allow_pickle=False)


def read_image_split(folder: Path) -> tuple[ImageRows, np.ndarray]:
    """A split as ingest_images wrote it: its pixels, read a batch at a time, and its class codes."""
    with saved(Path(folder) / "x.npy"):
        pixels = ImageRows(Path(folder) / "x.npy")
    codes = read_array(Path(folder) / "y.npy")
    if len(codes) != len(pixels):
        raise PipelineError(f"{folder}/: x.npy holds {len(pixels):,} images but y.npy {len(codes):,} labels; "
                            f"{remake(Path(folder) / 'x.npy')}")
    return pixels, codes
