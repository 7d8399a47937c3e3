"""Transfer learning in plain Keras 3 (keras.io, "Transfer learning & fine-tuning"): a backbone
(stages.core.images.backbones) under a new classifier head, phase 1 with the backbone frozen, phase 2 fine-tuning its
top layers, and the same network from random weights as the baseline; every phase stops early on validation
loss and keeps its best weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from stages.core.training import runtime  # noqa: F401  (first: quiets TensorFlow's start-up logs before Keras loads it)

# isort: split
import keras
from keras import layers

from stages.core.images.backbones import (
    BackboneInput,
    check_fine_tune_layers,
    feature_problem,
    make_backbone,
    unfreeze_top,
)
from stages.core.images.networks import ImageBatches, Phase, evaluate_network, fit
from stages.core.images.transfer_plan import only
from stages.core.training.imbalance import majority_accuracy
from stages.core.training.live import LiveLogger


@dataclass(frozen=True)
class Head:
    """Where the new classifier head sits: the stored images' shape, the backbone and its input size, and the
    validated head section of params.yaml (`layers`: pooling, dense_units, dropout)."""

    shape: tuple
    backbone: str
    size: int
    layers: object


def with_head(base: keras.Model, head: Head, n_classes: int, frozen: bool) -> keras.Model:
    """stored images -> BackboneInput -> base -> pooling -> [dense] -> dropout -> softmax.

    frozen: the base is not trained and runs in inference mode (training=False) for good, so its BatchNorm
    layers keep their statistics even after phase 2 unfreezes layers around them."""
    backbone, pooling, dense_units = head.backbone, head.layers.pooling, head.layers.dense_units
    base.trainable = not frozen
    inputs = keras.Input(head.shape)
    x = BackboneInput(backbone, head.size, name="backbone_input")(inputs)
    x = base(x, training=False) if frozen else base(x)
    x = layers.GlobalAveragePooling2D(name="head_pool")(x) if pooling == "avg" else layers.Flatten(name="head_flat")(x)
    if dense_units:
        x = layers.Dense(dense_units, activation="relu", kernel_initializer="he_normal", name="head_dense")(x)
    x = layers.Dropout(head.layers.dropout, name="head_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", dtype="float32", name="head_softmax")(x)
    return keras.Model(inputs, outputs, name=f"{backbone}_transfer" if frozen else f"{backbone}_scratch")


def compile_adam(model: keras.Model, learning_rate: float) -> keras.Model:
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def trainable_params(model: keras.Model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def frozen_backbone_warnings(base: keras.Model, backbone: str, weights: str, size: int, pixels: np.ndarray, *,
                             section: str) -> list[str]:
    """What to warn of before phase 1 trains a head on features that cannot carry anything, naming the cure
    (`<section>.weights`, `.scratch`)."""
    cure = (f"use pretrained weights ({section}.weights: imagenet, or a file under data/weights/), or compare "
            f"with the from-scratch baseline ({section}.scratch: true), which trains every layer")
    warnings = []
    if weights == "none":
        warnings.append(f"{section}.weights = none: phase 1 freezes a backbone of random weights, so only the head "
                        f"learns, on random features; {cure}")
    if problem := feature_problem(base, backbone, size, pixels):
        warnings.append(f"the frozen {backbone} backbone's features of the first training batch {problem}: the head "
                        f"cannot learn from them; {cure}")
    return warnings


def pretrain(base: keras.Model, head: Head, n_classes: int, train: ImageBatches, val: ImageBatches,
             phase: Phase) -> float:
    """The pipeline backbone's stand-in for ImageNet: the whole network trained on the source classes.
    Returns the validation accuracy of the kept epoch."""
    model = compile_adam(with_head(base, head, n_classes, frozen=False), phase.learning_rate)
    history = fit(model, train, val, phase)
    return float(history["val_accuracy"][int(np.argmin(history["val_loss"]))])


def train_head(base: keras.Model, head: Head, n_classes: int, data: Experiment, phase: Phase,
               callbacks: tuple = ()) -> tuple[keras.Model, dict]:
    """Phase 1: the new head on the frozen backbone."""
    model = compile_adam(with_head(base, head, n_classes, frozen=True), phase.learning_rate)
    return model, fit(model, data.train, data.val, phase, callbacks=callbacks)


def fine_tune(model: keras.Model, base: keras.Model, n_layers: int, data: Experiment, phase: Phase, after: dict,
              callbacks: tuple = ()) -> tuple[list[str], dict, bool]:
    """Phase 2: the backbone's top `n_layers` unfrozen at a low learning rate, continuing phase 1's curve
    (`after`: its history). Keeps phase 1's weights when no epoch improves on its validation loss.
    Returns the unfrozen layers, this phase's history and whether its weights were kept."""
    before, best = model.get_weights(), min(after["val_loss"])
    unfrozen = unfreeze_top(base, n_layers)
    compile_adam(model, phase.learning_rate)  # recompile: the new trainable flags take effect
    history = fit(model, data.train, data.val, phase, initial_epoch=len(after["loss"]), callbacks=callbacks)
    kept = min(history["val_loss"]) < best
    if not kept:
        model.set_weights(before)
    return unfrozen, history, kept


def train_baseline(fresh: keras.Model, head: Head, n_classes: int, data: Experiment,
                   phase: Phase) -> tuple[keras.Model, dict]:
    """The baseline: the same network from random weights, every layer trained, on the same images."""
    model = compile_adam(with_head(fresh, head, n_classes, frozen=False), phase.learning_rate)
    return model, fit(model, data.train, data.val, phase)


@dataclass
class Experiment:
    """The images of one transfer experiment: the target classes' training and validation batches, the source
    classes' for pre-training, and `test`, which reads the test batches when first scoring (never before)."""
    train: ImageBatches
    val: ImageBatches
    source_train: ImageBatches
    source_val: ImageBatches
    test: Callable[[], ImageBatches]


def experiment(plan, train: tuple, val: tuple, read_test: Callable[[], tuple], batch_size: int,
               seed: int) -> Experiment:
    """The plan's batches from the (pixels, codes) of each split: the target classes' (few-shot rows and class
    weights in training) and the source classes'; the test split is read when first scored."""
    def batches(pixels, codes, of, seed=None, weights=None):  # the rows of these classes, labelled for their head
        rows, y = only(codes, of)
        return ImageBatches(pixels, y, batch_size, rows=rows, seed=seed, class_weight=weights)

    return Experiment(
        train=ImageBatches(train[0], plan.y, batch_size, rows=plan.rows, seed=seed, class_weight=plan.weights),
        val=batches(*val, plan.target, weights=plan.weights), source_train=batches(*train, plan.source, seed),
        source_val=batches(*val, plan.source), test=lambda: batches(*read_test(), plan.target))


@dataclass
class Outcome:
    model: keras.Model  # phase 2's if it was kept, else phase 1's
    metrics: dict  # pretrain_val_accuracy; phase1, phase2, scratch: test metrics, epochs; baseline_accuracy
    history: dict  # both phases as one curve
    phase1_epochs: int
    baseline_history: dict | None  # the from-scratch baseline's curve
    test: ImageBatches
    predicted: np.ndarray  # the final model's, on the test images
    probabilities: np.ndarray


@dataclass(frozen=True)
class Reports:
    """Where a transfer run reports: `new_live` opens the DVCLive run that logs both phases (once every check has
    passed: a failed one leaves no reports), `say` prints a line of progress, `warn` a warning."""

    new_live: Callable
    say: Callable[[str], None]
    warn: Callable[[str], None]


def run(t, plan, data: Experiment, channels: int, reports: Reports, *, section: str) -> Outcome:
    """Pre-training (pipeline backbone), phase 1, phase 2 and the from-scratch baseline, each stopped early and
    scored on the test images. `t`: the validated `<section>` of params.yaml; `plan`:
    stages.core.images.transfer_plan.Plan."""
    head, n = Head(data.train.pixels.shape[1:], t.backbone, plan.size, t.head), len(plan.target)
    test = None

    def scored(model, history: dict) -> tuple[dict, np.ndarray, np.ndarray]:
        nonlocal test
        test = test or data.test()
        result, predicted, probabilities = evaluate_network(model, data.val, test, plan.names, plan.positive,
                                                            t.threshold, f"{section}.threshold")
        return {**result, **trained(model, history)}, predicted, probabilities

    metrics: dict = {}
    base = make_backbone(t.backbone, t.weights, plan.size, channels, t.pipeline.filters, key=f"{section}.weights")
    check_fine_tune_layers(base, t.backbone, t.fine_tune_layers, key=f"{section}.fine_tune_layers")  # before training
    if t.backbone == "pipeline" and t.weights == "imagenet":  # offline stand-in: pre-train on source classes
        metrics["pretrain_val_accuracy"] = pretrain(base, head, len(plan.source), data.source_train, data.source_val,
                                                    Phase("transfer: pre-training", t.pipeline.epochs, t.patience,
                                                          t.learning_rate))
    for line in frozen_backbone_warnings(base, t.backbone, t.weights, plan.size, data.train[0][0], section=section):
        reports.warn(line)

    live = reports.new_live()
    model, history = train_head(base, head, n, data, Phase("transfer: phase 1", t.epochs, t.patience,
                                                           t.learning_rate), callbacks=(LiveLogger(live, 1),))
    phase1_epochs = len(history["loss"])
    metrics["phase1"], predicted, probabilities = scored(model, history)
    if t.fine_tune_layers and t.fine_tune_epochs:
        unfrozen, more, kept = fine_tune(model, base, t.fine_tune_layers, data, Phase(
            "transfer: phase 2", t.fine_tune_epochs, t.patience, t.fine_tune_lr), history,
            callbacks=(LiveLogger(live, 2),))
        reports.say(f"phase 2 fine-tuned {', '.join(unfrozen)} at learning rate {t.fine_tune_lr} for "
                    f"{len(more['loss'])} epochs; " + ("kept" if kept else "no better on validation than phase 1: "
                                                       "phase 1's weights kept"))
        history = {k: history[k] + more[k] for k in history}
        metrics["phase2"] = {"kept": int(kept), **trained(model, more)}
        if kept:  # else the model is phase 1's, scored above
            phase2, predicted, probabilities = scored(model, more)
            metrics["phase2"] |= phase2
    live.end()

    baseline_history = None
    if t.scratch:  # the same network from random weights: same images, as many epochs at most
        fresh = make_backbone(t.backbone, "none", plan.size, channels, t.pipeline.filters, fresh=True,
                              key=f"{section}.weights")
        baseline, baseline_history = train_baseline(fresh, head, n, data, Phase(
            "transfer: from scratch", t.epochs + t.fine_tune_epochs, t.patience, t.learning_rate))
        metrics["scratch"] = scored(baseline, baseline_history)[0]  # the metrics' name for the baseline
    metrics["baseline_accuracy"] = majority_accuracy(plan.y, test.labels)  # what the model must beat
    return Outcome(model, metrics, history, phase1_epochs, baseline_history, test, predicted, probabilities)


def trained(model: keras.Model, history: dict) -> dict:
    return {"trainable_params": trainable_params(model), "epochs": len(history["loss"])}


def final_scores(metrics: dict) -> dict:
    """The saved model's test metrics (and threshold): phase 2's if its weights were kept, else phase 1's."""
    return metrics["phase2"] if metrics.get("phase2", {}).get("kept") else metrics["phase1"]


def transfer_metrics(metrics: dict) -> dict:
    """What `dvc exp show` lists first: the final model's test metrics as transfer_*, the baseline's accuracy
    and balanced accuracy, and the gain over it; then everything else."""
    final = final_scores(metrics)
    first = {f"transfer_{k.removeprefix('test_')}": v for k, v in final.items() if k.startswith("test_")}
    if "scratch" in metrics:
        first |= {"scratch_accuracy": metrics["scratch"]["test_accuracy"],
                  "scratch_balanced_accuracy": metrics["scratch"]["test_balanced_accuracy"],
                  "transfer_gain": final["test_accuracy"] - metrics["scratch"]["test_accuracy"]}
    return {**first, **metrics}
