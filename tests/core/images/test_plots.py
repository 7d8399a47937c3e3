"""The samples picture (stages/core/images/plots.py): grey and colour images, a row per class."""

import numpy as np

from stages.core.images.plots import image_samples_figure


def test_samples_draw_grey_and_colour_images_the_same_way_twice():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (4, 8, 8, 1), dtype=np.uint8)
    colour = rng.integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    labels = ["cat", "dog", "cat", "dog"]
    for images in (grey, colour):
        first = image_samples_figure(images, labels, ["cat", "dog"])
        assert first.startswith(b"\x89PNG") and first == image_samples_figure(images, labels, ["cat", "dog"])
    assert image_samples_figure(grey, labels, ["cat", "dog"]) != image_samples_figure(colour, labels, ["cat", "dog"])
