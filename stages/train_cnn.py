"""Stage train_cnn: a Keras CNN (or MLP) on the prepared images, read from disk a batch at a time, per-epoch
curves logged with DVCLive, early stopping on validation loss, then one evaluation on the test images.

Imbalance: `cnn.class_weight: balanced` weighs each class alike in the loss; the headline metrics include
balanced accuracy and, for two classes, the positive class's sensitivity and specificity, at a threshold that
`cnn.threshold` may set from the validation split."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from stages import paths
from stages.core.evaluation import curves
from stages.core.evaluation import per_class as class_metrics
from stages.core.imbalance import check_threshold, class_weights, positive_code, summary
from stages.io import read_image_split, read_json, write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    c = params.cnn
    labels = read_json(paths.IMAGE_LABELS)
    classes = labels["classes"]
    train_x, train_y = read_image_split(paths.IMAGES_TRAIN)
    # every params check before TensorFlow loads (seconds): a mistake is the first line the user sees
    check_threshold(c.threshold, len(classes), "cnn.threshold")
    positive = positive_code(params.images.positive_class, train_y, classes, "images.positive_class")
    weights = class_weights(train_y, classes, c.class_weight, "cnn.class_weight")

    from stages.core.runtime import configure  # first: TensorFlow's settings and quiet start-up, then it loads

    from dvclive import Live

    from stages.core.network_plots import learning_curves_figure
    from stages.core.networks import (
        ImageBatches, LiveLogger, augmentation, build_cnn, build_mlp, compile_model, evaluate_network, fit,
    )
    from stages.core.plots import confusion_figure
    from stages.io import write_keras

    train = ImageBatches(train_x, train_y, c.batch_size, seed=params.seed, class_weight=weights)
    val = ImageBatches(*read_image_split(paths.IMAGES_VAL), c.batch_size, class_weight=weights)
    runtime = configure(params.seed, c.mixed_precision)  # the seed and dtype policy apply to everything built below
    shape = train.pixels.shape[1:]
    augment = augmentation(c.augment.flip, c.augment.rotation, c.augment.zoom, params.seed)
    if c.model == "cnn":
        model = build_cnn(shape, len(classes), c.conv.filters, c.conv.kernel_size, c.conv.pool_size,
                          c.conv.dropout, c.conv.dense_units, c.conv.dense_dropout, augment)
    else:
        model = build_mlp(shape, len(classes), c.mlp.units, c.mlp.dropout, augment)
    compile_model(model, c.optimizer, c.learning_rate, c.momentum)
    weighting = "" if weights is None else ", classes weighted " + ", ".join(
        f"{name} {w:.2f}" for name, w in zip(classes, weights, strict=True))
    print(f"train_cnn: {c.model}, {model.count_params():,} parameters, {len(train.rows)} training images "
          f"{shape}{weighting}; backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
          f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}", flush=True)

    live = Live(str(paths.CNN_LIVE_METRICS.parent), dvcyaml=False, save_dvc_exp=False, report=None)
    start = time.perf_counter()
    history = fit(model, train, val, c.epochs, c.patience, callbacks=(LiveLogger(live),))
    seconds = time.perf_counter() - start
    live.end()
    best_epoch = int(np.argmin(history["val_loss"])) + 1

    test = ImageBatches(*read_image_split(paths.IMAGES_TEST), c.batch_size)  # the only read of the test images
    scores, predicted, probabilities = evaluate_network(model, val, test, classes, positive, c.threshold,
                                                        "cnn.threshold")
    metrics = {**scores, "epochs_trained": len(history["loss"]), "best_epoch": best_epoch}
    roc, _ = curves(test.labels, probabilities, positive, len(classes))
    names = np.array(classes)
    title = f"{c.model}, test split ({len(test.labels)} images)"

    write_keras(paths.CNN_MODEL, model)
    # the class order and image format the model predicts in, and the decision the metrics were measured with
    write_json(paths.CNN_LABELS, {**labels, "positive": None if positive is None else classes[positive],
                                  "threshold": scores.get("threshold")})
    write_json(paths.CNN_METRICS, metrics)
    write_json(paths.CNN_PER_CLASS, class_metrics(test.labels, predicted, probabilities, classes))
    write_table(paths.CNN_CONFUSION, pd.DataFrame({"actual": names[test.labels], "predicted": names[predicted]}))
    write_table(paths.CNN_ROC, roc)
    write_bytes(paths.CNN_CURVES_PNG, learning_curves_figure(history, best_epoch, f"{c.model}: training vs validation"))
    write_bytes(paths.CNN_CONFUSION_PNG, confusion_figure(test.labels, predicted, classes, title))
    print(f"train_cnn: {len(history['loss'])} epochs in {seconds:.1f} s (best: {best_epoch}); {summary(metrics)} "
          f"-> {paths.CNN_MODEL}, {paths.CNN_METRICS}")


if __name__ == "__main__":
    run_stage("train_cnn", main)
