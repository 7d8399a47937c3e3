"""Stage transfer: a pretrained backbone under a new classifier head. Phase 1 trains the head with the
backbone frozen; phase 2 fine-tunes the backbone's top layers at a low learning rate. The same network
trained from random weights on the same images, for as many epochs, is the baseline transfer has to beat.
Every phase stops early on validation loss and keeps its best weights. The phases live in
stages.core.images.transfer; what to train on is planned, and checked, by stages.core.images.transfer_plan."""

from __future__ import annotations

import sys
from pathlib import Path

from stages.common import paths
from stages.common.arrays import read_image_split
from stages.common.io import read_json, tracked_input, write_files
from stages.common.keras_io import live_log, write_keras
from stages.common.runner import run_stage
from stages.core.errors import PipelineError
from stages.core.images.transfer_plan import plan_transfer
from stages.core.training.imbalance import score_line
from stages.params import load_params


def say(line: str) -> None:
    print(f"transfer: {line}", flush=True)


def warn(line: str) -> None:
    print(f"warning: transfer: {line}", file=sys.stderr, flush=True)


def main() -> None:
    params = load_params(sections=("seed", "images", "transfer"))
    transfer = params.transfer
    labels = read_json(paths.IMAGE_LABELS)
    train_x, train_y = read_image_split(paths.IMAGES_TRAIN)
    plan = plan_transfer(labels, train_y, params.seed, transfer, params.images.positive_class,
                         key="images.positive_class", section="transfer")
    if transfer.weights not in ("imagenet", "none"):  # a file: where `dvc add` tracks it, so DVC re-runs on a change
        if not Path(transfer.weights).is_file():
            raise PipelineError(f"transfer.weights = '{transfer.weights}' does not exist; save {transfer.backbone}'s "
                                "no-top weights there, or use weights: imagenet (downloaded) or none (random)")
        tracked_input(transfer.weights, paths.WEIGHTS_DIR, "transfer.weights")

    from stages.core.images import transfer as transfer_learning
    from stages.core.images.results import Answers, image_model_outputs
    from stages.core.training.curves import transfer_curves_figure
    from stages.core.training.runtime import configure, data_parallel  # TensorFlow loads here, after every check

    data = transfer_learning.experiment(plan, (train_x, train_y), read_image_split(paths.IMAGES_VAL),
                                        lambda: read_image_split(paths.IMAGES_TEST),  # the only read of the test split
                                        transfer.batch_size, params.seed)
    runtime = configure(params.seed, transfer.mixed_precision)
    for line in plan.notes + [
            f"{transfer.backbone} backbone ({plan.source_words}) at {plan.size}x{plan.size} -> {len(plan.target)} "
            f"classes from {len(plan.y)} training images; backend {runtime['backend']}, {runtime['gpus']} GPU(s), "
            f"mixed precision {'on' if runtime['mixed_precision'] else 'off'}"]:
        say(line)
    with data_parallel(runtime["gpus"]):
        reports = transfer_learning.Reports(lambda: live_log(paths.TRANSFER_LIVE_METRICS), say, warn)
        outcome = transfer_learning.run(transfer, plan, data, train_x.shape[-1], reports, section="transfer")
    metrics = transfer_learning.transfer_metrics({"train_images": len(plan.y), **outcome.metrics})
    final = transfer_learning.final_scores(outcome.metrics)
    title = f"{transfer.backbone} -> {len(plan.target)} classes, {len(plan.y)} training images"
    answers = Answers(outcome.test.labels, outcome.predicted, outcome.probabilities, final.get("threshold"))
    outputs = image_model_outputs(labels, plan.names, plan.positive, metrics, answers,
                                  transfer_curves_figure(outcome.history, outcome.phase1_epochs,
                                                         outcome.baseline_history, title), f"{title}, test split")
    write_keras(paths.TRANSFER_MODEL, outcome.model)
    write_files({paths.TRANSFER_OUTPUTS[role]: content for role, content in outputs.items()})
    scratch = f"; from scratch {metrics['scratch_accuracy']:.4f}" if transfer.scratch else ""
    print(f"transfer: {score_line(final | {'baseline_accuracy': metrics['baseline_accuracy']})}{scratch} -> "
          f"{paths.TRANSFER_MODEL}, {paths.TRANSFER_METRICS}")


if __name__ == "__main__":
    run_stage("transfer", main)
