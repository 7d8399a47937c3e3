"""Params sections as the plain values core functions take: core never sees a params object."""

from __future__ import annotations

from stages.params.schema import ComputeParams, TransferParams


def compute_on(compute: ComputeParams) -> tuple[str, str, int]:
    """`compute` as the plain values stages.core.compute.fits_on takes."""
    return compute.backend, compute.scheduler, compute.workers


def transfer_recipe(t: TransferParams):
    """`transfer` as the plain values stages.core.images.transfer.run takes (Keras loads with that module)."""
    from stages.core.images.transfer import Recipe

    return Recipe(backbone=t.backbone, weights=t.weights, pooling=t.head.pooling, dense_units=t.head.dense_units,
                  dropout=t.head.dropout, learning_rate=t.learning_rate, epochs=t.epochs,
                  fine_tune_layers=t.fine_tune_layers, fine_tune_lr=t.fine_tune_lr, fine_tune_epochs=t.fine_tune_epochs,
                  patience=t.patience, threshold=t.threshold, baseline=t.scratch, filters=t.pipeline.filters,
                  pretrain_epochs=t.pipeline.epochs)
