"""Training curves to DVCLive while a network trains, for the image and the table networks alike."""

from __future__ import annotations

from stages.core.training import runtime  # noqa: F401  (first: quiets TensorFlow's start-up logs before Keras loads it)

import keras  # noqa: E402, I001


class LiveLogger(keras.callbacks.Callback):
    """Per-epoch metrics to DVCLive (train/loss, eval/loss, ...), so `dvc plots show` draws the curves while
    training runs. Pure Keras, unlike dvclive.keras, which imports TensorFlow."""

    def __init__(self, live, phase: int | None = None):
        super().__init__()
        self.live, self.phase = live, phase

    def on_epoch_end(self, epoch, logs=None):
        if self.phase is not None:  # transfer: which phase each step of the one continuous curve belongs to
            self.live.log_metric("phase", self.phase)
        for name, value in (logs or {}).items():
            if name != "learning_rate":
                split = "eval" if name.startswith("val_") else "train"
                self.live.log_metric(f"{split}/{name.removeprefix('val_')}", float(value))
        self.live.next_step()
