"""Where Keras runs: a quiet start-up, the seed, determinism, the GPU if one is visible, and mixed precision.

The only backend-specific lines live here; models and training are plain Keras 3, so the image stages
run with KERAS_BACKEND=tensorflow (the default), jax or torch.

Same params and code give byte-identical results on one machine, and across x86-64 machines with AVX2 given
these settings. Found by training the transfer backbone on 1 and 2 cores, with oneDNN on and off and capped
at other instruction sets: each of them changed every loss value.
- oneDNN always on (TensorFlow otherwise decides by CPU) and capped at AVX2 (ONEDNN_MAX_CPU_ISA): oneDNN picks
  its kernels by instruction set, so an AVX-512 server would round differently from an AVX2 laptop. On is also
  twice as fast as off for the CNN on 2 cores.
- a fixed number of intra-op threads (PIPELINE_KERAS_THREADS, default 2): reductions such as BatchNorm's batch
  statistics are split by thread count, so a 16-core machine summed in another order than a 2-core one.
Other CPUs (no AVX2, ARM) may differ in the last bits: tools/check_reproduced.py then compares the Keras stages'
test metrics within a tolerance.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO and WARNING lines
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"  # see above; read when TensorFlow loads
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")
THREADS = int(os.environ.get("PIPELINE_KERAS_THREADS", "2"))

# what TensorFlow's C++ side writes to the process's stderr while it loads: absl's pre-initialisation notice
# and glog-style lines (I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers ...)
NATIVE_NOISE = re.compile(r"WARNING: All log messages before absl::InitializeLog\(\)|[IWEF]\d{4} [\d:. ]+\d+ \S+:\d+\]")


@contextlib.contextmanager
def native_logs_filtered():
    """Capture file descriptor 2 (C++ writes there, below Python's sys.stderr), then pass on every line that is
    not start-up noise: Python warnings and errors still show, after the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().decode(errors="replace").splitlines()
                    if not NATIVE_NOISE.match(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr, flush=True)


with native_logs_filtered():
    import keras  # noqa: E402

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.get_logger().setLevel("ERROR")  # "N out of the last M calls ... triggered tf.function retracing"
        GPUS = len(tf.config.list_physical_devices("GPU"))  # probes the CUDA drivers: more C++ lines
    elif keras.backend.backend() == "jax":
        import jax

        GPUS = sum(d.platform == "gpu" for d in jax.devices())
    elif keras.backend.backend() == "torch":
        import torch

        GPUS = torch.cuda.device_count()
    else:
        GPUS = 0


def visible_gpus() -> int:
    return GPUS


def configure(seed: int, mixed_precision: str) -> dict:
    """Seed everything, make TensorFlow ops deterministic, pick the dtype policy; say what was chosen."""
    keras.backend.clear_session()  # fresh layer names (conv2d, not conv2d_3): the saved config is the same too
    keras.utils.set_random_seed(seed)  # Python, NumPy and the backend
    if keras.backend.backend() == "tensorflow":
        tf.config.experimental.enable_op_determinism()  # same params => same weights, on CPU
    mixed = mixed_precision == "on" or (mixed_precision == "auto" and GPUS > 0)
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    return {"backend": keras.backend.backend(), "gpus": GPUS, "mixed_precision": mixed}


def data_parallel(gpus: int):
    """Build and compile inside this with more than one GPU: each batch is split across them
    (tf.distribute.MirroredStrategy on TensorFlow, keras.distribution.DataParallel on JAX). One device: no-op."""
    if gpus < 2:
        return contextlib.nullcontext()
    if keras.backend.backend() == "tensorflow":
        return tf.distribute.MirroredStrategy().scope()
    if keras.backend.backend() == "jax":
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    return contextlib.nullcontext()  # torch: Keras trains on one GPU
