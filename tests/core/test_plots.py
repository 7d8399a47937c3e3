"""The shared figure code (stages/core/plots.py): PNGs with no version or date in them, so the same figure is
the same bytes, and Korean names drawn with the packaged font rather than as boxes."""

import warnings

from stages.core.plots import PNG_METADATA, confusion_figure, plt, png

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
