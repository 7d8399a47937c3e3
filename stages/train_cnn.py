"""Stage train_cnn: a Keras CNN (or MLP) on the prepared images, read from disk a batch at a time, per-epoch
curves logged with DVCLive, early stopping on validation loss, then one evaluation on the test images.

Imbalance: `cnn.class_weight: balanced` weighs each class alike in the loss; the headline metrics include
balanced accuracy and, for two classes, the positive class's sensitivity and specificity, at a threshold that
`cnn.threshold` may set from the validation split."""

from __future__ import annotations

import time

import numpy as np

from stages.common import paths
from stages.common.arrays import read_image_split
from stages.common.io import read_json, write_files
from stages.common.keras_io import live_log, write_keras
from stages.common.runner import run_stage
from stages.core.classes import positive_class, positive_code
from stages.core.images import sizing
from stages.core.training.imbalance import check_threshold, class_weights, majority_accuracy, score_line, weighing
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "images", "cnn"))
    cnn = params.cnn
    labels = read_json(paths.IMAGE_LABELS)
    classes = labels["classes"]
    train_x, train_y = read_image_split(paths.IMAGES_TRAIN)
    check_threshold(cnn.threshold, len(classes), "cnn.threshold")  # params checks first, before TensorFlow loads
    positive = positive_code(classes, positive_class(params.images.positive_class, np.take(classes, train_y),
                                                     key="images.positive_class"))
    weights = class_weights(train_y, classes, cnn.class_weight, "cnn.class_weight")

    from stages.core.images.networks import ImageBatches, Phase, course_network, evaluate_network, fit
    from stages.core.images.results import Answers, image_model_outputs
    from stages.core.training.curves import learning_curves_figure
    from stages.core.training.live import LiveLogger
    from stages.core.training.runtime import configure  # first: TensorFlow's settings and quiet start-up, then it loads

    train = ImageBatches(train_x, train_y, cnn.batch_size, seed=params.seed, class_weight=weights)
    val = ImageBatches(*read_image_split(paths.IMAGES_VAL), cnn.batch_size, class_weight=weights)
    runtime = configure(params.seed, cnn.mixed_precision)  # the seed and dtype policy apply to everything built below
    shape = train.pixels.shape[1:]
    rules = sizing.cnn_rules(cnn, params.images.augment, shape[0], len(train.rows), labels.get("source_side"),
                             key="images.augment", section="cnn")
    model = course_network(cnn, shape, len(classes), rules, params.seed, key="images.image_size", section="cnn")
    for line in rules.lines():
        print(f"train_cnn: {line}", flush=True)
    network = f"cnn, {rules.plan.words(shape[0])}" if cnn.model == "cnn" else f"mlp, dense layers {cnn.mlp.units}"
    print(f"train_cnn: {network}, {model.count_params():,} parameters, {len(train.rows)} training images "
          f"{shape}{weighing(classes, weights)}; backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
          f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}", flush=True)
    live, start = live_log(paths.CNN_LIVE_METRICS), time.perf_counter()
    history = fit(model, train, val, Phase("train_cnn", cnn.epochs, rules.patience.value,
                                           reduce_lr=rules.reduce_lr.value), callbacks=(LiveLogger(live),))
    seconds, best_epoch = time.perf_counter() - start, int(np.argmin(history["val_loss"])) + 1
    live.end()

    test = ImageBatches(*read_image_split(paths.IMAGES_TEST), cnn.batch_size)  # the only read of the test images
    scores, predicted, probabilities = evaluate_network(model, val, test, classes, positive, cnn.threshold,
                                                        "cnn.threshold")
    metrics = {**scores, "baseline_accuracy": majority_accuracy(train_y, test.labels),
               "chance_accuracy": 1 / len(classes), "epochs_trained": len(history["loss"]), "best_epoch": best_epoch}
    curves_png = learning_curves_figure(history, best_epoch, f"{cnn.model}: training vs validation")
    answers = Answers(test.labels, predicted, probabilities, scores.get("threshold"))
    outputs = image_model_outputs(labels, classes, positive, metrics, answers, curves_png,
                                  f"{cnn.model}, test split ({len(test.labels)} images)")
    write_keras(paths.CNN_MODEL, model)
    write_files({paths.CNN_OUTPUTS[role]: content for role, content in outputs.items()})
    print(f"train_cnn: {len(history['loss'])} epochs in {seconds:.1f} s (best: {best_epoch}); {score_line(metrics)} "
          f"-> {paths.CNN_MODEL}, {paths.CNN_METRICS}")


if __name__ == "__main__":
    run_stage("train_cnn", main)
