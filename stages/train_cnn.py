"""Stage train_cnn: a Keras CNN (or MLP) on the prepared images, per-epoch curves logged with DVCLive,
early stopping on validation loss, then one evaluation on the test images."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from dvclive import Live

from stages import paths
from stages.core.evaluation import per_class as class_metrics
from stages.core.networks import LiveLogger, augmentation, build_cnn, build_mlp, compile_model, score_on_test
from stages.core.plots import confusion_figure, learning_curves_figure
from stages.core.runtime import configure
from stages.io import read_arrays, read_json, write_bytes, write_json, write_keras, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    c = params.cnn
    classes = read_json(paths.IMAGE_LABELS)["classes"]
    train, val = read_arrays(paths.IMAGES_TRAIN), read_arrays(paths.IMAGES_VAL)
    runtime = configure(params.seed, c.mixed_precision)

    import keras  # after configure(): the seed and dtype policy apply to everything built below

    shape = train["x"].shape[1:]
    augment = augmentation(c.augment.flip, c.augment.rotation, c.augment.zoom, params.seed)
    if c.model == "cnn":
        model = build_cnn(shape, len(classes), c.conv.filters, c.conv.kernel_size, c.conv.pool_size,
                          c.conv.dropout, c.conv.dense_units, c.conv.dense_dropout, augment)
    else:
        model = build_mlp(shape, len(classes), c.mlp.units, c.mlp.dropout, augment)
    compile_model(model, c.optimizer, c.learning_rate, c.momentum)
    print(f"train_cnn: {c.model}, {model.count_params():,} parameters, {len(train['y'])} training images "
          f"{shape}, backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
          f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}", flush=True)

    live = Live(str(paths.CNN_LIVE_METRICS.parent), dvcyaml=False, save_dvc_exp=False, report=None)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=c.patience, restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(train["x"], train["y"], validation_data=(val["x"], val["y"]), epochs=c.epochs,
                        batch_size=c.batch_size, callbacks=[stop, LiveLogger(live)], verbose=2).history
    seconds = time.perf_counter() - start
    live.end()
    best_epoch = int(np.argmin(history["val_loss"])) + 1

    test = read_arrays(paths.IMAGES_TEST)  # the final evaluation: the only read of the test images
    scores, predicted, probabilities = score_on_test(model, test["x"], test["y"], c.batch_size)
    metrics = {**scores, "epochs_trained": len(history["loss"]), "best_epoch": best_epoch}
    per_class = class_metrics(test["y"], predicted, probabilities, classes)  # as evaluate reports them
    names = np.array(classes)
    title = f"{c.model}, test split ({len(test['y'])} images)"

    write_keras(paths.CNN_MODEL, model)
    write_json(paths.CNN_METRICS, metrics)
    write_json(paths.CNN_PER_CLASS, per_class)
    write_table(paths.CNN_CONFUSION, pd.DataFrame({"actual": names[test["y"]], "predicted": names[predicted]}))
    write_bytes(paths.CNN_CURVES_PNG, learning_curves_figure(history, best_epoch, f"{c.model}: training vs validation"))
    write_bytes(paths.CNN_CONFUSION_PNG, confusion_figure(test["y"], predicted, classes, title))
    print(f"train_cnn: {len(history['loss'])} epochs in {seconds:.1f} s (best: {best_epoch}); test accuracy "
          f"{metrics['test_accuracy']:.4f}, macro F1 {metrics['test_f1_macro']:.4f} -> {paths.CNN_MODEL}, "
          f"{paths.CNN_METRICS}")


if __name__ == "__main__":
    run_stage("train_cnn", main)
