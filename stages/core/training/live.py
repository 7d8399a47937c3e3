"""Training curves to DVCLive while a network trains, for the image and the table networks alike."""

from __future__ import annotations

import sys

from stages.core.training import runtime  # noqa: F401  (first: quiets TensorFlow's start-up logs before Keras loads it)

# isort: split
import keras

from stages.core.progress import bar


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


class EpochProgress(keras.callbacks.Callback):
    """What a fit prints: in a terminal one progress bar (core.progress.bar), else a line every LOG_EPOCHS
    epochs; then one line on how it ended, from the fit's EarlyStopping. Keras' own verbose=2 prints two lines
    per epoch: 350 lines for one `make repro`."""

    LOG_EPOCHS = 50

    def __init__(self, name: str, stop: keras.callbacks.EarlyStopping, stream=None):
        super().__init__()
        self.name, self.stop, self.stream = name, stop, stream or sys.stderr
        self.first, self.seen, self.bar = 0, 0, None

    def on_train_begin(self, logs=None):
        self.seen, self.bar = 0, None
        if self.stream.isatty():
            self.bar = bar(self.params["epochs"], self.name, unit="epochs", stream=self.stream)

    def on_epoch_begin(self, epoch, logs=None):
        if not self.seen:
            self.first = epoch  # a fine-tuning phase continues the first phase's count

    def on_epoch_end(self, epoch, logs=None):
        self.seen += 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(_scores(logs), refresh=False)
        elif self.seen % self.LOG_EPOCHS == 0:
            print(f"{self.name}: epoch {epoch + 1}/{self.params['epochs']}: {_scores(logs)}", file=self.stream)

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
        total = self.params["epochs"] - self.first
        best = self.stop.best_epoch + 1 - self.first
        how = (f"stopped early after {self.seen} of {total} epochs, no val_loss gain in {self.stop.patience}"
               if self.stop.stopped_epoch else f"ran all {total} epochs")
        print(f"{self.name}: {how}; kept epoch {best} (val_loss {self.stop.best:.4f})", file=self.stream)


def _scores(logs: dict | None) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in (logs or {}).items() if k != "learning_rate")
