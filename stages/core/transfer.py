"""Transfer learning in plain Keras 3 (keras.io, "Transfer learning & fine-tuning"): a backbone without its
top, a new classifier head, phase 1 with the backbone frozen, phase 2 fine-tuning its top layers.

The backbone is a keras.applications model (ImageNet weights, none, or a local file), or `pipeline`: a
small CNN pre-trained here on some classes of the same images, so the whole experiment runs offline.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from stages.core import runtime  # noqa: F401  (first: quiets TensorFlow's start-up logs before Keras loads it)
from stages.core.errors import PipelineError
from stages.core.networks import min_image_size

import keras  # noqa: E402, I001
from keras import layers, ops  # noqa: E402

# name -> (keras.applications constructor, module holding its preprocess_input)
APPLICATIONS = {
    "vgg16": ("VGG16", "vgg16"),
    "mobilenet_v2": ("MobileNetV2", "mobilenet_v2"),
    "efficientnet_b0": ("EfficientNetB0", "efficientnet"),
    "resnet50": ("ResNet50", "resnet50"),
}
MIN_SIZE = 32  # keras.applications refuse smaller inputs once their top is dropped


@keras.saving.register_keras_serializable(package="ml_pipeline")
class BackboneInput(layers.Layer):
    """Images as ingest_images stores them (0-255, grey or RGB) -> what the backbone was trained on: three
    channels, `size` pixels, its own preprocess_input (the pipeline backbone: [0, 1]). Inside the model, so the
    saved file takes stored images."""

    def __init__(self, backbone: str, size: int, **kwargs):
        super().__init__(**kwargs)
        self.backbone, self.size = backbone, size

    def call(self, x):
        if self.backbone in APPLICATIONS and x.shape[-1] == 1:
            x = ops.repeat(x, 3, axis=-1)
        if x.shape[1] != self.size or x.shape[2] != self.size:
            x = ops.image.resize(x, (self.size, self.size))
        if self.backbone in APPLICATIONS:  # each from 0-255 pixels, its own way
            module = getattr(keras.applications, APPLICATIONS[self.backbone][1])
            return module.preprocess_input(x)
        return x / 255.0

    def compute_output_shape(self, shape):
        channels = 3 if self.backbone in APPLICATIONS else shape[-1]
        return (shape[0], self.size, self.size, channels)

    def get_config(self):
        return {**super().get_config(), "backbone": self.backbone, "size": self.size}


def input_size(backbone: str, stored: int, requested: int | None, blocks: int) -> int:
    """The side the backbone sees: as requested, else the stored size raised to the backbone's minimum."""
    minimum = MIN_SIZE if backbone in APPLICATIONS else min_image_size(blocks, 2)  # pipeline: 2x2 pooling
    size = requested or max(stored, minimum)
    if size < minimum:
        raise PipelineError(f"transfer.input_size = {size} is below {backbone}'s minimum of {minimum} pixels; "
                            f"set it to at least {minimum}, or null to resize up automatically")
    return size


def pipeline_backbone(size: int, channels: int, filters: list[int]) -> keras.Model:
    """The offline backbone: per entry a 'same' convolution, BatchNorm (momentum 0.9: see quick_batchnorm),
    ReLU and 2x2 max pooling."""
    inputs = keras.Input((size, size, channels))
    x = inputs
    for i, n in enumerate(filters, 1):
        x = layers.Conv2D(n, 3, padding="same", use_bias=False, kernel_initializer="he_normal",  # BatchNorm shifts
                          name=f"block{i}_conv")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"block{i}_bn")(x)
        x = layers.Activation("relu", name=f"block{i}_relu")(x)
        x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
    return keras.Model(inputs, x, name="pipeline")


def application_backbone(name: str, weights: str, size: int) -> keras.Model:
    """keras.applications `name` without its top; weights: imagenet (downloaded once, then cached), none, or a
    file path. Download and file problems become one-line errors that say how to get the weights in place."""
    constructor = getattr(keras.applications, APPLICATIONS[name][0])
    with warnings.catch_warnings():
        # MobileNetV2 notes that inputs other than 96-224 pixels get the 224-pixel weights; that is expected here
        warnings.filterwarnings("ignore", message=".*weights for input shape.*", category=UserWarning)
        try:
            base = constructor(include_top=False, input_shape=(size, size, 3),
                               weights="imagenet" if weights == "imagenet" else None)
        except Exception as exc:
            if problem := download_problem(name, str(exc)):
                raise PipelineError(problem) from None
            raise
    if weights not in ("imagenet", "none"):
        load_weights_file(base, name, weights)
    return base


def download_problem(name: str, message: str) -> str | None:
    """Keras' download errors (raised as bare Exceptions) -> what to do; None for anything else."""
    cache = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "models"
    prefix = "URL fetch failure on "
    if message.startswith(prefix):
        origin = message[len(prefix):].split(": ", 1)[0]
        file = origin.rsplit("/", 1)[-1]
        reason = message[len(prefix) + len(origin) + 2:].split(" -- ")[-1]  # "errno -- reason"
        return (f"cannot download {name}'s ImageNet weights {file} ({reason}); "
                f"either put {file} (from {origin}) in the Keras cache {cache}/, or save it under data/weights/, "
                f"`dvc add` it and set transfer.weights: data/weights/{file}")
    if message.startswith("Incomplete or corrupted file detected"):
        return (f"the cached ImageNet weights of {name} under {cache}/ are incomplete or corrupted; "
                "delete that file and run again to download it afresh")
    return None


def load_weights_file(base: keras.Model, name: str, path: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns once per layer it cannot match; the error says it all
            base.load_weights(path)
    except (ValueError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0].split(". ")[0]
        raise PipelineError(f"transfer.weights = '{path}' does not fit {name} without its top ({reason}); "
                            f"use {name}'s no-top weights (a Keras .h5 or .weights.h5 file), or weights: imagenet"
                            ) from None


def quick_batchnorm(base: keras.Model, momentum: float = 0.9) -> keras.Model:
    """For training from scratch on small data: keras.applications' BatchNorm momentum (0.99, MobileNetV2 0.999)
    leaves the moving averages near their initial values after a few hundred steps, so inference-mode accuracy
    sits at chance while training accuracy looks perfect."""
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = momentum
    return base


def fine_tune_candidates(base: keras.Model) -> list:
    """What fine_tune_layers counts, bottom to top: layers with weights, BatchNorm excluded (their statistics
    stay frozen: unfreezing them wrecks what the backbone learnt when batches are small)."""
    return [layer for layer in base.layers if layer.weights and not isinstance(layer, layers.BatchNormalization)]


def check_fine_tune_layers(base: keras.Model, name: str, n: int) -> None:
    if n > (available := len(fine_tune_candidates(base))):
        raise PipelineError(f"transfer.fine_tune_layers = {n}, but {name} has {available} layers with weights "
                            f"(BatchNorm not counted); choose 0 to {available}")


def unfreeze_top(base: keras.Model, n: int) -> list[str]:
    """Phase 2: the top n candidate layers become trainable, every other layer stays frozen. Returns their names."""
    top = fine_tune_candidates(base)[-n:] if n else []
    base.trainable = True  # the model's flag gates its layers' flags; set it first, then each layer's
    for layer in base.layers:
        layer.trainable = any(layer is chosen for chosen in top)
    return [layer.name for layer in top]


def with_head(base: keras.Model, shape: tuple, n_classes: int, backbone: str, size: int, pooling: str,
              dense_units: int, dropout: float, frozen: bool) -> keras.Model:
    """stored images -> BackboneInput -> base -> pooling -> [dense] -> dropout -> softmax.

    frozen: the base is not trained and runs in inference mode (training=False) for good, so its BatchNorm
    layers keep their statistics even after phase 2 unfreezes layers around them."""
    base.trainable = not frozen
    inputs = keras.Input(shape)
    x = BackboneInput(backbone, size, name="backbone_input")(inputs)
    x = base(x, training=False) if frozen else base(x)
    x = layers.GlobalAveragePooling2D(name="head_pool")(x) if pooling == "avg" else layers.Flatten(name="head_flat")(x)
    if dense_units:
        x = layers.Dense(dense_units, activation="relu", kernel_initializer="he_normal", name="head_dense")(x)
    x = layers.Dropout(dropout, name="head_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", dtype="float32", name="head_softmax")(x)
    return keras.Model(inputs, outputs, name=f"{backbone}_transfer" if frozen else f"{backbone}_scratch")


def compile_adam(model: keras.Model, learning_rate: float) -> keras.Model:
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def trainable_params(model: keras.Model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def few_shot(y: np.ndarray, per_class: int | None, seed: int, names: list[str]) -> np.ndarray:
    """Indices of `per_class` seeded picks from each class (all rows when None), in a stable order."""
    if per_class is None:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    picks = []
    for code in np.unique(y):
        rows = np.flatnonzero(y == code)
        if per_class > len(rows):
            smallest = min(int((y == c).sum()) for c in np.unique(y))
            raise PipelineError(f"transfer.target_samples_per_class = {per_class}, but class '{names[code]}' has "
                                f"only {len(rows)} training images; choose at most {smallest}, or null for all")
        picks.append(rng.permutation(rows)[:per_class])
    return np.sort(np.concatenate(picks))


def source_and_target(classes: list[str], backbone: str, source: list) -> tuple[list[int], list[int]]:
    """Class codes the pipeline backbone pre-trains on, and those the new head learns (all of them for
    keras.applications backbones, whose source is ImageNet)."""
    if backbone in APPLICATIONS:
        return [], list(range(len(classes)))
    wanted = [str(c) for c in source]
    if unknown := [c for c in wanted if c not in classes]:
        raise PipelineError(f"transfer.pipeline.source_classes: {', '.join(unknown)} not among the image classes "
                            f"({', '.join(classes)}); list classes from data/images/labels.json")
    codes = sorted({classes.index(c) for c in wanted})
    rest = [i for i in range(len(classes)) if i not in codes]
    if len(codes) < 2 or len(rest) < 2:
        raise PipelineError(f"transfer.pipeline.source_classes leaves {len(codes)} class(es) to pre-train on and "
                            f"{len(rest)} to transfer to; both need at least 2 of the {len(classes)} classes")
    return codes, rest


def only(labels: np.ndarray, codes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of these classes, and their labels renumbered 0..len(codes)-1 for a head of that size."""
    rows = np.flatnonzero(np.isin(labels, codes))
    renumber = np.full(max(int(labels.max()), *codes) + 1, -1)
    renumber[codes] = np.arange(len(codes))
    return rows, renumber[labels[rows]]
