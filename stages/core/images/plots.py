"""Image figures: what the network will see, a few prepared training images per class."""

from __future__ import annotations

from stages.core.plots import plt, png


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
    return png(fig)
