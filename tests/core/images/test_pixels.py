"""Pixels read right: each case is a tiny file whose expected pixels are known (no Keras, no stage)."""

import numpy as np
import pytest
from PIL import Image

from stages.core.images.pixels import Unreadable, read_image, read_images


def save(tmp_path, name, image: Image.Image, **options) -> str:
    path = tmp_path / name
    image.save(path, **options)
    return str(path)


def test_cmyk_jpeg_becomes_its_rgb_colour_not_white(tmp_path):
    path = save(tmp_path, "cyan.jpg", Image.new("CMYK", (16, 16), (255, 0, 0, 0)), quality=100)
    pixels, note = read_image(path, 8, 3)
    assert np.abs(pixels.astype(int) - [0, 255, 255]).max() <= 3 and note is None


def test_12_bit_data_in_a_16_bit_png_is_scaled_by_4095_with_a_note(tmp_path):
    values = np.full((16, 16), 4095, np.uint16)
    values[:8] = 2048
    pixels, note = read_image(save(tmp_path, "xray.png", Image.fromarray(values)), 8, 1, "squash")
    assert pixels[0, 0, 0] == 128 and pixels[7, 0, 0] == 255  # 2048 / 4095 * 255 = 127.5; not near-black
    assert note == "a 16-bit file with values 2048..4095: read as 12-bit (/4095)"


def test_full_range_16_bit_png_needs_no_note(tmp_path):
    values = np.zeros((16, 16), np.uint16)
    values[8:] = 65535
    pixels, note = read_image(save(tmp_path, "full.png", Image.fromarray(values)), 8, 1, "squash")
    assert (pixels[0, 0, 0], pixels[7, 0, 0], note) == (0, 255, None)


def test_float_tiff_0_to_4095_is_scaled_not_clipped_to_white(tmp_path):
    values = np.full((16, 16), 4095.0, np.float32)
    values[:8] = 1024.0
    pixels, note = read_image(save(tmp_path, "ct.tif", Image.fromarray(values)), 8, 1, "squash")
    assert pixels[0, 0, 0] == 64 and pixels[7, 0, 0] == 255  # 1024 / 4095 * 255 = 63.8
    assert note == "a float file with values 1024..4095: read as 12-bit (/4095)"


def test_float_tiff_in_0_1_is_taken_as_is_and_negative_values_are_stretched(tmp_path):
    pixels, note = read_image(save(tmp_path, "half.tif", Image.fromarray(np.full((4, 4), 0.5, np.float32))), 4, 1)
    assert (pixels == 128).all() and note is None
    values = np.linspace(-1, 1, 16, dtype=np.float32).reshape(4, 4)
    pixels, note = read_image(save(tmp_path, "signed.tif", Image.fromarray(values)), 4, 1)
    assert (pixels.min(), pixels.max()) == (0, 255) and note == "values -1..1: stretched to 0..1 (its own min..max)"


def test_nan_pixels_are_unreadable(tmp_path):
    values = np.zeros((4, 4), np.float32)
    values[0, 0] = np.nan
    with pytest.raises(Unreadable, match="holds NaN or infinite pixel values"):
        read_image(save(tmp_path, "nan.tif", Image.fromarray(values)), 4, 1)


def test_exif_orientation_is_applied(tmp_path):
    stored = np.zeros((10, 20), np.uint8)
    stored[0] = 255  # the stored top row; orientation 6 says: display rotated 90 degrees clockwise
    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[0x0112] = 6
    path = save(tmp_path, "phone.jpg", image, exif=exif.tobytes(), quality=100)
    pixels = read_image(path, 20, 1, "squash")[0][..., 0]
    assert pixels[:, -1].min() > 240 and pixels[:, 0].max() < 15  # the white row is now the right column


def test_transparency_is_composited_on_white(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0], rgba[:4, :, 3] = 255, 255  # red; the bottom half fully transparent
    pixels = read_image(save(tmp_path, "rgba.png", Image.fromarray(rgba)), 8, 3)[0]
    assert pixels[0, 0].tolist() == [255, 0, 0] and pixels[7, 0].tolist() == [255, 255, 255]

    grey_alpha = np.zeros((8, 8, 2), np.uint8)
    grey_alpha[:4, :, 1] = 255  # black, opaque on top
    pixels = read_image(save(tmp_path, "la.png", Image.fromarray(grey_alpha)), 8, 1)[0]
    assert (pixels[0, 0, 0], pixels[7, 0, 0]) == (0, 255)

    palette = Image.new("P", (8, 8), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)  # 0: red (made transparent), 1: blue
    palette.putpixel((0, 0), 1)
    pixels = read_image(save(tmp_path, "pal.png", palette, transparency=0), 8, 3)[0]
    assert pixels[0, 0].tolist() == [0, 0, 255] and pixels[4, 4].tolist() == [255, 255, 255]


def test_one_bit_and_channel_conversions(tmp_path):
    assert (read_image(save(tmp_path, "one.png", Image.new("1", (8, 8), 1)), 8, 1)[0] == 255).all()
    red = save(tmp_path, "red.png", Image.new("RGB", (8, 8), (255, 0, 0)))
    assert (read_image(red, 8, 1)[0] == 76).all()  # ITU-R 601-2 luma: 0.299 * 255
    grey = read_image(save(tmp_path, "grey.png", Image.new("L", (6, 6), 90)), 8, 3)[0]
    assert grey.shape == (8, 8, 3) and (grey == 90).all()  # resized first, then repeated


def test_resize_modes_on_a_wide_image(tmp_path):
    wide = np.full((10, 20), 200, np.uint8)
    wide[:, :5] = 50  # a dark left quarter: crop cuts it away, squash and pad keep it
    path = save(tmp_path, "wide.png", Image.fromarray(wide))
    pad, crop, squash = (read_image(path, 10, 1, how)[0][..., 0] for how in ("pad", "crop", "squash"))
    assert pad[:2].max() == 0 and pad[-3:].max() == 0 and pad[2:7, -1].min() == 200  # bars above and below
    assert pad[4, 0] < 100  # the aspect ratio kept: the dark quarter is still a quarter
    assert crop.min() >= 110 and crop[:, -1].min() == 200  # centre square: only a sliver of the dark part
    assert squash[:, 0].max() == 50 and squash[:, -1].min() == 200  # stretched, both kept, no bars


def test_decompression_bomb_and_broken_files_are_unreadable_with_reasons(tmp_path, monkeypatch):
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(Unreadable, match="^not an image Pillow can read$"):
        read_image(str(tmp_path / "text.png"), 8, 1)
    whole = (tmp_path / "noise.jpg")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(whole)
    (tmp_path / "cut.jpg").write_bytes(whole.read_bytes()[:600])
    with pytest.raises(Unreadable, match="truncated"):
        read_image(str(tmp_path / "cut.jpg"), 8, 1)
    big = save(tmp_path, "huge.png", Image.new("L", (40, 40)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # Pillow's error beyond twice this
    with pytest.raises(Unreadable, match="^1,600 pixels declared, over Pillow's decompression-bomb limit of 1,000: "
                                         "not decoded$"):
        read_image(big, 8, 1)


def test_an_image_over_the_pixel_cap_is_refused_from_its_header_never_decoded(tmp_path, monkeypatch):
    big = save(tmp_path, "poster.png", Image.new("L", (40, 30)))
    assert read_image(big, 8, 1, max_pixels=1_200)[0].shape == (8, 8, 1)  # at the cap: read
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", lambda *a: pytest.fail("decoded an image over the cap"))
    with pytest.raises(Unreadable, match=r"^40 x 30 pixels declared, over images.max_megapixels = 0.001199: not "
                                         r"decoded \(shrink the image, or raise images.max_megapixels\)$"):
        read_image(big, 8, 1, max_pixels=1_199)


def test_parallel_decoding_keeps_order_and_pixels(tmp_path):
    paths = []
    for i in range(7):
        paths.append(save(tmp_path, f"{i}.png", Image.new("L", (5 + i, 9), i * 30)))
    (tmp_path / "bad.png").write_text("x")
    paths.insert(3, str(tmp_path / "bad.png"))
    runs = [list(read_images(paths, 4, 1, "squash", n_jobs, chunk=3)) for n_jobs in (1, 2)]
    for chunks in runs:
        assert [len(outcomes) for _, outcomes in chunks] == [3, 3, 2]
        stacked = np.concatenate([pixels for pixels, _ in chunks])
        assert stacked[:, 0, 0, 0].tolist() == [0, 30, 60, 90, 120, 150, 180]
        assert isinstance(chunks[1][1][0], Unreadable)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(*runs, strict=True))
