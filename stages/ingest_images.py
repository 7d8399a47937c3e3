"""Stage ingest_images: a folder of images (or the built-in digits, exported as PNG files so one loader
serves both) -> a manifest with a seeded, stratified train/val/test split, and the prepared arrays
(scikit-image: colour converted, resized to images.image_size, scaled to [0, 1])."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from skimage import io as skio

from stages import paths
from stages.core.errors import PipelineError
from stages.core.images import digits_images, list_images, load_images, split_manifest
from stages.core.plots import image_samples_figure
from stages.io import atomic_dir, write_arrays, write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage


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
    with atomic_dir(paths.DIGITS_DIR):  # declared output: left empty when the images are yours
        pass
    folder = Path(source)
    if not folder.resolve().is_relative_to(paths.RAW_IMAGES.resolve()):
        raise PipelineError(f"images.source = '{source}' is outside {paths.RAW_IMAGES}/; move the folder there and "
                            f"run `dvc add {paths.RAW_IMAGES}/{folder.name}` so DVC re-runs the image stages when "
                            "images change")
    return folder


def main() -> None:
    params = load_params()
    im = params.images
    strict = im.strict
    manifest = list_images(source_folder(im.source), im.layout, "images.source")
    images, kept, unreadable = load_images(manifest, im.image_size, im.channels)
    if unreadable:
        listed = ", ".join(unreadable[:5]) + (" ..." if len(unreadable) > 5 else "")
        if strict:
            raise PipelineError(f"{len(unreadable)} file(s) are not readable images: {listed}; remove them, "
                                "or set images.strict: false to skip them")
        print(f"warning: ingest_images: skipped {len(unreadable)} unreadable file(s): {listed}", file=sys.stderr)
    manifest = manifest[kept].reset_index(drop=True)
    manifest["split"] = split_manifest(manifest, im.val_size, im.test_size, params.seed)
    classes = sorted(manifest["label"].unique(), key=lambda c: (len(c), c))  # 2 before 10
    index = {name: i for i, name in enumerate(classes)}
    codes = manifest["label"].map(index).to_numpy()

    arrays = {}
    for part in ("train", "val", "test"):
        rows = (manifest["split"] == part).to_numpy()
        arrays[part] = {"x": images[rows], "y": codes[rows].astype(np.int64)}
    metrics = {
        "n_images": len(manifest),
        "n_unreadable": len(unreadable),
        "n_classes": len(classes),
        "split": {part: int((manifest["split"] == part).sum()) for part in ("train", "val", "test")},
    }
    train = manifest["split"] == "train"
    figure = image_samples_figure(images[train.to_numpy()], manifest.loc[train, "label"].tolist(), classes)

    write_table(paths.IMAGE_MANIFEST, manifest)
    write_json(paths.IMAGE_LABELS, {"classes": classes, "image_size": im.image_size, "channels": im.channels})
    write_arrays(paths.IMAGES_TRAIN, **arrays["train"])
    write_arrays(paths.IMAGES_VAL, **arrays["val"])
    write_arrays(paths.IMAGES_TEST, **arrays["test"])
    write_json(paths.INGEST_IMAGES_METRICS, metrics)
    write_bytes(paths.IMAGE_SAMPLES_PNG, figure)
    print(f"ingest_images: {len(manifest)} images, {len(classes)} classes -> {metrics['split']} "
          f"at {im.image_size}x{im.image_size}x{im.channels}, {paths.IMAGE_MANIFEST.parent}/")


if __name__ == "__main__":
    run_stage("ingest_images", main)
