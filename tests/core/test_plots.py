"""The shared figure code (stages/core/plots.py): PNGs with no version or date in them, so the same figure is
the same bytes, and Korean names drawn with the packaged font rather than as boxes."""

import warnings

from stages.core.plots import PNG_METADATA, confusion_figure, fit_title, plt, png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def drawn() -> bytes:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [2, 0, 1])
    return png(fig)


def test_the_same_figure_is_the_same_bytes_and_says_no_software_version():
    first, second = drawn(), drawn()
    assert first.startswith(PNG_MAGIC) and first == second
    assert PNG_METADATA == {"Software": None} and b"matplotlib" not in first
    assert plt.get_fignums() == []  # png() closes what it saved


def test_korean_class_names_have_glyphs():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = confusion_figure([0, 1, 1], [0, 1, 0], ["양성", "음성"], "진단 결과")
    assert figure.startswith(PNG_MAGIC)
    assert not [w for w in caught if "missing from" in str(w.message)]  # "Glyph ... missing from font(s)"


def titled(title: str, labels: list[str]):
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    ax.barh(labels, range(1, len(labels) + 1))
    return fig, ax


def test_a_title_that_would_run_past_the_edge_wraps_and_one_that_fits_changes_no_byte():
    long = "3x10-fold CV on the training split (455 rows); models clearly behind after 10 folds stopped there"
    fig, ax = titled(long, ["a rather long model name (30, stopped)", "knn"])
    fit_title(ax, long)
    lines = ax.get_title().split("\n")
    assert len(lines) >= 2 and " ".join(lines) == long  # wrapped at spaces, no word lost
    fig.canvas.draw()
    box = ax.title.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    plt.close(fig)

    fig, ax = titled("short", ["a", "b"])
    fit_title(ax, "short")
    fitted = png(fig)
    fig, ax = titled("short", ["a", "b"])
    ax.set_title("short")
    assert png(fig) == fitted  # the look at the layout leaves the figure as it was
