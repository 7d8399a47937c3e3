"""Where Keras runs: the seed, determinism, the GPU if one is visible, and mixed precision.

The only backend-specific lines live here; models and training are plain Keras 3, so the image stages
run with KERAS_BACKEND=tensorflow (the default), jax or torch.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter

import keras  # noqa: E402


def visible_gpus() -> int:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return len(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return sum(d.platform == "gpu" for d in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.device_count()
    return 0


def configure(seed: int, mixed_precision: str) -> dict:
    """Seed everything, make TensorFlow ops deterministic, pick the dtype policy; say what was chosen."""
    keras.backend.clear_session()  # fresh layer names (conv2d, not conv2d_3): the saved config is the same too
    keras.utils.set_random_seed(seed)  # Python, NumPy and the backend
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()  # same params => same weights, on CPU
    gpus = visible_gpus()
    mixed = mixed_precision == "on" or (mixed_precision == "auto" and gpus > 0)
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    return {"backend": keras.backend.backend(), "gpus": gpus, "mixed_precision": mixed}


def data_parallel(gpus: int):
    """Build and compile inside this with more than one GPU: each batch is split across them
    (tf.distribute.MirroredStrategy on TensorFlow, keras.distribution.DataParallel on JAX). One device: no-op."""
    if gpus < 2:
        return contextlib.nullcontext()
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.distribute.MirroredStrategy().scope()
    if keras.backend.backend() == "jax":
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    return contextlib.nullcontext()  # torch: Keras trains on one GPU
