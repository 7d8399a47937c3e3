"""Backbones for transfer learning, in plain Keras 3: a keras.applications model without its top (ImageNet
weights, none, or a local file), or `pipeline`, a small CNN pre-trained here on some classes of the same images
so the whole experiment runs offline; the layer that feeds them stored images; which layers fine-tuning may
unfreeze; and a look at the features a frozen backbone gives.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from stages.core.training import runtime  # noqa: F401  (first: quiets TensorFlow's start-up logs before Keras loads it)

# isort: split
import keras
from keras import layers, ops

from stages.core.errors import PipelineError
from stages.core.images.transfer_plan import APPLICATIONS


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


def application_backbone(name: str, weights: str, size: int, *, key: str) -> keras.Model:
    """keras.applications `name` without its top; weights (set at `key`): imagenet (downloaded once, then cached),
    none, or a file path. Download and file problems become one-line errors that say how to get the weights in
    place."""
    constructor = getattr(keras.applications, APPLICATIONS[name][0])
    with warnings.catch_warnings():
        # MobileNetV2 notes that inputs other than 96-224 pixels get the 224-pixel weights; that is expected here
        warnings.filterwarnings("ignore", message=".*weights for input shape.*", category=UserWarning)
        try:
            base = constructor(include_top=False, input_shape=(size, size, 3),
                               weights="imagenet" if weights == "imagenet" else None)
        except Exception as exc:
            if problem := download_problem(name, str(exc), key):
                raise PipelineError(problem) from None
            raise
    if weights not in ("imagenet", "none"):
        load_weights_file(base, name, weights, key)
    return base


def download_problem(name: str, message: str, key: str) -> str | None:
    """Keras' download errors (raised as bare Exceptions) -> what to do (`key` sets the weights); None for anything
    else."""
    cache = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser() / "models"
    prefix = "URL fetch failure on "
    if message.startswith(prefix):
        origin = message[len(prefix):].split(": ", 1)[0]
        file = origin.rsplit("/", 1)[-1]
        reason = message[len(prefix) + len(origin) + 2:].split(" -- ")[-1]  # "errno -- reason"
        return (f"cannot download {name}'s ImageNet weights {file} ({reason}); "
                f"either put {file} (from {origin}) in the Keras cache {cache}/, or save it under data/weights/, "
                f"`dvc add` it and set {key}: data/weights/{file}")
    if message.startswith("Incomplete or corrupted file detected"):
        return (f"the cached ImageNet weights of {name} under {cache}/ are incomplete or corrupted; "
                "delete that file and run again to download it afresh")
    return None


def load_weights_file(base: keras.Model, name: str, path: str, key: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns once per layer it cannot match; the error says it all
            base.load_weights(path)
    except (ValueError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0].split(". ")[0]
        raise PipelineError(f"{key} = '{path}' does not fit {name} without its top ({reason}); "
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


def make_backbone(backbone: str, weights: str, size: int, channels: int, filters: list[int],
                  fresh: bool = False, *, key: str) -> keras.Model:
    """The backbone without its top: the pipeline CNN, or keras.applications `backbone` with `weights` (`key`).
    fresh: random weights for the from-scratch baseline (keras.applications' BatchNorm made quick to adapt)."""
    if backbone == "pipeline":
        return pipeline_backbone(size, channels, filters)
    if fresh:
        return quick_batchnorm(application_backbone(backbone, "none", size, key=key))
    return application_backbone(backbone, weights, size, key=key)


def fine_tune_candidates(base: keras.Model) -> list:
    """What fine_tune_layers counts, bottom to top: layers with weights, BatchNorm excluded (their statistics
    stay frozen: unfreezing them wrecks what the backbone learnt when batches are small)."""
    return [layer for layer in base.layers if layer.weights and not isinstance(layer, layers.BatchNormalization)]


def check_fine_tune_layers(base: keras.Model, name: str, n: int, *, key: str) -> None:
    if n > (available := len(fine_tune_candidates(base))):
        raise PipelineError(f"{key} = {n}, but {name} has {available} layers with weights "
                            f"(BatchNorm not counted); choose 0 to {available}")


def unfreeze_top(base: keras.Model, n: int) -> list[str]:
    """Phase 2: the top n candidate layers become trainable, every other layer stays frozen. Returns their names."""
    top = fine_tune_candidates(base)[-n:] if n else []
    base.trainable = True  # the model's flag gates its layers' flags; set it first, then each layer's
    for layer in base.layers:
        layer.trainable = any(layer is chosen for chosen in top)
    return [layer.name for layer in top]


def feature_problem(base: keras.Model, backbone: str, size: int, pixels: np.ndarray) -> str | None:
    """What is wrong with the frozen backbone's features of one batch, if anything: a head can learn nothing from
    features that vanish (a random EfficientNetB0 gives about 3e-7) or are the same for every image."""
    x = BackboneInput(backbone, size)(ops.convert_to_tensor(pixels.astype("float32")))
    features = ops.convert_to_numpy(base(x, training=False)).reshape(len(pixels), -1).astype("float64")
    peak = float(np.abs(features).max())
    if peak < 1e-4:
        return f"vanish (largest |value| {peak:.1e})"
    if len(pixels) > 1 and features.std(axis=0).max() <= 1e-6 * peak:
        return "are the same for every image"
    return None
