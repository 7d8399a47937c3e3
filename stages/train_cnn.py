"""Stage train_cnn: a Keras CNN (or MLP) on the prepared images, read from disk a batch at a time, per-epoch
curves logged with DVCLive, early stopping on validation loss, then one evaluation on the test images."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from dvclive import Live

from stages import paths
from stages.core.evaluation import per_class as class_metrics
from stages.core.networks import (
    ImageBatches, LiveLogger, augmentation, build_cnn, build_mlp, compile_model, score_on_test,
)
from stages.core.network_plots import learning_curves_figure
from stages.core.plots import confusion_figure
from stages.core.runtime import configure
from stages.io import read_image_split, read_json, write_bytes, write_json, write_keras, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    c = params.cnn
    labels = read_json(paths.IMAGE_LABELS)
    classes = labels["classes"]
    train = ImageBatches(*read_image_split(paths.IMAGES_TRAIN), c.batch_size, seed=params.seed)
    val = ImageBatches(*read_image_split(paths.IMAGES_VAL), c.batch_size)
    runtime = configure(params.seed, c.mixed_precision)

    import keras  # after configure(): the seed and dtype policy apply to everything built below

    shape = train.pixels.shape[1:]
    augment = augmentation(c.augment.flip, c.augment.rotation, c.augment.zoom, params.seed)
    if c.model == "cnn":
        model = build_cnn(shape, len(classes), c.conv.filters, c.conv.kernel_size, c.conv.pool_size,
                          c.conv.dropout, c.conv.dense_units, c.conv.dense_dropout, augment)
    else:
        model = build_mlp(shape, len(classes), c.mlp.units, c.mlp.dropout, augment)
    compile_model(model, c.optimizer, c.learning_rate, c.momentum)
    print(f"train_cnn: {c.model}, {model.count_params():,} parameters, {len(train.rows)} training images "
          f"{shape}, backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
          f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}", flush=True)

    live = Live(str(paths.CNN_LIVE_METRICS.parent), dvcyaml=False, save_dvc_exp=False, report=None)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=c.patience, restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(train, validation_data=val, epochs=c.epochs, shuffle=False,  # ImageBatches shuffles
                        callbacks=[stop, LiveLogger(live)], verbose=2).history
    seconds = time.perf_counter() - start
    live.end()
    best_epoch = int(np.argmin(history["val_loss"])) + 1

    test = ImageBatches(*read_image_split(paths.IMAGES_TEST), c.batch_size)  # the only read of the test images
    scores, predicted, probabilities = score_on_test(model, test)
    metrics = {**scores, "epochs_trained": len(history["loss"]), "best_epoch": best_epoch}
    per_class = class_metrics(test.labels, predicted, probabilities, classes)  # as evaluate reports them
    names = np.array(classes)
    title = f"{c.model}, test split ({len(test.labels)} images)"

    write_keras(paths.CNN_MODEL, model)
    write_json(paths.CNN_LABELS, labels)  # the class order and image format the model predicts in
    write_json(paths.CNN_METRICS, metrics)
    write_json(paths.CNN_PER_CLASS, per_class)
    write_table(paths.CNN_CONFUSION, pd.DataFrame({"actual": names[test.labels], "predicted": names[predicted]}))
    write_bytes(paths.CNN_CURVES_PNG, learning_curves_figure(history, best_epoch, f"{c.model}: training vs validation"))
    write_bytes(paths.CNN_CONFUSION_PNG, confusion_figure(test.labels, predicted, classes, title))
    print(f"train_cnn: {len(history['loss'])} epochs in {seconds:.1f} s (best: {best_epoch}); test accuracy "
          f"{metrics['test_accuracy']:.4f}, macro F1 {metrics['test_f1_macro']:.4f} -> {paths.CNN_MODEL}, "
          f"{paths.CNN_METRICS}")


if __name__ == "__main__":
    run_stage("train_cnn", main)
