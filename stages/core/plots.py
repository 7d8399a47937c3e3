"""Figures for people (PNG), the shared part: a headless backend, byte-stable PNGs, the confusion matrix that
tabular and image models both draw. Each domain's figures live beside it (tabular_plots, network_plots,
image_plots), so changing one figure re-runs only the stages that draw it. Plot data for `dvc plots` is
written by the stages as CSV/JSON."""

from __future__ import annotations

import functools
import io


@functools.cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # headless: stages run under DVC, in CI, over SSH
    import matplotlib.pyplot as pyplot

    _cjk_fallback(matplotlib)
    return pyplot


class _Pyplot:
    """matplotlib.pyplot, imported at the first figure (about 0.4 s): a stage's start-up, and a stage that draws
    nothing, do not pay for it."""

    def __getattr__(self, name: str):
        return getattr(_pyplot(), name)


plt = _Pyplot()


def _cjk_fallback(matplotlib) -> None:
    """Korean (and other Hangul) column and class names drawn, not boxes: NanumGothic, shipped by the locked
    koreanize-matplotlib package, as the fallback after DejaVu Sans. Only its font file is used (importing the
    package would make it every figure's font), so figures without such text stay byte-identical."""
    import importlib.util
    import logging
    from pathlib import Path

    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or spec.origin is None:  # an environment without it draws boxes, as matplotlib does
        return
    # it ships one weight: a bold title falls back to the regular one, which is fine, and says so every run
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(Path(spec.origin).parent / "fonts" / "NanumGothic.ttf"))
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", "NanumGothic"]


# no version or date in the file: identical figures stay byte-identical, so git sees no change
PNG_METADATA = {"Software": None}


def png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata=PNG_METADATA)
    plt.close(fig)
    return buf.getvalue()


def fit_title(ax, title: str) -> None:
    """The axes' title, wrapped at spaces only where it would run past the figure's edge once the layout has placed
    the axes (a title is centred on its axes, which long tick labels push aside). A title that fits is set as it
    is, and its figure stays byte-identical."""
    import textwrap

    fig = ax.figure
    text = ax.set_title(title)
    width = max(map(len, title.split("\n")))
    while width > 20 and not _fits(fig, text):
        width -= max(2, width // 10)
        text.set_text("\n".join(textwrap.fill(line, width, break_long_words=False) for line in title.split("\n")))


def _fits(fig, text) -> bool:
    """Whether `text` lies inside the figure after a layout pass. The axes' positions are put back afterwards:
    savefig's own pass then starts where it would have, so the PNG's bytes do not depend on this look."""
    before = [(a, a.get_position(original=True).frozen(), a.get_position().frozen()) for a in fig.axes]
    fig.canvas.draw()  # constrained layout places the axes
    box = text.get_window_extent()
    for axes, original, active in before:
        axes._set_position(original, which="original")  # private: matplotlib has no public undo of a layout
        axes._set_position(active, which="active")
    return box.x0 >= 0 and box.x1 <= fig.bbox.width


def confusion_figure(y_true, y_pred, classes: list[str], title: str) -> bytes:
    """Counts with the truth on rows, the prediction on columns (the course's convention)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(classes) + 3),) * 2, layout="constrained")
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=range(len(classes)), display_labels=classes, ax=ax, colorbar=False, cmap="Blues"
    )
    ax.set(xlabel="predicted", ylabel="actual")
    fit_title(ax, f"Confusion matrix\n{title}")
    if len(classes) > 4 and max(len(c) for c in classes) > 3:
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    return png(fig)
