"""A folder's images decoded split by split, in parallel and a chunk at a time, into the stage's row writers (one
per split), so memory does not grow with the number of images: which files were kept, which were rescaled
(a note), which are unreadable, and the first few training images of each class for the samples picture."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from stages.core.errors import PipelineError, listed
from stages.core.images.pixels import read_images

SAMPLES_PER_CLASS = 6
CHUNK = 256  # images decoded between writes


def workers(n_jobs: int) -> int:
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


@dataclass
class Decoded:
    keep: np.ndarray  # one flag per manifest row: its file was readable
    codes: dict[str, np.ndarray] = field(default_factory=dict)  # per split, the kept rows' class codes
    notes: list[str] = field(default_factory=list)  # files with an unusual value range, scaled as noted
    unreadable: list[str] = field(default_factory=list)
    samples: dict = field(default_factory=dict)  # class -> its first training images


def decode_splits(manifest: pd.DataFrame, shape: tuple, images, root: Path, appends: dict[str, Callable], progress,
                  *, section: str) -> Decoded:
    """Each split's files (the manifest's path, label, class code and split) into appends[split], resized as
    `images.resize` says on `images.n_jobs` threads; under `images.strict` the first chunk with an unreadable file
    stops the stage, naming the files by their path inside `root`. Files narrower than `images.min_side` or
    declaring more than `images.max_megapixels` are never decoded. A class left with no readable image is an
    error. `images`: the validated `<section>` of params.yaml."""
    codes, resize, jobs, strict = manifest["code"].to_numpy(), images.resize, images.n_jobs, images.strict
    limits, key = pixel_limits(images), f"{section}.strict"
    decoded = Decoded(np.zeros(len(manifest), dtype=bool))
    for part, append in appends.items():
        rows = (manifest["split"] == part).to_numpy()
        files, labels, kept = manifest["path"][rows].tolist(), manifest["label"][rows], []
        done = 0
        for pixels, outcomes in read_images(files, shape[0], shape[2], resize, workers(jobs), CHUNK, limits):
            append(pixels)
            for path, outcome in zip(files[done:done + len(outcomes)], outcomes, strict=True):
                kept.append(not isinstance(outcome, Exception))
                if outcome:  # a note or an Unreadable: named by its path inside the source folder
                    named = f"{Path(path).relative_to(root).as_posix()} ({outcome})"
                    (decoded.unreadable if isinstance(outcome, Exception) else decoded.notes).append(named)
            if part == "train":  # the first few of each class, for the samples picture
                readable = labels.iloc[done:done + len(outcomes)][np.array(kept[done:], dtype=bool)]
                for image, label in zip(pixels, readable, strict=True):
                    if len(group := decoded.samples.setdefault(label, [])) < SAMPLES_PER_CLASS:
                        group.append(image)
            done += len(outcomes)
            if decoded.unreadable and strict:
                raise PipelineError(f"{len(decoded.unreadable)} file(s) are not readable images: "
                                    f"{listed(decoded.unreadable)}; remove them, or set {key}: false to skip them")
            progress.update(len(outcomes))
        mask = np.array(kept, dtype=bool)
        decoded.codes[part] = codes[rows][mask].astype(np.int64)
        decoded.keep[np.flatnonzero(rows)[mask]] = True
    lost = sorted(set(manifest["label"]) - set(manifest["label"][decoded.keep]), key=str)
    if lost:
        raise PipelineError(f"class {lost[0]!r} has no readable image: all {int((manifest['label'] == lost[0]).sum())} "
                            f"of its files failed to decode ({listed(decoded.unreadable, 2)}); fix or remove them")
    return decoded


def pixel_limits(images) -> tuple[int, int]:
    """(the smallest side, the most pixels a file may declare), from the images section."""
    return images.min_side, int(images.max_megapixels * 1e6)


def ingest_metrics(manifest: pd.DataFrame, decoded: Decoded, groups: pd.Series | None, loose: list, classes: list,
                   size, colour) -> dict:
    """The kept images' counts per split (and patient groups, when images.group is set), with the size rules."""
    splits = list(decoded.codes)
    metrics = {"n_images": len(manifest), "n_unreadable": len(decoded.unreadable), "n_loose": len(loose),
               "n_rescaled": len(decoded.notes), "n_classes": len(classes),
               "split": {part: int((manifest["split"] == part).sum()) for part in splits},
               "image_size": size.value, "channels": colour.value,
               "size_rules": {"image_size": size.reason, "channels": colour.reason}}
    if groups is not None:
        kept = groups[decoded.keep].reset_index(drop=True)
        metrics["groups"] = {part: int(kept[manifest["split"] == part].nunique()) for part in splits}
    return metrics
