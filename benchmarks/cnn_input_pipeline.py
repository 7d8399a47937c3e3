"""train_cnn's input pipeline against a plain model.fit on arrays already in memory, from one run.

    make bench    (or: python -m benchmarks.cnn_input_pipeline from the repo root, inside .venv)

The stage reads the arrays ingest_images prepared (one .npz per split) and fits on them; if reading were
slow, training images/s would drop below that of a fit on in-memory arrays (target ratio >= 0.9).
Both fits use the default CNN on the built-in digits at 32x32, after one warm-up epoch (graph tracing),
alternating, best of ROUNDS each.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from stages.core.images import list_images, load_images
from stages.core.runtime import configure
from stages.ingest_images import export_digits
from stages.io import read_arrays, write_arrays
from stages.params import load_params

EPOCHS = 3
ROUNDS = 3


def build(params, shape, n_classes):
    from stages.core.networks import build_cnn, compile_model

    c = params.cnn
    configure(params.seed, "off")
    model = build_cnn(shape, n_classes, c.conv.filters, c.conv.kernel_size, c.conv.pool_size, c.conv.dropout,
                      c.conv.dense_units, c.conv.dense_dropout, [])
    return compile_model(model, c.optimizer, c.learning_rate, c.momentum)


def images_per_second(fit_from, params, n_classes) -> float:
    """fit_from() returns (x, y); it is timed together with the fit."""
    x, y = fit_from()
    model = build(params, x.shape[1:], n_classes)
    model.fit(x, y, epochs=1, batch_size=params.cnn.batch_size, verbose=0)  # warm-up: tracing, allocation
    start = time.perf_counter()
    x, y = fit_from()
    model.fit(x, y, epochs=EPOCHS, batch_size=params.cnn.batch_size, verbose=0)
    return EPOCHS * len(y) / (time.perf_counter() - start)


def main() -> None:
    params = load_params()
    with tempfile.TemporaryDirectory() as tmp:
        folder, npz = Path(tmp) / "digits", Path(tmp) / "train.npz"
        export_digits(folder)
        manifest = list_images(folder, "auto", "images.source")
        images, _, _ = load_images(manifest, params.images.image_size, params.images.channels)
        labels = manifest["label"].astype(int).to_numpy()
        write_arrays(npz, x=images, y=labels)

        def from_stage_files():
            arrays = read_arrays(npz)
            return arrays["x"], arrays["y"]

        def in_memory():
            return images, labels

        # interleaved, best of ROUNDS each: the machine is shared, the fastest run is the least disturbed
        stage = plain = 0.0
        for _ in range(ROUNDS):
            stage = max(stage, images_per_second(from_stage_files, params, 10))
            plain = max(plain, images_per_second(in_memory, params, 10))
    print(f"train_cnn input, digits {images.shape[1:]} x {len(labels)} images, batch {params.cnn.batch_size}, "
          f"{EPOCHS} epochs")
    print(f"  stage (read .npz + fit): {stage:8.0f} images/s (best of {ROUNDS})")
    print(f"  plain fit on arrays:     {plain:8.0f} images/s (best of {ROUNDS})")
    print(f"  ratio stage / plain: {stage / plain:.2f} (target >= 0.9)")


if __name__ == "__main__":
    main()
