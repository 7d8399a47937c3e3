"""Params sections as the plain values core functions take: core never sees a params object."""

from __future__ import annotations

from stages.params.schema import CnnParams, ComputeParams, TransferParams


def compute_on(compute: ComputeParams) -> dict:
    """`compute` as the plain values stages.core.compute.fits_on takes, with the section its errors name."""
    return {"backend": compute.backend, "scheduler": compute.scheduler, "workers": compute.workers,
            "section": "compute"}


def cnn_settings(cnn: CnnParams):
    """`cnn` as the plain values stages.core.images.sizing.cnn_rules and networks.course_network take."""
    from stages.core.images.sizing import CnnSettings  # train_cnn's alone: the other stages start without it

    conv = cnn.conv
    return CnnSettings(model=cnn.model, batch_size=cnn.batch_size, patience=cnn.patience, reduce_lr=cnn.reduce_lr,
                       filters=conv.filters, kernel_size=conv.kernel_size, pool_size=conv.pool_size,
                       dropout=conv.dropout, dense_units=conv.dense_units, dense_dropout=conv.dense_dropout,
                       batch_norm=conv.batch_norm, pooling=conv.pooling, mlp_units=cnn.mlp.units,
                       mlp_dropout=cnn.mlp.dropout, augment=cnn.augment.model_dump(), optimizer=cnn.optimizer,
                       learning_rate=cnn.learning_rate, momentum=cnn.momentum, section="cnn")


def transfer_settings(t: TransferParams):
    """`transfer` as the plain values stages.core.images.transfer_plan.plan_transfer checks."""
    from stages.core.images.transfer_plan import TransferSettings  # transfer's alone (it imports the metrics)

    return TransferSettings(backbone=t.backbone, weights=t.weights, source_classes=t.pipeline.source_classes,
                            samples_per_class=t.pipeline.target_samples_per_class, requested_size=t.input_size,
                            blocks=len(t.pipeline.filters), threshold=t.threshold, class_weight=t.class_weight,
                            section="transfer")


def transfer_recipe(t: TransferParams):
    """`transfer` as the plain values stages.core.images.transfer.run takes (Keras loads with that module)."""
    from stages.core.images.transfer import Recipe

    return Recipe(backbone=t.backbone, weights=t.weights, pooling=t.head.pooling, dense_units=t.head.dense_units,
                  dropout=t.head.dropout, learning_rate=t.learning_rate, epochs=t.epochs,
                  fine_tune_layers=t.fine_tune_layers, fine_tune_lr=t.fine_tune_lr, fine_tune_epochs=t.fine_tune_epochs,
                  patience=t.patience, threshold=t.threshold, baseline=t.scratch, filters=t.pipeline.filters,
                  pretrain_epochs=t.pipeline.epochs)
