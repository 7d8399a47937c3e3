"""The image defaults on a photo folder, from one run: old defaults against new, and train_cnn's fit against a bare
model.fit.

    python -m benchmarks.image_defaults [images per class, default 150]

1. Writes a seeded folder shaped like the course's chest X-rays (benchmarks/photo_folder.py: 300x300 grey pictures,
   a localised pattern tells the classes apart, one patient's images share a name) and runs ingest_images and
   train_cnn on it, as DVC runs them, four ways: the old defaults (16 px, the two-block MNIST network, no
   augmentation, patience 8) and the new ones (`auto` everywhere), each with the seeded stratified split and with
   `images.group` (no patient on two sides). Prints a table: size, network, epochs, seconds, test accuracy.
2. Times train_cnn's fit (stages.core.images.networks.fit: batches read from disk by ImageBatches, early stopping,
   the falling rate, the progress and DVCLive callbacks) against a bare `model.fit` of the same model on the same
   arrays in memory, EPOCHS epochs each, best of ROUNDS, alternating (target <= 1.1x).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.images_at_scale import run
from benchmarks.photo_folder import GROUP_PATTERN, write_photo_folder

REPO = Path(__file__).resolve().parents[1]
OLD = {"images": {"image_size": 16, "channels": 1, "augment": False},
       "cnn": {"conv": {"filters": [32, 64], "batch_norm": False, "pooling": "flatten"}, "patience": 8,
               "reduce_lr": False}}
EPOCHS, ROUNDS = 4, 2


def merged(base: dict, changes: dict) -> dict:
    for key, value in changes.items():
        base[key] = merged(base[key], value) if isinstance(value, dict) else value
    return base


def project(root: Path, name: str, source: Path, changes: dict) -> Path:
    folder = root / name
    params = merged(yaml.safe_load((REPO / "params.yaml").read_text()), changes)
    params["images"]["source"] = "data/raw/images/xray"
    (folder / "data/raw").mkdir(parents=True)
    (folder / "data/raw/images").symlink_to(source.parent)  # resolves inside data/raw/images, as ingest asks
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return folder


def defaults_table(root: Path, source: Path) -> Path:
    ways = {"old defaults": OLD, "new defaults": {},
            "old defaults, images.group": merged(json.loads(json.dumps(OLD)), {"images": {"group": GROUP_PATTERN}}),
            "new defaults, images.group": {"images": {"group": GROUP_PATTERN}}}
    print("| run | size | network | test images (groups) | epochs (best) | seconds | test accuracy |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, (name, changes) in enumerate(ways.items()):
        folder = project(root, f"run{i}", source, changes)
        run("ingest_images", folder)
        seconds, _, _ = run("train_cnn", folder)
        ingest = json.loads((folder / "reports/ingest_images/metrics.json").read_text())
        cnn = json.loads((folder / "reports/train_cnn/metrics.json").read_text())
        network = "[32, 64], flatten" if changes is OLD or "conv" in changes.get("cnn", {}) else "auto"
        groups = f" ({ingest['groups']['test']})" if "groups" in ingest else ""
        print(f"| {name} | {ingest['image_size']} | {network} | {ingest['split']['test']}{groups} | "
              f"{cnn['epochs_trained']} ({cnn['best_epoch']}) | {seconds:.0f} | {cnn['test_accuracy']:.3f} |",
              flush=True)
    return root / "run1"  # the new defaults' project, for the throughput


def throughput(folder: Path) -> None:
    import os

    os.chdir(folder)
    sys.path.insert(0, str(REPO))
    from stages.core.training.runtime import configure

    configure(42, "off")
    import keras

    from stages.common.arrays import read_image_split
    from stages.common.keras_io import live_log
    from stages.core.images import sizing
    from stages.core.images.networks import ImageBatches, Phase, course_network, fit
    from stages.core.training.live import LiveLogger
    from stages.params import load_params

    cnn = load_params().cnn
    (x, y), (vx, vy) = read_image_split(Path("data/images/train")), read_image_split(Path("data/images/val"))
    size = x.shape[1]
    # train_cnn's, at the defaults
    rules = sizing.cnn_rules(cnn, "auto", size, len(x), key="images.augment", section="cnn")

    def model() -> keras.Model:
        keras.utils.set_random_seed(42)
        return course_network(cnn, x.shape[1:], 2, rules, 42, key="images.image_size", section="cnn")

    in_memory = (x[range(len(x))], vx[range(len(vx))])  # ImageRows -> arrays

    def stage_fit(m: keras.Model) -> None:  # patience above the epochs: both run every epoch
        live = LiveLogger(live_log(Path(tempfile.mkdtemp()) / "metrics.json"))
        fit(m, ImageBatches(x, y, cnn.batch_size, seed=42), ImageBatches(vx, vy, cnn.batch_size),
            Phase("bench", EPOCHS, EPOCHS + 1, reduce_lr=rules.reduce_lr.value), callbacks=(live,))

    ways = {
        "train_cnn's fit": stage_fit,
        "bare model.fit": lambda m: m.fit(in_memory[0], y, batch_size=cnn.batch_size, epochs=EPOCHS,
                                          validation_data=(in_memory[1], vy), verbose=0),
    }
    best = {name: float("inf") for name in ways}
    for _ in range(ROUNDS):
        for name, how in ways.items():
            m = model()
            start = time.perf_counter()
            how(m)
            best[name] = min(best[name], time.perf_counter() - start)
    stage, bare = best.values()
    print(f"\ntraining {len(x)} images at {size} px, {EPOCHS} epochs: train_cnn's fit {stage:.1f} s, bare model.fit "
          f"{bare:.1f} s: {stage / bare:.2f}x (target <= 1.1; best of {ROUNDS} each)")


def main() -> None:
    per_class = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    root = Path(tempfile.mkdtemp(prefix="image-defaults-"))
    try:
        source = write_photo_folder(root / "raw/images/xray", per_class)
        print(f"{2 * per_class} pictures of 300x300 in {source}; one run on this machine\n")
        throughput(defaults_table(root, source))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
