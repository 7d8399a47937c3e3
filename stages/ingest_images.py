"""Stage ingest_images: a folder of images (or the built-in digits, exported as PNG files so one loader
serves both) -> a manifest with its train/val/test split (the folder's own, or seeded and stratified), and per
split the pixels as uint8 arrays on disk (`x.npy`, `y.npy`), decoded in parallel a chunk at a time so memory
does not grow with the number of images (stages.core.images.decoding). The networks rescale to [0, 1] themselves."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

from skimage import io as skio

from stages.common import paths
from stages.common.arrays import rows_writer, write_array
from stages.common.io import atomic_dir, tracked_input, write_bytes, write_data, write_json
from stages.common.runner import run_stage
from stages.core.errors import listed
from stages.core.images import decoding, folders
from stages.core.images.pixels import check_classes_open, stored_format
from stages.core.images.plots import image_samples_figure
from stages.core.images.sizing import gpu_present
from stages.core.progress import bar
from stages.params import load_params

SPLITS = {"train": paths.IMAGES_TRAIN, "val": paths.IMAGES_VAL, "test": paths.IMAGES_TEST}


def source_folder(source: str) -> Path:
    """The images' folder: the built-in digits exported as PNG files into their declared output, or yours
    (under data/raw/images/, where `dvc add` tracks it; the digits' output then says it is unused)."""
    with atomic_dir(paths.DIGITS_DIR) as tmp:
        if source != "digits":
            (tmp / "README.txt").write_text(f"Not used: images.source is {source}.\n")  # DVC warns of an empty one
            return tracked_input(source, paths.RAW_IMAGES, "images.source")
        for i, (image, label) in enumerate(zip(*folders.digits_images(), strict=True)):
            (tmp / str(label)).mkdir(exist_ok=True)
            skio.imsave(tmp / str(label) / f"{i:04d}.png", image, check_contrast=False)
    return paths.DIGITS_DIR


def say(line: str, warning: bool = False) -> None:
    print(f"{'warning: ' if warning else ''}ingest_images: {line}", file=sys.stderr if warning else sys.stdout,
          flush=True)


def main() -> None:
    params = load_params(sections=("seed", "images"))
    images = params.images
    root = source_folder(images.source)
    manifest, loose = folders.list_images(root, images.layout, section="images")
    empty = folders.empty_class_folders(root) if images.layout != "prefix" else []
    for line in folders.folder_problems(empty, loose, images.strict, key="images.strict"):
        say(line, warning=True)
    check_classes_open(manifest["path"].tolist(), manifest["label"].tolist(), root)
    manifest["split"], groups, lines = folders.split_images(manifest, images.group, images.val_size, images.test_size,
                                                            params.seed, section="images")
    classes = folders.class_order(manifest["label"])
    manifest["code"] = manifest["label"].map({name: i for i, name in enumerate(classes)}).to_numpy()
    size, colour, look, source_side = stored_format(manifest["path"].tolist(), images.image_size, images.channels,
                                                    gpu_present(), decoding.pixel_limits(images)[1], section="images")
    for line in [*lines, size.line(), colour.line(), *([f"note: {look}"] if look else [])]:
        say(line)
    shape = (size.value, size.value, colour.value)

    start = time.perf_counter()
    with contextlib.ExitStack() as stack:  # the three split folders are replaced together, or none
        out = {part: stack.enter_context(atomic_dir(target)) for part, target in SPLITS.items()}
        appends = {part: stack.enter_context(rows_writer(out[part] / "x.npy", shape)) for part in SPLITS}
        progress = stack.enter_context(bar(len(manifest), "ingest_images", unit="images"))
        decoded = decoding.decode_splits(manifest, shape, images, root, appends, progress, section="images")
        rate = len(manifest) / (time.perf_counter() - start)
        if decoded.unreadable:
            say(f"skipped {len(decoded.unreadable)} unreadable file(s): {listed(decoded.unreadable)}", warning=True)
        if decoded.notes:
            say(f"{len(decoded.notes)} file(s) have an unusual value range, scaled as noted: "
                f"{listed(decoded.notes, 3)}", warning=True)
        manifest = manifest[decoded.keep].reset_index(drop=True)
        metrics = decoding.ingest_metrics(manifest, decoded, groups, loose, classes, size, colour)
        shown = [(image, label) for label in classes for image in decoded.samples.get(label, [])]
        for part in SPLITS:
            write_array(out[part] / "y.npy", decoded.codes[part])
        write_data(paths.IMAGE_MANIFEST, manifest[["path", "label", "split"]])
        write_json(paths.IMAGE_LABELS, {"classes": classes, "image_size": shape[0], "channels": shape[2],
                                        "resize": images.resize, "pixels": "uint8, 0-255",
                                        "source_side": source_side})  # glyphs or photos, whatever the stored size
        write_json(paths.INGEST_IMAGES_METRICS, metrics)
        write_bytes(paths.IMAGE_SAMPLES_PNG, image_samples_figure([i for i, _ in shown], [lb for _, lb in shown],
                                                                  classes))
    grouped = f" ({metrics['groups']['test']} groups in test)" if groups is not None else ""
    say(f"{len(manifest)} images, {len(classes)} classes -> {metrics['split']}{grouped} at "
        f"{'x'.join(map(str, shape))} ({images.resize}), {paths.IMAGE_MANIFEST.parent}/; decoded {rate:.0f} files/s "
        f"with {decoding.workers(images.n_jobs)} thread(s)")


if __name__ == "__main__":
    run_stage("ingest_images", main)
