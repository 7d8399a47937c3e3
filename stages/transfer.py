"""Stage transfer: a pretrained backbone under a new classifier head. Phase 1 trains the head with the
backbone frozen; phase 2 fine-tunes the backbone's top layers at a low learning rate. The same network
trained from random weights on the same images, for as many epochs, is the baseline transfer has to beat.
Every phase stops early on validation loss and keeps its best weights. The phases live in
stages.core.transfer; what to train on is planned, and checked, by stages.core.transfer_plan."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages import paths
from stages.core.evaluation import curves
from stages.core.evaluation import per_class as class_metrics
from stages.core.imbalance import summary
from stages.core.transfer_plan import only, plan_transfer
from stages.io import read_image_split, read_json, write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    t = params.transfer
    labels = read_json(paths.IMAGE_LABELS)
    classes = labels["classes"]
    train_x, train_y = read_image_split(paths.IMAGES_TRAIN)
    plan = plan_transfer(t, classes, train_y, train_x.shape[1], params.seed, params.images.positive_class)

    from stages.core.runtime import configure, data_parallel  # TensorFlow loads here, after every params check

    from dvclive import Live

    from stages.core import transfer as tl
    from stages.core.network_plots import transfer_curves_figure
    from stages.core.networks import ImageBatches
    from stages.core.plots import confusion_figure
    from stages.io import write_keras

    def batches(pixels, codes, of, seed=None, weights=None):  # the rows of these classes, labelled for their head
        rows, y = only(codes, of)
        return ImageBatches(pixels, y, t.batch_size, rows=rows, seed=seed, class_weight=weights)

    val_x, val_y = read_image_split(paths.IMAGES_VAL)
    data = tl.Experiment(
        train=ImageBatches(train_x, plan.y, t.batch_size, rows=plan.rows, seed=params.seed, class_weight=plan.weights),
        val=batches(val_x, val_y, plan.target, weights=plan.weights),
        source_train=batches(train_x, train_y, plan.source, params.seed), source_val=batches(val_x, val_y, plan.source),
        test=lambda: batches(*read_image_split(paths.IMAGES_TEST), plan.target))  # the only read of the test images
    runtime = configure(params.seed, t.mixed_precision)
    n = len(plan.target)
    print(f"transfer: {t.backbone} backbone ({plan.source_words}) at {plan.size}x{plan.size} -> {n} classes from "
          f"{len(plan.y)} training images; backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
          f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}", flush=True)
    with data_parallel(runtime["gpus"]):
        outcome = tl.run(t, plan, data, train_x.shape[-1], lambda: Live(
            str(paths.TRANSFER_LIVE_METRICS.parent), dvcyaml=False, save_dvc_exp=False, report=None))
    metrics, final = tl.headline({"train_images": len(plan.y), **outcome.metrics}), tl.final_scores(outcome.metrics)
    test, predicted, probabilities = outcome.test, outcome.predicted, outcome.probabilities

    title = f"{t.backbone} -> {n} classes, {len(plan.y)} training images"
    roc, _ = curves(test.labels, probabilities, plan.positive, n)
    shown = np.array(plan.names)
    write_keras(paths.TRANSFER_MODEL, outcome.model)
    write_json(paths.TRANSFER_LABELS, {**labels, "classes": plan.names,  # what the head predicts, in order
                                       "positive": None if plan.positive is None else plan.names[plan.positive],
                                       "threshold": final.get("threshold")})
    write_json(paths.TRANSFER_METRICS, metrics)
    write_json(paths.TRANSFER_PER_CLASS, class_metrics(test.labels, predicted, probabilities, plan.names))
    write_table(paths.TRANSFER_CONFUSION, pd.DataFrame({"actual": shown[test.labels], "predicted": shown[predicted]}))
    write_table(paths.TRANSFER_ROC, roc)
    write_bytes(paths.TRANSFER_CURVES_PNG, transfer_curves_figure(outcome.history, outcome.phase1_epochs,
                                                                  outcome.scratch_history, title))
    write_bytes(paths.TRANSFER_CONFUSION_PNG, confusion_figure(test.labels, predicted, plan.names,
                                                               f"{title}, test split"))
    versus = f"; from scratch {metrics['scratch_accuracy']:.4f}" if t.scratch else ""
    print(f"transfer: {summary(final)}{versus} -> {paths.TRANSFER_MODEL}, {paths.TRANSFER_METRICS}")


if __name__ == "__main__":
    run_stage("transfer", main)
