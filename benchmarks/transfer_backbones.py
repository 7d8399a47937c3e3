"""Training speed of the keras.applications backbones under the transfer stage's head, phase 1 (frozen) and
phase 2 (top layers fine-tuned), float32 against mixed precision, from one run.

    make bench    (or: python -m benchmarks.transfer_backbones [--size 224] [--images 2048] from the repo root)

Random weights (the speed does not depend on them, and nothing is downloaded), the built-in digits resized
inside the model by BackboneInput, as the stage does. Images/s of one timed epoch after a warm-up epoch
(compilation). On a CPU the defaults stay small; on a GPU run it at the backbones' native 224 pixels.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np

from stages.core.images.folders import digits_images
from stages.core.training.runtime import configure, visible_gpus

BATCH = 64
FINE_TUNE_LAYERS = 10


def images_per_second(model, x, y) -> float:
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)  # warm-up: tracing and compilation
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=BATCH, verbose=0)
    return len(y) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64, help="pixels per side the backbone sees")
    parser.add_argument("--images", type=int, default=256, help="training images per timed epoch")
    parser.add_argument("--backbones", default="vgg16,mobilenet_v2,efficientnet_b0,resnet50")
    args = parser.parse_args()

    images, labels = digits_images()
    reps = -(-args.images // len(labels))
    x = np.tile((images / 255.0).astype("float32")[..., None], (reps, 1, 1, 1))[: args.images]
    y = np.tile(labels, reps)[: args.images]
    results = {}
    precisions = ("off", "on") if visible_gpus() else ("off",)  # float16 on a CPU is emulated: slow, not a choice
    for precision in precisions:
        runtime = configure(42, precision)
        from stages.core.images.backbones import application_backbone, unfreeze_top
        from stages.core.images.transfer import Head, compile_adam, with_head

        for name in args.backbones.split(","):
            base = application_backbone(name, "none", args.size, key="transfer.weights")
            head = Head(x.shape[1:], name, args.size, SimpleNamespace(pooling="avg", dense_units=128, dropout=0.3))
            model = compile_adam(with_head(base, head, 10, frozen=True), 1e-3)
            frozen = images_per_second(model, x, y)
            unfreeze_top(base, FINE_TUNE_LAYERS)
            fine = images_per_second(compile_adam(model, 1e-4), x, y)
            results[name, precision] = (frozen, fine)
            print(f"  {name:<16} mixed precision {precision:<3}  phase 1 {frozen:8.0f} images/s   "
                  f"phase 2 {fine:8.0f} images/s", flush=True)

    print(f"transfer backbones at {args.size}x{args.size}, batch {BATCH}, {args.images} images, top "
          f"{FINE_TUNE_LAYERS} layers fine-tuned in phase 2; backend {runtime['backend']}, {runtime['gpus']} GPU(s)")
    print(f"  {'backbone':<16} {'phase 1 img/s':>14} {'phase 2 img/s':>14} {'mixed/float32 (1, 2)':>22}")
    for name in args.backbones.split(","):
        (f1, f2), mixed = results[name, "off"], results.get((name, "on"))
        speedup = f"{mixed[0] / f1:>10.2f} {mixed[1] / f2:>10.2f}" if mixed else f"{'(GPU only)':>21}"
        print(f"  {name:<16} {f1:14.0f} {f2:14.0f} {speedup}")


if __name__ == "__main__":
    main()
