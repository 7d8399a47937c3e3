"""Image folders -> a labelled manifest -> arrays a network can take (scikit-image does the pixels).

Two layouts: class sub-folders (`NORMAL/x.png`, `PNEUMONIA/y.png`) or one flat folder whose file names
start with the label (`7_0012.png`). Every image is converted to the same channels and size, so mixed
sizes and colour modes (grey, RGB, RGBA, 16-bit) are fine.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from skimage import io as skio
from skimage.color import gray2rgb, rgb2gray, rgba2rgb
from skimage.transform import resize
from skimage.util import img_as_float32
from sklearn.model_selection import train_test_split

from stages.core.errors import PipelineError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def detect_layout(root: Path) -> str:
    """`subfolders` when the root holds class folders, `prefix` when it holds the files themselves."""
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return "subfolders" if folders else "prefix"


def list_images(root: Path, layout: str, key: str) -> pd.DataFrame:
    """(path, label) for every file; labels from the folder name or the file-name prefix before `_`."""
    if not root.is_dir():
        raise PipelineError(f"{key} = '{root}' is not a folder; point it at a folder of images under data/raw/images/")
    layout = detect_layout(root) if layout == "auto" else layout
    if layout == "subfolders":
        rows = [(p, folder.name) for folder in sorted(root.iterdir()) if folder.is_dir()
                and not folder.name.startswith(".") for p in _images_in(folder)]
    else:
        files = _images_in(root)
        unlabelled = [p.name for p in files if "_" not in p.stem or not p.stem.split("_", 1)[0]]
        if unlabelled:
            raise PipelineError(
                f"{key}: {len(unlabelled)} file name(s) carry no label prefix, e.g. {', '.join(unlabelled[:3])}; "
                "name flat-layout files `<label>_<anything>.png` (like 7_0012.png), or use class sub-folders"
            )
        rows = [(p, p.stem.split("_", 1)[0]) for p in files]
    if not rows:
        raise PipelineError(f"{key} = '{root}' holds no image files; add images (class sub-folders or "
                            "label-prefixed names)")
    return pd.DataFrame(rows, columns=["path", "label"]).astype({"path": str})


def read_image(path: str, size: int, channels: int) -> np.ndarray:
    """Any readable image -> float32 in [0, 1], shape (size, size, channels)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. low-contrast or palette warnings: the pixels are fine
        image = skio.imread(path)
    if image.ndim == 3 and image.shape[-1] == 4:
        image = rgba2rgb(image)
    if image.ndim == 3 and image.shape[-1] == 2:  # grey + alpha
        image = image[..., 0]
    image = img_as_float32(image)
    if channels == 1 and image.ndim == 3:
        image = rgb2gray(image)
    if channels == 3 and image.ndim == 2:
        image = gray2rgb(image)
    if image.shape[:2] != (size, size):
        image = resize(image, (size, size), anti_aliasing=image.shape[0] > size, preserve_range=True)
    image = image.reshape(size, size, channels)
    return np.clip(image, 0, 1).astype(np.float32)


def load_images(manifest: pd.DataFrame, size: int, channels: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Read every file in the manifest: the stack of readable ones, a mask of which rows they are, and
    the names of the files that could not be read."""
    arrays, kept, unreadable = [], [], []
    for path in manifest["path"]:
        try:
            arrays.append(read_image(path, size, channels))
            kept.append(True)
        except (OSError, ValueError, SyntaxError):  # what imageio/Pillow raise for a non-image
            unreadable.append(Path(path).name)
            kept.append(False)
    stack = np.stack(arrays) if arrays else np.empty((0, size, size, channels), np.float32)
    return stack, np.array(kept, dtype=bool), unreadable


def split_manifest(manifest: pd.DataFrame, val_size: float, test_size: float, seed: int) -> pd.Series:
    """A seeded, stratified train/val/test assignment per row."""
    counts = manifest["label"].value_counts()
    if len(counts) < 2:
        raise PipelineError(f"only one class ({counts.index[0]!r}) was found; a classifier needs at least two")
    rare = counts[counts < 3]
    if len(rare):
        raise PipelineError(f"class {rare.index[0]!r} has {rare.iloc[0]} image(s); each class needs at least 3 "
                            "(one per split): add images or remove the class")
    try:
        rest, test = train_test_split(manifest.index, test_size=test_size, stratify=manifest["label"],
                                      random_state=seed)
        train, val = train_test_split(rest, test_size=val_size / (1 - test_size),
                                      stratify=manifest.loc[rest, "label"], random_state=seed)
    except ValueError as exc:
        raise PipelineError(f"images.val_size / images.test_size cannot split {len(manifest)} images in "
                            f"{len(counts)} classes ({exc}); add images or raise the sizes") from None
    split = pd.Series("train", index=manifest.index)
    split[val], split[test] = "val", "test"
    return split


def digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits as 8-bit grey images (0..16 scaled to 0..255) and their labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return np.round(digits.images * 255 / 16).astype(np.uint8), digits.target
