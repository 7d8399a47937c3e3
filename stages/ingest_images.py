"""Stage ingest_images: a folder of images (or the built-in digits, exported as PNG files so one loader
serves both) -> a manifest with its train/val/test split (the folder's own, or seeded and stratified), and per
split the pixels as uint8 arrays on disk (`x.npy`, `y.npy`), decoded in parallel a chunk at a time so memory
does not grow with the number of images. The networks rescale to [0, 1] themselves."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from skimage import io as skio

from stages import paths
from stages.core.errors import PipelineError, listed
from stages.core.images.folders import (
    class_order,
    digits_images,
    empty_class_folders,
    folder_problems,
    list_images,
    split_images,
)
from stages.core.images.pixels import read_images, stored_format
from stages.core.images.plots import image_samples_figure
from stages.core.images.sizing import gpu_present
from stages.core.progress import bar
from stages.io import atomic_dir, rows_writer, write_array, write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage

SPLITS = {"train": paths.IMAGES_TRAIN, "val": paths.IMAGES_VAL, "test": paths.IMAGES_TEST}
SAMPLES_PER_CLASS = 6
CHUNK = 256  # images decoded between writes


def export_digits(folder: Path) -> None:
    images, labels = digits_images()
    with atomic_dir(folder) as tmp:
        for i, (image, label) in enumerate(zip(images, labels, strict=True)):
            (tmp / str(label)).mkdir(exist_ok=True)
            skio.imsave(tmp / str(label) / f"{i:04d}.png", image, check_contrast=False)


def source_folder(source: str) -> Path:
    if source == "digits":
        export_digits(paths.DIGITS_DIR)
        return paths.DIGITS_DIR
    with atomic_dir(paths.DIGITS_DIR) as tmp:  # a declared output, unused when the images are yours
        (tmp / "README.txt").write_text(f"Not used: images.source is {source}.\n")  # DVC warns of an empty one
    folder = Path(source)
    if not folder.resolve().is_relative_to(paths.RAW_IMAGES.resolve()):
        raise PipelineError(f"images.source = '{source}' is outside {paths.RAW_IMAGES}/; move the folder there and "
                            f"run `dvc add {paths.RAW_IMAGES}/{folder.name}` so DVC re-runs the image stages when "
                            "images change")
    return folder


def n_jobs(value: int) -> int:
    return (os.cpu_count() or 1) if value == -1 else value


def warn(line: str) -> None:
    print(f"warning: ingest_images: {line}", file=sys.stderr, flush=True)


def decode_split(rows: pd.DataFrame, folder: Path, codes: np.ndarray, im, shape: tuple, root: Path,
                 samples: dict | None, progress):
    """Decode one split's files into folder/x.npy and y.npy; return the kept-row mask, range notes, and the
    unreadable files (stopping at the first chunk that has any under images.strict)."""
    kept, notes, unreadable = [], [], []
    files = rows["path"].tolist()
    with rows_writer(folder / "x.npy", shape) as append:
        done = 0
        for pixels, outcomes in read_images(files, shape[0], shape[2], im.resize, n_jobs(im.n_jobs), CHUNK,
                                            im.min_side):
            append(pixels)
            for path, outcome in zip(files[done:done + len(outcomes)], outcomes, strict=True):
                kept.append(not isinstance(outcome, Exception))
                if outcome:  # a note or an Unreadable: named by its path inside the source folder
                    named = f"{Path(path).relative_to(root).as_posix()} ({outcome})"
                    (unreadable if isinstance(outcome, Exception) else notes).append(named)
            if samples is not None:  # the first few of each class, for the samples picture
                labels = rows["label"].iloc[done:done + len(outcomes)][np.array(kept[done:], dtype=bool)]
                for image, label in zip(pixels, labels, strict=True):
                    if len(group := samples.setdefault(label, [])) < SAMPLES_PER_CLASS:
                        group.append(image)
            done += len(outcomes)
            if unreadable and im.strict:
                raise PipelineError(f"{len(unreadable)} file(s) are not readable images: {listed(unreadable)}; "
                                    "remove them, or set images.strict: false to skip them")
            progress.update(len(outcomes))
    mask = np.array(kept, dtype=bool)
    write_array(folder / "y.npy", codes[mask].astype(np.int64))
    return mask, notes, unreadable


@contextlib.contextmanager
def decoded_splits(manifest: pd.DataFrame, codes: np.ndarray, im, shape: tuple, root: Path):
    """Decode every split into its folder; yields (kept-row mask, range notes, unreadable files, training
    samples). All three folders are replaced together when the block ends, or none."""
    keep, notes, unreadable, samples = np.zeros(len(manifest), dtype=bool), [], [], {}
    with contextlib.ExitStack() as stack:
        progress = stack.enter_context(bar(len(manifest), "ingest_images", unit="images"))
        for part, target in SPLITS.items():
            folder = stack.enter_context(atomic_dir(target))
            rows = (manifest["split"] == part).to_numpy()
            mask, found, bad = decode_split(manifest[rows], folder, codes[rows], im, shape, root,
                                            samples if part == "train" else None, progress)
            keep[np.flatnonzero(rows)[mask]] = True
            notes += found
            unreadable += bad
        yield keep, notes, unreadable, samples


def main() -> None:
    params = load_params()
    im = params.images
    root = source_folder(im.source)
    manifest, loose = list_images(root, im.layout, "images.source")
    for line in folder_problems(empty_class_folders(root) if im.layout != "prefix" else [], loose, im.strict,
                                key="images.strict"):
        warn(line)
    manifest["split"], groups, lines = split_images(manifest, im.group, im.val_size, im.test_size, params.seed,
                                                    "images.group")
    for line in lines:
        print(f"ingest_images: {line}", flush=True)
    classes = class_order(manifest["label"])
    codes = manifest["label"].map({name: i for i, name in enumerate(classes)}).to_numpy()
    size, colour, look = stored_format(manifest["path"].tolist(), im.image_size, im.channels, gpu_present())
    for decided in (size, colour):
        print(f"ingest_images: {decided.line()}", flush=True)
    if look:
        print(f"ingest_images: note: {look}", flush=True)
    shape = (size.value, size.value, colour.value)

    start = time.perf_counter()
    with decoded_splits(manifest, codes, im, shape, root) as (keep, notes, unreadable, samples):
        rate = len(manifest) / (time.perf_counter() - start)
        if unreadable:
            warn(f"skipped {len(unreadable)} unreadable file(s): {listed(unreadable)}")
        if notes:
            warn(f"{len(notes)} file(s) have an unusual value range, scaled as noted: {listed(notes, 3)}")
        manifest = manifest[keep].reset_index(drop=True)
        metrics = {"n_images": len(manifest), "n_unreadable": len(unreadable), "n_loose": len(loose),
                   "n_rescaled": len(notes), "n_classes": len(classes),
                   "split": {part: int((manifest["split"] == part).sum()) for part in SPLITS},
                   "image_size": size.value, "channels": colour.value,
                   "size_rules": {"image_size": size.reason, "channels": colour.reason}}
        if groups is not None:
            kept = groups[keep].reset_index(drop=True)
            metrics["groups"] = {part: int(kept[manifest["split"] == part].nunique()) for part in SPLITS}
        shown = [(image, label) for label in classes for image in samples.get(label, [])]
        write_table(paths.IMAGE_MANIFEST, manifest[["path", "label", "split"]])
        write_json(paths.IMAGE_LABELS, {"classes": classes, "image_size": shape[0], "channels": shape[2],
                                        "resize": im.resize, "pixels": "uint8, 0-255"})
        write_json(paths.INGEST_IMAGES_METRICS, metrics)
        write_bytes(paths.IMAGE_SAMPLES_PNG, image_samples_figure([i for i, _ in shown], [lb for _, lb in shown],
                                                                  classes))
    grouped = f" ({metrics['groups']['test']} groups in test)" if groups is not None else ""
    print(f"ingest_images: {len(manifest)} images, {len(classes)} classes -> {metrics['split']}{grouped} "
          f"at {'x'.join(map(str, shape))} ({im.resize}), {paths.IMAGE_MANIFEST.parent}/; "
          f"decoded {rate:.0f} files/s with {n_jobs(im.n_jobs)} thread(s)")


if __name__ == "__main__":
    run_stage("ingest_images", main)
