"""Stage transfer: a pretrained backbone under a new classifier head. Phase 1 trains the head with the
backbone frozen; phase 2 fine-tunes the backbone's top layers at a low learning rate. The same network
trained from random weights on the same images, for as many epochs, is the baseline transfer has to beat."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from dvclive import Live

from stages import paths
from stages.core.errors import PipelineError
from stages.core.evaluation import per_class as class_metrics
from stages.core.networks import ImageBatches, LiveLogger, score_on_test
from stages.core.network_plots import transfer_curves_figure
from stages.core.plots import confusion_figure
from stages.core.runtime import configure, data_parallel
from stages.core.transfer import (
    APPLICATIONS, application_backbone, check_fine_tune_layers, compile_adam, few_shot, input_size, only,
    pipeline_backbone, quick_batchnorm, source_and_target, trainable_params, unfreeze_top, with_head,
)
from stages.io import read_image_split, read_json, write_bytes, write_json, write_keras, write_table
from stages.params import load_params
from stages.runner import run_stage


def check_weights(backbone: str, weights: str) -> None:
    if weights in ("imagenet", "none"):
        return
    if backbone == "pipeline":
        raise PipelineError(f"transfer.weights = '{weights}': a weights file needs a keras.applications backbone "
                            f"({', '.join(APPLICATIONS)}); the pipeline backbone is pre-trained here on "
                            "transfer.pipeline.source_classes (weights: imagenet) or left random (none)")
    path = Path(weights)
    if not path.is_file():
        raise PipelineError(f"transfer.weights = '{weights}' does not exist; save {backbone}'s no-top weights "
                            f"there, or use weights: imagenet (downloaded) or none (random)")
    if not path.resolve().is_relative_to(paths.WEIGHTS_DIR.resolve()):
        raise PipelineError(f"transfer.weights = '{weights}' is outside {paths.WEIGHTS_DIR}/; move it there and "
                            f"`dvc add` it, so DVC re-runs this stage when the weights change")


def scores(model, test: ImageBatches) -> tuple[dict, np.ndarray, np.ndarray]:
    result, predicted, probabilities = score_on_test(model, test)
    return {**result, "trainable_params": trainable_params(model)}, predicted, probabilities


def main() -> None:
    params = load_params()
    t = params.transfer
    check_weights(t.backbone, t.weights)
    labels = read_json(paths.IMAGE_LABELS)
    classes = labels["classes"]
    train_x, train_y = read_image_split(paths.IMAGES_TRAIN)
    val_x, val_y = read_image_split(paths.IMAGES_VAL)
    source, target = source_and_target(classes, t.backbone, t.pipeline.source_classes)
    names = [classes[i] for i in target]

    def batches(pixels, codes, classes_, seed=None):  # the rows of these classes, labelled for their head
        rows, y = only(codes, classes_)
        return ImageBatches(pixels, y, t.batch_size, rows=rows, seed=seed)

    rows, y = only(train_y, target)
    picked = few_shot(y, t.target_samples_per_class, params.seed, names)
    rows, y = rows[picked], y[picked]
    validation = batches(val_x, val_y, target)
    runtime = configure(params.seed, t.mixed_precision)
    stored = train_x.shape[1:]
    size = input_size(t.backbone, stored[0], t.input_size, len(t.pipeline.filters))
    head = dict(shape=stored, n_classes=len(target), backbone=t.backbone, size=size, pooling=t.head.pooling,
                dense_units=t.head.dense_units, dropout=t.head.dropout)
    fit = dict(validation_data=validation, shuffle=False, verbose=2)  # ImageBatches shuffles, seeded
    print(f"transfer: {t.backbone} (weights {t.weights}) at {size}x{size} -> {len(target)} classes from "
          f"{len(y)} training images; backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
          f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}", flush=True)

    metrics: dict = {}
    with data_parallel(runtime["gpus"]):
        base = (pipeline_backbone(size, stored[-1], t.pipeline.filters) if t.backbone == "pipeline"
                else application_backbone(t.backbone, t.weights, size))
        check_fine_tune_layers(base, t.backbone, t.fine_tune_layers)  # before any training time is spent
        if t.backbone == "pipeline" and t.weights == "imagenet":  # offline stand-in: pre-train on source classes
            pretrain = compile_adam(with_head(base, **{**head, "n_classes": len(source)}, frozen=False),
                                    t.learning_rate)
            print(f"transfer: pre-training on classes {', '.join(classes[i] for i in source)}", flush=True)
            history = pretrain.fit(batches(train_x, train_y, source, params.seed), epochs=t.pipeline.epochs,
                                   **{**fit, "validation_data": batches(val_x, val_y, source)}).history
            metrics["pretrain_val_accuracy"] = float(history["val_accuracy"][-1])

        live = Live(str(paths.TRANSFER_LIVE_METRICS.parent), dvcyaml=False, save_dvc_exp=False, report=None)
        model = compile_adam(with_head(base, **head, frozen=True), t.learning_rate)
        print(f"transfer: phase 1, the head alone ({trainable_params(model):,} trainable parameters)", flush=True)
        train = ImageBatches(train_x, y, t.batch_size, rows=rows, seed=params.seed)
        history = model.fit(train, epochs=t.epochs, callbacks=[LiveLogger(live, 1)], **fit).history
        test = batches(*read_image_split(paths.IMAGES_TEST), target)  # the only reads of the test images
        metrics["phase1"], predicted, probabilities = scores(model, test)

        if t.fine_tune_layers and t.fine_tune_epochs:
            unfrozen = unfreeze_top(base, t.fine_tune_layers)
            compile_adam(model, t.fine_tune_lr)  # recompile: the new trainable flags take effect
            print(f"transfer: phase 2, fine-tuning {', '.join(unfrozen)} at learning rate {t.fine_tune_lr} "
                  f"({trainable_params(model):,} trainable parameters)", flush=True)
            more = model.fit(train, initial_epoch=t.epochs, epochs=t.epochs + t.fine_tune_epochs,
                             callbacks=[LiveLogger(live, 2)], **fit).history
            history = {k: history[k] + more[k] for k in history}
            metrics["phase2"], predicted, probabilities = scores(model, test)
        live.end()

        scratch_history = None
        if t.scratch:  # the same network from random weights: same images, same number of epochs
            fresh = (pipeline_backbone(size, stored[-1], t.pipeline.filters) if t.backbone == "pipeline"
                     else quick_batchnorm(application_backbone(t.backbone, "none", size)))
            scratch = compile_adam(with_head(fresh, **head, frozen=False), t.learning_rate)
            print(f"transfer: from scratch, {trainable_params(scratch):,} trainable parameters", flush=True)
            same = ImageBatches(train_x, y, t.batch_size, rows=rows, seed=params.seed)  # the same order too
            scratch_history = scratch.fit(same, epochs=len(history["loss"]), **fit).history
            metrics["scratch"] = scores(scratch, test)[0]

    final = metrics.get("phase2", metrics["phase1"])
    headline = {"transfer_accuracy": final["test_accuracy"], "transfer_f1_macro": final["test_f1_macro"]}
    if t.scratch:
        headline |= {"scratch_accuracy": metrics["scratch"]["test_accuracy"],
                     "scratch_f1_macro": metrics["scratch"]["test_f1_macro"],
                     "transfer_gain": final["test_accuracy"] - metrics["scratch"]["test_accuracy"]}
    metrics = {**headline, "train_images": len(y), **metrics}

    title = f"{t.backbone} -> {len(target)} classes, {len(y)} training images"
    write_keras(paths.TRANSFER_MODEL, model)
    write_json(paths.TRANSFER_LABELS, {**labels, "classes": names})  # what the head predicts, in order
    write_json(paths.TRANSFER_METRICS, metrics)
    write_json(paths.TRANSFER_PER_CLASS, class_metrics(test.labels, predicted, probabilities, names))
    shown = np.array(names)
    write_table(paths.TRANSFER_CONFUSION, pd.DataFrame({"actual": shown[test.labels], "predicted": shown[predicted]}))
    write_bytes(paths.TRANSFER_CURVES_PNG, transfer_curves_figure(history, t.epochs, scratch_history, title))
    write_bytes(paths.TRANSFER_CONFUSION_PNG, confusion_figure(test.labels, predicted, names, f"{title}, test split"))
    versus = f", from scratch {metrics['scratch_accuracy']:.4f}" if t.scratch else ""
    print(f"transfer: test accuracy {metrics['transfer_accuracy']:.4f}{versus} -> {paths.TRANSFER_MODEL}, "
          f"{paths.TRANSFER_METRICS}")


if __name__ == "__main__":
    run_stage("transfer", main)
