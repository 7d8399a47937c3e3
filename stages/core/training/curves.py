"""Network figures: training against validation per epoch, for train_cnn, train_dnn and both phases of transfer."""

from __future__ import annotations

from stages.core.plots import plt, png


def learning_curves_figure(history: dict[str, list[float]], best_epoch: int, title: str,
                           metric: str = "accuracy") -> bytes:
    """Training vs validation loss and the task's metric (accuracy, or r2) per epoch; the kept (best) epoch
    marked."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    epochs = range(1, len(history["loss"]) + 1)
    for ax, metric in zip(axes, ("loss", metric), strict=True):
        ax.plot(epochs, history[metric], marker="o", markersize=3, label="training")
        ax.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3, label="validation")
        ax.axvline(best_epoch, color="grey", linestyle=":", label=f"kept: epoch {best_epoch}")
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return png(fig)


def transfer_curves_figure(history: dict[str, list[float]], phase1_epochs: int, scratch: dict | None,
                           title: str) -> bytes:
    """Transfer training vs validation across both phases (fine-tuning's start marked), and the from-scratch
    baseline's validation curve on the same images and epochs."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    epochs = range(1, len(history["loss"]) + 1)
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        ax.plot(epochs, history[metric], marker="o", markersize=3, label="transfer: training")
        ax.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3, label="transfer: validation")
        if scratch:
            ax.plot(range(1, len(scratch[metric]) + 1), scratch[f"val_{metric}"], linestyle="--", color="grey",
                    label="from scratch: validation")
        if len(history["loss"]) > phase1_epochs:
            ax.axvline(phase1_epochs + 0.5, color="black", linestyle=":", label="fine-tuning starts")
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return png(fig)
