"""train_dnn's training throughput (rows/s) against a plain `model.fit` on the same in-memory arrays, from one
run (target: >= 0.9x).

    python -m benchmarks.dnn_throughput    (from the repo root, inside .venv)

The stage's way: compile_dense (8 steps per execution), fit_dense (early stopping, here with a patience that
never stops it) and the DVCLive logger writing every epoch. The plain way: the same network compiled with
Keras' defaults, `model.fit(x, y, validation_data=...)`. Both train the same epochs on the same rows; two
tables: breast_cancer's training split as the default pipeline encodes it, and 50,000 synthetic rows.
"""

from __future__ import annotations

import os
import tempfile
import time
from types import SimpleNamespace

from sklearn.datasets import make_classification

from benchmarks.common import SEED, training_split
from stages.core.tabular.dense import build_dense, compile_dense, fit_dense  # noqa: I001  (after runtime)
from stages.core.training.live import LiveLogger
from stages.core.training.runtime import configure

UNITS, BATCH = [64, 32], 32


def stage_way(x, y, xv, yv, epochs: int) -> float:
    from dvclive import Live

    configure(SEED, "off")
    model = compile_dense(build_dense(x.shape[1], UNITS, 0.2, False, 2, "classification"),
                          "categorical_crossentropy", "adam", 0.001, 0.9)
    with tempfile.TemporaryDirectory() as folder:
        live = Live(folder, dvcyaml=False, save_dvc_exp=False, report=None)
        start = time.perf_counter()
        fit_dense(model, (x, y), (xv, yv), SimpleNamespace(batch_size=BATCH, epochs=epochs, patience=epochs),
                  callbacks=(LiveLogger(live),))
        seconds = time.perf_counter() - start
        live.end()
    return seconds


def plain_way(x, y, xv, yv, epochs: int) -> float:
    import keras

    configure(SEED, "off")
    model = build_dense(x.shape[1], UNITS, 0.2, False, 2, "classification")
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, validation_data=(xv, yv), batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0)
    return time.perf_counter() - start


def tables():
    X, y, preprocessor = training_split()
    x = preprocessor.fit(X).transform(X).to_numpy(dtype="float32")
    yield "breast_cancer training split", x, y, 30
    x, y = make_classification(n_samples=50_000, n_features=30, n_informative=10, random_state=SEED)
    yield "50,000 synthetic rows", x.astype("float32"), y, 3


def main() -> None:
    print(f"train_dnn throughput, network {UNITS}, batch {BATCH}, {os.cpu_count()} CPUs")
    for name, x, y, epochs in tables():
        cut = int(0.8 * len(x))
        fit = (x[:cut], y[:cut], x[cut:], y[cut:])
        plain_way(*fit, 1)  # warm-up: TensorFlow's first graph
        plain, stage = plain_way(*fit, epochs), stage_way(*fit, epochs)
        rows = cut * epochs
        print(f"  {name} ({cut} rows x {x.shape[1]}, {epochs} epochs): plain model.fit {rows / plain:9,.0f} rows/s, "
              f"the stage {rows / stage:9,.0f} rows/s -> {plain / stage:.2f}x (target >= 0.9x)")


if __name__ == "__main__":
    main()
