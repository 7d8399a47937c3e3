"""Where pre-training pays off: transfer against training from scratch at 5, 10 and 20 labelled images per
class, from one run.

    make bench    (or: python -m benchmarks.transfer_few_shot from the repo root, inside .venv, after make repro)

The transfer stage's default experiment, repeated: the pipeline backbone is pre-trained once on the source
digits (params transfer.pipeline), then for each few-shot size and each of DRAWS seeded draws of the target
training images, a copy gets the new head (phase 1 frozen, phase 2 fine-tuning), and the same network from
random weights trains on the same images for as many epochs at most (every phase stops early, as in the
stage). Test accuracy on the target classes; mean and
range over the draws, since a 5-per-class draw can be lucky or not.
"""

from __future__ import annotations

import time

import numpy as np

from stages.common import paths
from stages.common.arrays import read_image_split
from stages.common.io import read_json
from stages.core.images.transfer_plan import few_shot, input_size, only, source_and_target
from stages.core.training.runtime import configure
from stages.params import load_params

SIZES = (5, 10, 20)
DRAWS = 3


def in_memory(folder) -> tuple[np.ndarray, np.ndarray]:
    """The digits are small: a split's pixels and codes, all read at once."""
    pixels, codes = read_image_split(folder)
    return pixels[np.arange(len(pixels))], codes


def main() -> None:
    params = load_params()
    t = params.transfer
    if not paths.IMAGES_TRAIN.exists():
        raise SystemExit(f"{paths.IMAGES_TRAIN} is missing: run `make repro` (or `dvc repro ingest_images`) first")
    runtime = configure(params.seed, t.mixed_precision)
    from stages.core.images import transfer as tl  # after configure(): Keras loads with the seed set
    from stages.core.images.networks import ImageBatches, Phase

    classes = read_json(paths.IMAGE_LABELS)["classes"]
    train, val, test = (in_memory(split) for split in (paths.IMAGES_TRAIN, paths.IMAGES_VAL, paths.IMAGES_TEST))
    source, target = source_and_target(classes, "pipeline", t.pipeline.source_classes, section="transfer")
    stored = train[0].shape[1:]
    size = input_size("pipeline", stored[0], t.input_size, len(t.pipeline.filters), key="transfer.input_size")
    head = tl.Head(stored, "pipeline", size, t.head)

    def batches(split, codes, seed=None, picked=None) -> ImageBatches:
        rows, y = only(split[1], codes)
        if picked is not None:
            rows, y = rows[picked], y[picked]
        return ImageBatches(split[0], y, t.batch_size, rows=rows, seed=seed)

    def accuracy(model, data: ImageBatches) -> float:
        return float((model.predict(data, verbose=0).argmax(axis=1) == data.labels).mean())

    def backbone():
        return tl.make_backbone("pipeline", t.weights, size, stored[-1], t.pipeline.filters, key="transfer.weights")

    start = time.perf_counter()
    base = backbone()
    tl.pretrain(base, head, len(source), batches(train, source, params.seed), batches(val, source),
                Phase("pre-training", t.pipeline.epochs, t.patience, t.learning_rate))
    pretrained = base.get_weights()
    pretrain_seconds = time.perf_counter() - start
    val_target, test_target = batches(val, target), batches(test, target)
    y_all = only(train[1], target)[1]

    rows = []
    for per_class in SIZES:
        for draw in range(DRAWS):  # the stage's phases, one function each
            picked = few_shot(y_all, per_class, params.seed + draw)
            timings = {}
            start = time.perf_counter()
            copy = backbone()
            copy.set_weights(pretrained)
            few = tl.Experiment(batches(train, target, params.seed, picked), val_target, None, None, None)
            model, history = tl.train_head(copy, head, len(target), few,
                                           Phase("phase 1", t.epochs, t.patience, t.learning_rate))
            if t.fine_tune_layers and t.fine_tune_epochs:
                tl.fine_tune(model, copy, t.fine_tune_layers, few,
                             Phase("phase 2", t.fine_tune_epochs, t.patience, t.fine_tune_lr), history)
            transferred = accuracy(model, test_target)
            timings["transfer"] = time.perf_counter() - start

            start = time.perf_counter()
            scratch, _ = tl.train_baseline(backbone(), head, len(target), few,
                                           Phase("from scratch", t.epochs + t.fine_tune_epochs, t.patience,
                                                 t.learning_rate))
            timings["scratch"] = time.perf_counter() - start
            rows.append((per_class, transferred, accuracy(scratch, test_target), timings))

    print(f"transfer vs scratch: pipeline backbone pre-trained on classes {', '.join(classes[i] for i in source)} "
          f"({pretrain_seconds:.0f} s), target {', '.join(classes[i] for i in target)}; "
          f"{len(test_target.labels)} test images; backend {runtime['backend']}, {runtime['gpus']} GPU(s); "
          f"early stopping (patience {t.patience}) as in the stage; mean [min-max] over {DRAWS} draws")
    print(f"  {'per class':>9}  {'transfer':>20}  {'scratch':>20}  {'gain':>6}  {'time transfer/scratch':>21}")
    for per_class in SIZES:
        runs = [r for r in rows if r[0] == per_class]
        tr, sc = np.array([r[1] for r in runs]), np.array([r[2] for r in runs])
        ratio = sum(r[3]["transfer"] for r in runs) / sum(r[3]["scratch"] for r in runs)
        print(f"  {per_class:>9}  {tr.mean():.3f} [{tr.min():.3f}-{tr.max():.3f}]  "
              f"{sc.mean():.3f} [{sc.min():.3f}-{sc.max():.3f}]  {tr.mean() - sc.mean():+.3f}  {ratio:>21.2f}")


if __name__ == "__main__":
    main()
