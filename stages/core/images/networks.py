"""Keras 3 models for images: a CNN (convolution blocks -> flatten or global average pooling -> dense ->
softmax) and an MLP, with optional augmentation layers that act only while training. Plain Keras: any backend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import log_loss

from stages.core.training import runtime  # noqa: F401  (first: quiets TensorFlow's start-up logs before Keras loads it)

# isort: split
import keras
from keras import layers

from stages.core.errors import PipelineError
from stages.core.training.imbalance import choose_threshold, decide, network_scores
from stages.core.training.live import EpochProgress


def min_image_size(blocks: int, pool_size: int) -> int:
    """'same' convolutions keep the size; each pooling divides it by pool_size, down to at least 1."""
    return pool_size**blocks


def augmentation(flip: str, rotation: float, zoom: float, contrast: float, seed: int) -> list:
    """Keras preprocessing layers, active only while training (identity in predict, so serve needs nothing).
    They follow Rescaling: pixels are in [0, 1]."""
    steps = []
    if flip != "none":
        steps.append(layers.RandomFlip(flip, seed=seed))
    if rotation:
        steps.append(layers.RandomRotation(rotation, fill_mode="constant", seed=seed))
    if zoom:
        steps.append(layers.RandomZoom(zoom, fill_mode="constant", seed=seed))
    if contrast:
        steps.append(layers.RandomContrast(contrast, value_range=(0, 1), seed=seed))
    return steps


class ImageBatches(keras.utils.PyDataset):
    """(pixels, labels) batches read from disk as training asks for them (stages.common.arrays.ImageRows), so
    memory holds a batch, not the data set. `rows` picks (and orders) the images used, `labels` are theirs; with a
    `seed` the order is reshuffled every epoch, reproducibly. `class_weight` (one per class) adds each image's weight
    to its batch, which Keras multiplies into the loss: given to the validation batches as well, early stopping
    watches the loss that training minimises (fit's own class_weight weighs the training batches only).
    Plain Keras: any backend."""

    def __init__(self, pixels, labels: np.ndarray, batch_size: int, rows: np.ndarray | None = None,
                 seed: int | None = None, class_weight: np.ndarray | None = None):
        super().__init__()
        self.pixels, self.batch_size, self.class_weight = pixels, batch_size, class_weight
        self.rows = np.arange(len(pixels)) if rows is None else np.asarray(rows)
        self.labels = np.asarray(labels)
        if len(self.labels) != len(self.rows):
            raise ValueError(f"{len(self.labels)} labels for {len(self.rows)} images")
        self.rng = None if seed is None else np.random.default_rng(seed)
        self.order = self._shuffled()

    def _shuffled(self) -> np.ndarray:
        return np.arange(len(self.rows)) if self.rng is None else self.rng.permutation(len(self.rows))

    def __len__(self) -> int:
        return -(-len(self.rows) // self.batch_size)

    def __getitem__(self, i: int):
        picked = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        x, y = self.pixels[self.rows[picked]], self.labels[picked]
        return (x, y) if self.class_weight is None else (x, y, self.class_weight[y].astype("float32"))

    def on_epoch_end(self):
        self.order = self._shuffled()


def build_cnn(shape: tuple, n_classes: int, conv, plan, augment: list, *, key: str, section: str) -> keras.Model:
    """Per block of `plan` (sizing.ConvPlan: filters, batch_norm, pooling) a 'same' convolution (with batch
    normalisation before its ReLU when asked), max pooling and dropout; then flatten or global average pooling,
    dense, dropout, softmax. `conv`: the validated `<section>.conv` of params.yaml (kernel_size, pool_size,
    dropout, dense_units, dense_dropout). At the defaults a small image gets the classic MNIST network and a photo
    the deeper one (stages.core.images.sizing.conv_plan). `key` sets the image size and `<section>.conv.filters`
    the blocks, both named when the images are too small."""
    filters, batch_norm, pooling, pool_size = plan.filters, plan.batch_norm, plan.pooling, conv.pool_size
    kernel_size, dropout = conv.kernel_size, conv.dropout
    if shape[0] < (needed := min_image_size(len(filters), pool_size)):
        raise PipelineError(f"{key} = {shape[0]} is too small for {len(filters)} pooling blocks of {pool_size}; "
                            f"the minimum is {needed}: raise {key} or use fewer {section}.conv.filters")
    stack = [keras.Input(shape), layers.Rescaling(1 / 255), *augment]  # stored pixels are uint8 0-255
    for n in filters:
        if batch_norm:  # the bias would be cancelled by the normalisation
            stack += [layers.Conv2D(n, kernel_size, padding="same", use_bias=False, kernel_initializer="he_normal"),
                      layers.BatchNormalization(momentum=0.9), layers.Activation("relu")]
        else:
            stack.append(layers.Conv2D(n, kernel_size, padding="same", activation="relu",
                                       kernel_initializer="he_normal"))
        stack.append(layers.MaxPooling2D(pool_size))
        if not batch_norm:  # dropout before a batch norm shifts the variance it learned: the head's dropout only
            stack.append(layers.Dropout(dropout))
    stack += [
        layers.GlobalAveragePooling2D() if pooling == "avg" else layers.Flatten(),
        layers.Dense(conv.dense_units, activation="relu", kernel_initializer="he_normal"),
        layers.Dropout(conv.dense_dropout),
        layers.Dense(n_classes, activation="softmax", dtype="float32"),  # float32 even under mixed precision
    ]
    return keras.Sequential(stack, name="cnn")


def build_mlp(shape: tuple, n_classes: int, units: list[int], dropout: float, augment: list) -> keras.Model:
    """Flatten -> dense ReLU layers (He initialisation) with dropout -> softmax."""
    stack = [keras.Input(shape), layers.Rescaling(1 / 255), *augment, layers.Flatten()]
    for n in units:
        stack += [layers.Dense(n, activation="relu", kernel_initializer="he_normal"), layers.Dropout(dropout)]
    stack.append(layers.Dense(n_classes, activation="softmax", dtype="float32"))
    return keras.Sequential(stack, name="mlp")


def course_network(cnn, shape: tuple, n_classes: int, rules, seed: int, *, key: str, section: str) -> keras.Model:
    """train_cnn's compiled network: `cnn` (the validated `<section>` of params.yaml; model: cnn or mlp) shaped by
    `rules` (sizing.CnnRules), with the augmentation layers when rules.augment is on; `key` sets the image size."""
    augment = augmentation(**dict(cnn.augment), seed=seed) if rules.augment.value else []
    model = (build_cnn(shape, n_classes, cnn.conv, rules.plan, augment, key=key, section=section)
             if cnn.model == "cnn" else build_mlp(shape, n_classes, cnn.mlp.units, cnn.mlp.dropout, augment))
    return compile_model(model, cnn.optimizer, cnn.learning_rate, cnn.momentum)


def compile_model(model: keras.Model, optimizer: str, learning_rate: float, momentum: float) -> keras.Model:
    opt = (keras.optimizers.Adam(learning_rate) if optimizer == "adam"
           else keras.optimizers.SGD(learning_rate, momentum=momentum))
    # 8 steps per call into the backend: the same computation in the same order (byte-identical results), less
    # Python between small batches (the digits CNN trains its 40 epochs 15% faster)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=8)
    return model


@dataclass(frozen=True)
class Phase:
    """One model.fit: at most `epochs` epochs, stopped after `patience` without a gain on validation loss (the best
    epoch's weights restored); `name` heads its progress lines; `learning_rate` for the stages that compile per
    phase (transfer); `reduce_lr`: the rate halves after a quarter of the patience without a gain, so it falls a
    few times before early stopping gives up."""

    name: str
    epochs: int
    patience: int
    learning_rate: float | None = None
    reduce_lr: bool = False


def fit(model: keras.Model, train: ImageBatches, val: ImageBatches, phase: Phase, initial_epoch: int = 0,
        callbacks: tuple = ()) -> dict:
    """model.fit for one phase, with early stopping on validation loss and the best epoch's weights restored."""
    patience = phase.patience
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    schedule = [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=max(2, patience // 4),
                                                  min_delta=0)] if phase.reduce_lr else []
    return model.fit(train, validation_data=val, initial_epoch=initial_epoch, epochs=initial_epoch + phase.epochs,
                     shuffle=False, callbacks=[stop, *schedule, EpochProgress(phase.name, stop), *callbacks],
                     verbose=0).history  # ImageBatches shuffles


def evaluate_network(model: keras.Model, val: ImageBatches, test: ImageBatches, classes: list[str],
                     positive: int | None, threshold, key: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """The final evaluation: a binary threshold settled on the validation split (when one is asked for by
    sensitivity), then the test split's headline metrics, loss and the cut used. Returns them with the test
    predictions and class probabilities."""
    by_sensitivity = isinstance(threshold, dict) and positive is not None
    p_val = model.predict(val, verbose=0) if by_sensitivity else None
    cut = choose_threshold(threshold, val.labels, p_val, positive, key)
    probabilities = model.predict(test, verbose=0)
    predicted = decide(probabilities, positive, cut.get("threshold"))
    metrics = network_scores(test.labels, predicted, probabilities, classes, positive)
    p = probabilities.astype("float64")
    loss = log_loss(test.labels, p / p.sum(axis=1, keepdims=True), labels=np.arange(len(classes)))  # float32 sums
    return {**metrics, "test_loss": float(loss), **cut}, predicted, probabilities
