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
    from stages.core.networks import ImageBatches, LiveLogger, evaluate_network
    from stages.core.plots import confusion_figure
    from stages.io import write_keras

    def batches(pixels, codes, of, seed=None, weights=None):  # the rows of these classes, labelled for their head
        rows, y = only(codes, of)
        return ImageBatches(pixels, y, t.batch_size, rows=rows, seed=seed, class_weight=weights)

    val_x, val_y = read_image_split(paths.IMAGES_VAL)
    train = ImageBatches(train_x, plan.y, t.batch_size, rows=plan.rows, seed=params.seed, class_weight=plan.weights)
    val = batches(val_x, val_y, plan.target, weights=plan.weights)
    runtime = configure(params.seed, t.mixed_precision)
    stored = train_x.shape[1:]
    head = dict(shape=stored, backbone=t.backbone, size=plan.size, pooling=t.head.pooling,
                dense_units=t.head.dense_units, dropout=t.head.dropout)
    n = len(plan.target)
    print(f"transfer: {t.backbone} backbone ({plan.source_words}) at {plan.size}x{plan.size} -> {n} classes from "
          f"{len(plan.y)} training images; backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
          f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}", flush=True)

    def scores(model, history: dict) -> tuple[dict, np.ndarray, np.ndarray]:
        result, predicted, probabilities = evaluate_network(model, val, test, plan.names, plan.positive,
                                                            t.threshold, "transfer.threshold")
        return {**result, **trained(model, history)}, predicted, probabilities

    def trained(model, history: dict) -> dict:
        return {"trainable_params": tl.trainable_params(model), "epochs": len(history["loss"])}

    metrics: dict = {"train_images": len(plan.y)}
    with data_parallel(runtime["gpus"]):
        base = tl.make_backbone(t.backbone, t.weights, plan.size, stored[-1], t.pipeline.filters)
        tl.check_fine_tune_layers(base, t.backbone, t.fine_tune_layers)  # before any training time is spent
        if t.backbone == "pipeline" and t.weights == "imagenet":  # offline stand-in: pre-train on source classes
            print(f"transfer: pre-training on classes {', '.join(classes[i] for i in plan.source)}", flush=True)
            metrics["pretrain_val_accuracy"] = tl.pretrain(
                base, head, len(plan.source), batches(train_x, train_y, plan.source, params.seed),
                batches(val_x, val_y, plan.source), t.pipeline.epochs, t.learning_rate, t.patience)
        tl.check_frozen_backbone(base, t.backbone, t.weights, plan.size, train[0][0])

        live = Live(str(paths.TRANSFER_LIVE_METRICS.parent), dvcyaml=False, save_dvc_exp=False, report=None)
        print("transfer: phase 1, the head alone", flush=True)
        model, history = tl.train_head(base, head, n, train, val, t.epochs, t.learning_rate, t.patience,
                                       callbacks=(LiveLogger(live, 1),))
        phase1_epochs = len(history["loss"])
        test = batches(*read_image_split(paths.IMAGES_TEST), plan.target)  # the only reads of the test images
        metrics["phase1"], predicted, probabilities = scores(model, history)

        if t.fine_tune_layers and t.fine_tune_epochs:
            unfrozen, more, kept = tl.fine_tune(model, base, t.fine_tune_layers, train, val, t.fine_tune_epochs,
                                                t.fine_tune_lr, t.patience, history, callbacks=(LiveLogger(live, 2),))
            print(f"transfer: phase 2 fine-tuned {', '.join(unfrozen)} at learning rate {t.fine_tune_lr} for "
                  f"{len(more['loss'])} epochs; " + ("kept" if kept else "no better on validation than phase 1: "
                                                     "phase 1's weights kept"), flush=True)
            history = {k: history[k] + more[k] for k in history}
            metrics["phase2"] = {"kept": int(kept), **trained(model, more)}
            if kept:  # else the model is phase 1's, scored above
                phase2, predicted, probabilities = scores(model, more)
                metrics["phase2"] |= phase2
        live.end()

        scratch_history = None
        if t.scratch:  # the same network from random weights: same images, as many epochs at most
            fresh = tl.make_backbone(t.backbone, "none", plan.size, stored[-1], t.pipeline.filters, fresh=True)
            scratch, scratch_history = tl.from_scratch(fresh, head, n, train, val, t.epochs + t.fine_tune_epochs,
                                                       t.learning_rate, t.patience)
            metrics["scratch"] = scores(scratch, scratch_history)[0]

    final = metrics["phase2"] if metrics.get("phase2", {}).get("kept") else metrics["phase1"]
    headline = {f"transfer_{k.removeprefix('test_')}": v for k, v in final.items() if k.startswith("test_")}
    if t.scratch:
        headline |= {"scratch_accuracy": metrics["scratch"]["test_accuracy"],
                     "scratch_balanced_accuracy": metrics["scratch"]["test_balanced_accuracy"],
                     "transfer_gain": final["test_accuracy"] - metrics["scratch"]["test_accuracy"]}
    metrics = {**headline, **metrics}

    title = f"{t.backbone} -> {n} classes, {len(plan.y)} training images"
    roc, _ = curves(test.labels, probabilities, plan.positive, n)
    shown = np.array(plan.names)
    write_keras(paths.TRANSFER_MODEL, model)
    write_json(paths.TRANSFER_LABELS, {**labels, "classes": plan.names,  # what the head predicts, in order
                                       "positive": None if plan.positive is None else plan.names[plan.positive],
                                       "threshold": final.get("threshold")})
    write_json(paths.TRANSFER_METRICS, metrics)
    write_json(paths.TRANSFER_PER_CLASS, class_metrics(test.labels, predicted, probabilities, plan.names))
    write_table(paths.TRANSFER_CONFUSION, pd.DataFrame({"actual": shown[test.labels], "predicted": shown[predicted]}))
    write_table(paths.TRANSFER_ROC, roc)
    write_bytes(paths.TRANSFER_CURVES_PNG, transfer_curves_figure(history, phase1_epochs, scratch_history, title))
    write_bytes(paths.TRANSFER_CONFUSION_PNG, confusion_figure(test.labels, predicted, plan.names,
                                                               f"{title}, test split"))
    versus = f"; from scratch {metrics['scratch_accuracy']:.4f}" if t.scratch else ""
    print(f"transfer: {summary(final)}{versus} -> {paths.TRANSFER_MODEL}, {paths.TRANSFER_METRICS}")


if __name__ == "__main__":
    run_stage("transfer", main)
