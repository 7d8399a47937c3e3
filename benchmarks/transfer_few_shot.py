"""Where pre-training pays off: transfer against training from scratch at 5, 10 and 20 labelled images per
class, from one run.

    make bench    (or: python -m benchmarks.transfer_few_shot from the repo root, inside .venv, after make repro)

The transfer stage's default experiment, repeated: the pipeline backbone is pre-trained once on the source
digits (params transfer.pipeline), then for each few-shot size and each of DRAWS seeded draws of the target
training images, a copy gets the new head (phase 1 frozen, phase 2 fine-tuning), and the same network from
random weights trains on the same images for as many epochs. Test accuracy on the target classes; mean and
range over the draws, since a 5-per-class draw can be lucky or not.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from stages import paths
from stages.core.runtime import configure
from stages.io import read_image_split, read_json
from stages.params import load_params

SIZES = (5, 10, 20)
DRAWS = 3


def in_memory(folder: Path) -> dict:
    """The digits are small: a split's pixels and codes, all read at once."""
    pixels, codes = read_image_split(folder)
    return {"x": pixels[np.arange(len(pixels))], "y": codes}


def of_classes(arrays: dict, codes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    from stages.core.transfer import only  # after configure(): Keras loads with the seed set

    rows, y = only(arrays["y"], codes)
    return arrays["x"][rows], y


def accuracy(model, x, y, batch_size) -> float:
    return float((model.predict(x, batch_size=batch_size, verbose=0).argmax(axis=1) == y).mean())


def main() -> None:
    params = load_params()
    t = params.transfer
    if not paths.IMAGES_TRAIN.exists():
        raise SystemExit(f"{paths.IMAGES_TRAIN} is missing: run `make repro` (or `dvc repro ingest_images`) first")
    runtime = configure(params.seed, t.mixed_precision)
    from stages.core.transfer import (
        compile_adam, few_shot, input_size, pipeline_backbone, source_and_target, unfreeze_top, with_head,
    )

    classes = read_json(paths.IMAGE_LABELS)["classes"]
    train, test = in_memory(paths.IMAGES_TRAIN), in_memory(paths.IMAGES_TEST)
    source, target = source_and_target(classes, "pipeline", t.pipeline.source_classes)
    stored = train["x"].shape[1:]
    size = input_size("pipeline", stored[0], t.input_size, len(t.pipeline.filters))
    head = dict(shape=stored, backbone="pipeline", size=size, pooling=t.head.pooling,
                dense_units=t.head.dense_units, dropout=t.head.dropout)
    x_all, y_all = of_classes(train, target)
    test_x, test_y = of_classes(test, target)
    fit = dict(batch_size=t.batch_size, verbose=0)

    start = time.perf_counter()
    base = pipeline_backbone(size, stored[-1], t.pipeline.filters)
    compile_adam(with_head(base, n_classes=len(source), frozen=False, **head), t.learning_rate).fit(
        *of_classes(train, source), epochs=t.pipeline.epochs, **fit)
    pretrain_seconds = time.perf_counter() - start

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pretrained = Path(tmp) / "pipeline.weights.h5"
        base.save_weights(pretrained)
        for per_class in SIZES:
            for draw in range(DRAWS):
                picked = few_shot(y_all, per_class, params.seed + draw, [classes[i] for i in target])
                x, y = x_all[picked], y_all[picked]
                timings = {}

                start = time.perf_counter()
                copy = pipeline_backbone(size, stored[-1], t.pipeline.filters)
                copy.load_weights(pretrained)
                model = compile_adam(with_head(copy, n_classes=len(target), frozen=True, **head), t.learning_rate)
                model.fit(x, y, epochs=t.epochs, **fit)
                if t.fine_tune_layers and t.fine_tune_epochs:
                    unfreeze_top(copy, t.fine_tune_layers)
                    compile_adam(model, t.fine_tune_lr).fit(x, y, epochs=t.fine_tune_epochs, **fit)
                transferred = accuracy(model, test_x, test_y, t.batch_size)
                timings["transfer"] = time.perf_counter() - start

                start = time.perf_counter()
                fresh = pipeline_backbone(size, stored[-1], t.pipeline.filters)
                scratch = compile_adam(with_head(fresh, n_classes=len(target), frozen=False, **head), t.learning_rate)
                scratch.fit(x, y, epochs=t.epochs + t.fine_tune_epochs, **fit)
                timings["scratch"] = time.perf_counter() - start
                rows.append((per_class, transferred, accuracy(scratch, test_x, test_y, t.batch_size), timings))

    print(f"transfer vs scratch: pipeline backbone pre-trained on classes {', '.join(classes[i] for i in source)} "
          f"({pretrain_seconds:.0f} s), target {', '.join(classes[i] for i in target)}; {len(test_y)} test images; "
          f"backend {runtime['backend']}, {runtime['gpus']} GPU(s); mean [min-max] over {DRAWS} draws")
    print(f"  {'per class':>9}  {'transfer':>20}  {'scratch':>20}  {'gain':>6}  {'time transfer/scratch':>21}")
    for per_class in SIZES:
        runs = [r for r in rows if r[0] == per_class]
        tr, sc = np.array([r[1] for r in runs]), np.array([r[2] for r in runs])
        ratio = sum(r[3]["transfer"] for r in runs) / sum(r[3]["scratch"] for r in runs)
        print(f"  {per_class:>9}  {tr.mean():.3f} [{tr.min():.3f}-{tr.max():.3f}]  "
              f"{sc.mean():.3f} [{sc.min():.3f}-{sc.max():.3f}]  {tr.mean() - sc.mean():+.3f}  {ratio:>21.2f}")


if __name__ == "__main__":
    main()
