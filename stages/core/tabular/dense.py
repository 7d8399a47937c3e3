"""Dense networks on tables (Keras 3): the course's Sequential -> Dense (ReLU) -> dropout -> softmax for classes,
or one linear unit for a quantity; and TableNetwork, the saved model that takes raw rows.

Load it anywhere, with no knowledge of the stage:

    from stages.core.tabular.dense import TableNetwork
    model = TableNetwork.load("models/train_dnn")
    model.predict(rows)          # rows: a DataFrame with the training CSV's feature columns
    model.predict_proba(rows)    # classification: one column per class
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from stages.core.training import runtime  # noqa: F401  (first: quiets TensorFlow's start-up logs before Keras loads it)

# isort: split
import keras
from keras import layers

from stages.core.tabular.dense_plan import TargetScale
from stages.core.tabular.labels import class_array
from stages.core.tabular.models import feature_rows
from stages.core.training.live import EpochProgress
from stages.core.training.saving import save_keras


def build_dense(n_inputs: int, units: list[int], dropout: float, batch_norm: bool, n_outputs: int,
                task: str) -> keras.Model:
    """Per entry of `units`: Dense (He initialisation) -> [BatchNormalization] -> ReLU -> Dropout; then softmax
    over the classes, or one linear unit (a standardised value)."""
    stack = [keras.Input((n_inputs,))]
    for n in units:
        stack.append(layers.Dense(n, kernel_initializer="he_normal", use_bias=not batch_norm))
        if batch_norm:  # normalise before the non-linearity; its shift replaces the dense bias
            stack.append(layers.BatchNormalization())
        stack += [layers.Activation("relu"), layers.Dropout(dropout)]
    if task == "classification":
        stack.append(layers.Dense(n_outputs, activation="softmax"))
    else:
        stack.append(layers.Dense(1))
    return keras.Sequential(stack, name="dense")


def compile_dense(model: keras.Model, loss: str, optimizer: str, learning_rate: float, momentum: float) -> keras.Model:
    opt = (keras.optimizers.Adam(learning_rate) if optimizer == "adam"
           else keras.optimizers.SGD(learning_rate, momentum=momentum))
    if loss == "categorical_crossentropy":  # integer labels: the same loss without one-hot vectors
        loss, metric = "sparse_categorical_crossentropy", "accuracy"
    else:  # R² is unchanged by standardising the target: the curve reads as the test metric does
        loss, metric = keras.losses.Huber() if loss == "huber" else "mse", keras.metrics.R2Score(name="r2")
    # 8 steps per call into the backend: the same computation in the same order, less Python between batches
    model.compile(optimizer=opt, loss=loss, metrics=[metric], steps_per_execution=8)
    return model


def fit_dense(model: keras.Model, train: tuple, val: tuple, dnn, callbacks: tuple = (),
              name: str = "train_dnn") -> dict:
    """model.fit on in-memory arrays, (x, y) or (x, y, sample weights) each, reshuffled every epoch (seeded by
    runtime.configure); early stopping on validation loss with the best epoch's weights restored. `dnn`: the
    validated dnn section of params.yaml (batch_size, epochs, patience)."""
    batch_size, epochs = dnn.batch_size, dnn.epochs
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=dnn.patience, restore_best_weights=True)
    progress = EpochProgress(name, stop, sys.stdout)  # stderr's descriptor is captured during the fit, below
    x, y, *weights = train
    with runtime.native_logs_filtered():  # tf.data's graph notice (E0000 ... MapDataset) on the first batch
        return model.fit(x, y, sample_weight=weights[0] if weights else None, validation_data=val,
                         batch_size=batch_size, epochs=epochs, shuffle=True, callbacks=[stop, progress, *callbacks],
                         verbose=0).history


class TableNetwork:
    """Raw rows in, class names (or values in the target's units) out: the fitted preprocessing of the training
    split, the columns kept, and the network. `info` holds the task, the classes, the target and its scale."""

    NETWORK, PREPROCESS, INFO = "network.keras", "preprocess.joblib", "model.json"  # save writes, load reads

    def __init__(self, network: keras.Model, preprocessor, info: dict):
        self.network, self.preprocessor, self.info = network, preprocessor, info

    def inputs(self, rows: pd.DataFrame) -> np.ndarray:
        encoded = self.preprocessor.transform(feature_rows(rows, self.info["columns"]))
        return encoded[self.info["features"]].to_numpy(dtype="float32")

    def predict_proba(self, rows: pd.DataFrame) -> pd.DataFrame:
        probabilities = self.network.predict_on_batch(self.inputs(rows))
        return pd.DataFrame(probabilities, columns=self.info["classes"], index=rows.index)

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        if self.info["task"] == "classification":
            return class_array(self.info["classes"])[self.predict_proba(rows).to_numpy().argmax(axis=1)]
        return TargetScale(**self.info["target_scale"]).inverse(self.network.predict_on_batch(self.inputs(rows))[:, 0])

    @classmethod
    def load(cls, folder: str | Path) -> TableNetwork:
        folder = Path(folder)
        return cls(keras.saving.load_model(folder / cls.NETWORK), joblib.load(folder / cls.PREPROCESS),
                   json.loads((folder / cls.INFO).read_text()))

    def save(self, folder: str | Path) -> None:
        """The three files load reads, byte-identical for identical results (train_dnn saves into a temp folder
        that replaces the model's only when every file is written)."""
        folder = Path(folder)
        save_keras(self.network, folder / self.NETWORK)
        joblib.dump(self.preprocessor, folder / self.PREPROCESS)
        (folder / self.INFO).write_text(json.dumps(self.info, indent=2, sort_keys=True) + "\n")
