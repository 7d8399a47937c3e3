"""Training curves (stages/core/training/curves.py): a fit's loss and accuracy per epoch, and transfer's two
phases with the scratch baseline."""

from stages.core.training.curves import learning_curves_figure, transfer_curves_figure

HISTORY = {"loss": [1.0, 0.6, 0.4, 0.35], "val_loss": [1.1, 0.7, 0.5, 0.55],
           "accuracy": [0.5, 0.7, 0.8, 0.85], "val_accuracy": [0.45, 0.65, 0.75, 0.74]}


def test_the_kept_epoch_and_the_phases_are_marked():
    assert learning_curves_figure(HISTORY, 3, "cnn") != learning_curves_figure(HISTORY, 4, "cnn")
    phases = transfer_curves_figure(HISTORY, 2, None, "transfer")
    assert phases.startswith(b"\x89PNG") and phases != transfer_curves_figure(HISTORY, 2, HISTORY, "transfer")
