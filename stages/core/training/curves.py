"""Network figures: training against validation per epoch, for train_cnn, train_dnn and both phases of transfer."""

from __future__ import annotations

from typing import Callable

from stages.core.plots import plt, png


def _curves(history: dict[str, list[float]], metrics: tuple[str, str], title: str, who: str,
            more: Callable) -> bytes:
    """One panel per metric: training and validation per epoch; `more(ax, metric)` adds a panel's marks."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    epochs = range(1, len(history["loss"]) + 1)
    for ax, metric in zip(axes, metrics, strict=True):
        ax.plot(epochs, history[metric], marker="o", markersize=3, label=f"{who}training")
        ax.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3, label=f"{who}validation")
        more(ax, metric)
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return png(fig)


def learning_curves_figure(history: dict[str, list[float]], best_epoch: int, title: str,
                           metric: str = "accuracy") -> bytes:
    """Training vs validation loss and the task's metric (accuracy, or r2) per epoch; the kept (best) epoch
    marked."""
    def kept(ax, _):
        ax.axvline(best_epoch, color="grey", linestyle=":", label=f"kept: epoch {best_epoch}")

    return _curves(history, ("loss", metric), title, "", kept)


def transfer_curves_figure(history: dict[str, list[float]], phase1_epochs: int, baseline: dict | None,
                           title: str) -> bytes:
    """Transfer training vs validation across both phases (fine-tuning's start marked), and the from-scratch
    baseline's validation curve on the same images and epochs."""
    def marks(ax, metric):
        if baseline:
            ax.plot(range(1, len(baseline[metric]) + 1), baseline[f"val_{metric}"], linestyle="--", color="grey",
                    label="from scratch: validation")
        if len(history["loss"]) > phase1_epochs:
            ax.axvline(phase1_epochs + 0.5, color="black", linestyle=":", label="fine-tuning starts")

    return _curves(history, ("loss", "accuracy"), title, "transfer: ", marks)
