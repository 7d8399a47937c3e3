"""What the transfer stage will do, decided and checked before TensorFlow loads (a params mistake is the first
line a user sees): the backbone's weights, the source and target classes, the few-shot training images, the
input size, the positive class and the class weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stages.core.classes import positive_class, positive_code
from stages.core.errors import PipelineError
from stages.core.images.names import APPLICATIONS, BACKBONES  # noqa: F401 (BACKBONES: the tests' import)
from stages.core.training.imbalance import check_threshold, class_weights

MIN_SIZE = 32  # keras.applications refuse smaller inputs once their top is dropped


def check_weights(backbone: str, weights: str, *, section: str) -> None:
    """imagenet, none, or a file for a keras.applications backbone (the stage checks that the file is there)."""
    if weights not in ("imagenet", "none") and backbone == "pipeline":
        raise PipelineError(f"{section}.weights = '{weights}': a weights file needs a keras.applications backbone "
                            f"({', '.join(APPLICATIONS)}); the pipeline backbone is pre-trained here on "
                            f"{section}.pipeline.source_classes (weights: imagenet) or left random (none)")


def describe_weights(backbone: str, weights: str, source: list[str]) -> str:
    """The log's words for where the backbone's weights come from."""
    if backbone == "pipeline":
        return f"pre-trained here on classes {', '.join(source)}" if weights == "imagenet" else "random weights"
    return {"imagenet": "ImageNet weights", "none": "random weights"}.get(weights, f"weights from {weights}")


def input_size(backbone: str, stored: int, requested: int | None, blocks: int, *, key: str) -> int:
    """The side the backbone sees: as requested, else the stored size raised to the backbone's minimum."""
    minimum = MIN_SIZE if backbone in APPLICATIONS else 2**blocks  # pipeline: one 2x2 pooling per block
    size = requested or max(stored, minimum)
    if size < minimum:
        raise PipelineError(f"{key} = {size} is below {backbone}'s minimum of {minimum} pixels; "
                            f"set it to at least {minimum}, or null to resize up automatically")
    return size


def source_and_target(classes: list[str], backbone: str, source: str | list, *,
                      section: str) -> tuple[list[int], list[int]]:
    """Class codes the pipeline backbone pre-trains on, and those the new head learns (all of them for
    keras.applications backbones, whose source is ImageNet). auto: the first half in labels.json's order."""
    if backbone in APPLICATIONS:
        return [], list(range(len(classes)))
    key = f"{section}.pipeline.source_classes"
    if source == "auto":
        if len(classes) < 4:
            raise PipelineError(f"{key} = auto needs at least 4 image classes (2 to pre-train on, 2 to transfer to), "
                                f"but there are {len(classes)} ({', '.join(classes)}); use a keras.applications "
                                f"backbone ({section}.backbone: {' | '.join(APPLICATIONS)})")
        source = classes[:len(classes) // 2]
    wanted = [str(c) for c in source]
    if unknown := [c for c in wanted if c not in classes]:
        raise PipelineError(f"{key}: {', '.join(unknown)} not among the image classes "
                            f"({', '.join(classes)}); list classes from data/images/labels.json, or auto")
    codes = sorted({classes.index(c) for c in wanted})
    rest = [i for i in range(len(classes)) if i not in codes]
    if len(codes) < 2 or len(rest) < 2:
        raise PipelineError(f"{key} leaves {len(codes)} class(es) to pre-train on and "
                            f"{len(rest)} to transfer to; both need at least 2 of the {len(classes)} classes")
    return codes, rest


def few_shot(y: np.ndarray, per_class: int | None, seed: int) -> np.ndarray:
    """Indices of up to `per_class` seeded picks from each class (all rows when None, or when a class has
    fewer), in a stable order."""
    if per_class is None:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    picks = [rng.permutation(np.flatnonzero(y == code))[:per_class] for code in np.unique(y)]
    return np.sort(np.concatenate(picks))


def only(labels: np.ndarray, codes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of these classes, and their labels renumbered 0..len(codes)-1 for a head of that size."""
    rows = np.flatnonzero(np.isin(labels, codes))
    renumber = np.full(max([int(labels.max()), *codes]) + 1, -1)
    renumber[codes] = np.arange(len(codes))
    return rows, renumber[labels[rows]]


@dataclass(frozen=True)
class Plan:
    source: list[int]  # class codes the pipeline backbone pre-trains on (none for ImageNet backbones)
    target: list[int]  # class codes the new head learns
    names: list[str]  # the head's classes, in its order
    rows: np.ndarray  # the training images of the target classes used (few-shot picks for the pipeline backbone)
    y: np.ndarray  # their labels, 0..len(target)-1
    size: int  # the side the backbone sees
    positive: int | None  # binary heads: the positive class's code
    weights: np.ndarray | None  # class weights (class_weight: balanced)
    source_words: str  # where the backbone's weights come from, for the log
    notes: list[str]  # what the stage prints before training


def plan_transfer(labels: dict, train_y: np.ndarray, seed: int, transfer, wanted_positive, *, key: str,
                  section: str) -> Plan:
    """Every check of `transfer` (the validated `<section>` of params.yaml) and of the positive class (`key`) that
    needs no network, on the stored images (`labels`: their labels.json: classes, image_size) and the training
    split's class codes."""
    classes, stored_side = labels["classes"], labels["image_size"]
    backbone, weights, samples_per_class = (transfer.backbone, transfer.weights,
                                            transfer.pipeline.target_samples_per_class)
    check_weights(backbone, weights, section=section)
    source, target = source_and_target(classes, backbone, transfer.pipeline.source_classes, section=section)
    names = [classes[i] for i in target]
    rows, y = only(train_y, target)
    notes = []
    if backbone == "pipeline":  # few-shot: the target classes come from the folder the backbone learnt on
        if samples_per_class and (short := [f"{names[c]} {n}" for c, n in enumerate(np.bincount(y))
                                            if n < samples_per_class]):
            notes.append(f"fewer training images than {section}.pipeline.target_samples_per_class = "
                         f"{samples_per_class}, all used: {', '.join(short)}")
        picked = few_shot(y, samples_per_class, seed)
        rows, y = rows[picked], y[picked]
    check_threshold(transfer.threshold, len(target), f"{section}.threshold")
    return Plan(source=source, target=target, names=names, rows=rows, y=y,
                size=input_size(backbone, stored_side, transfer.input_size, len(transfer.pipeline.filters),
                                key=f"{section}.input_size"),
                positive=positive_code(names, positive_class(wanted_positive, np.take(names, y), key=key)),
                weights=class_weights(y, names, transfer.class_weight, f"{section}.class_weight"),
                source_words=describe_weights(backbone, weights, [classes[i] for i in source]), notes=notes)
