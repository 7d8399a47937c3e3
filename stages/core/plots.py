"""Figures for people (PNG). Plot data for `dvc plots` is written by the stages as CSV/JSON."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: stages run under DVC, in CI, over SSH
import matplotlib.pyplot as plt  # noqa: E402

# no version or date in the file: identical figures stay byte-identical, so git sees no change
PNG_METADATA = {"Software": None}


def profile_figure(class_balance: dict[str, int], missing: dict[str, int], title: str) -> bytes:
    """Class balance beside missing values per column: the two things to look at before modelling."""
    gaps = sorted(((n, c) for c, n in missing.items() if n), reverse=True)[:20]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    left.barh(list(class_balance), list(class_balance.values()), color="tab:blue")
    left.invert_yaxis()
    left.set(title="Class balance", xlabel="rows")
    left.margins(x=0.15)  # room for the counts
    for y, n in enumerate(class_balance.values()):
        left.annotate(f" {n}", (n, y), va="center")
    if gaps:
        right.barh([c for _, c in gaps], [n for n, _ in gaps], color="tab:orange")
        right.invert_yaxis()
        right.set(title="Missing values (top 20 columns)", xlabel="rows")
    else:
        right.axis("off")
        right.text(0.5, 0.5, "No missing values", ha="center", va="center", fontsize=14)
    fig.suptitle(title)
    return _png(fig)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata=PNG_METADATA)
    plt.close(fig)
    return buf.getvalue()


def selection_curve_figure(curve, chosen: int, all_score: float, scoring: str, title: str) -> bytes:
    """CV score against the number of features, ± one std across folds, with the chosen k marked."""
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    x, mean, std = curve["n_features"], curve["cv_score"], curve["cv_std"]
    ax.fill_between(x, mean - std, mean + std, alpha=0.2, color="tab:blue", label="± 1 std across folds")
    ax.plot(x, mean, marker="o", markersize=3, color="tab:blue", label=f"mean CV {scoring}")
    ax.axhline(all_score, color="grey", linestyle="--", label=f"all features: {all_score:.4f}")
    picked = curve.loc[curve["n_features"] == chosen, "cv_score"]
    if len(picked):
        ax.axvline(chosen, color="tab:red", linestyle=":")
        ax.plot([chosen], picked, marker="*", markersize=14, color="tab:red", linestyle="none",
                label=f"selected k={chosen}: {picked.iloc[0]:.4f}")
    ax.set(xlabel="number of features", ylabel=scoring, title=title)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return _png(fig)


def comparison_boxplot(scores, order: list[str], metric: str, title: str) -> bytes:
    """The classic algorithm-comparison figure: one box of fold scores per model, best mean on top."""
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(order) + 1.8), layout="constrained")
    data = [scores.loc[scores["model"] == m, metric] for m in order]
    ax.boxplot(data, orientation="horizontal", tick_labels=order, showmeans=True,
               meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black"})
    ax.invert_yaxis()
    ax.set(xlabel=f"{metric} per fold (diamond: mean)", title=title)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def evaluation_figures(y_true, y_pred, scores, classes: list[str], positive: int, title: str) -> dict[str, bytes]:
    """Confusion matrix (truth on rows), ROC and precision-recall curves: one per class for multiclass."""
    from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

    shown = [positive] if len(classes) == 2 else range(len(classes))
    figures = {"confusion": confusion_figure(y_true, y_pred, classes, title)}
    for name, display in (("roc", RocCurveDisplay), ("precision_recall", PrecisionRecallDisplay)):
        fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
        for c in shown:
            display.from_predictions(y_true == c, scores[:, c], name=str(classes[c]), ax=ax,
                                     plot_chance_level=c == shown[-1])
        if name == "roc":
            ax.set(title=f"ROC\n{title}", xlabel="false positive rate (1 - specificity)",
                   ylabel="true positive rate (sensitivity)")
        else:
            ax.set(title=f"Precision-recall\n{title}", xlabel="recall (sensitivity)", ylabel="precision")
        ax.grid(alpha=0.3)
        figures[name] = _png(fig)
    return figures


def image_samples_figure(images, labels, classes: list[str], per_class: int = 6) -> bytes:
    """A few training images per class (uint8), as the network will see them: resized, converted."""
    shown = classes[:12]
    fig, axes = plt.subplots(len(shown), per_class, figsize=(per_class * 0.9, len(shown) * 0.95),
                             layout="constrained", squeeze=False)
    for row, name in enumerate(shown):
        picks = [i for i, label in enumerate(labels) if label == name][:per_class]
        for col, ax in enumerate(axes[row]):
            ax.axis("off")
            if col < len(picks):
                image = images[picks[col]]
                ax.imshow(image.squeeze(), cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=255)
        axes[row][0].set_title(name, loc="left", fontsize=8)
    return _png(fig)


def confusion_figure(y_true, y_pred, classes: list[str], title: str) -> bytes:
    """Counts with the truth on rows, the prediction on columns (the course's convention)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(classes) + 3),) * 2, layout="constrained")
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=range(len(classes)), display_labels=classes, ax=ax, colorbar=False, cmap="Blues"
    )
    ax.set(title=f"Confusion matrix\n{title}", xlabel="predicted", ylabel="actual")
    if len(classes) > 4 and max(len(c) for c in classes) > 3:
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    return _png(fig)


def learning_curves_figure(history: dict[str, list[float]], best_epoch: int, title: str) -> bytes:
    """Training vs validation loss and accuracy per epoch; the kept (best) epoch marked."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    epochs = range(1, len(history["loss"]) + 1)
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        ax.plot(epochs, history[metric], marker="o", markersize=3, label="training")
        ax.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3, label="validation")
        ax.axvline(best_epoch, color="grey", linestyle=":", label=f"kept: epoch {best_epoch}")
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    return _png(fig)


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
    return _png(fig)
