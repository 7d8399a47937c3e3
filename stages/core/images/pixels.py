"""One image file -> `size x size x channels` uint8 pixels, read right whatever the file holds (Pillow).

- Every mode is converted explicitly: palette and CMYK to RGB, alpha composited on white, 1-bit to grey.
- EXIF orientation is applied (phone photos are stored sideways with a tag saying so).
- 16-bit and float images are scaled by their real range: the smallest of 8, 10, 12, 14 or 16 bits that
  holds their maximum (12-bit X-rays in 16-bit PNGs are common), or their own min..max when negative.
  Anything but plain 8-bit or full-range 16-bit comes back with a note, so the stage can name the file.
- Resizing (`squash`, `pad` keeping the aspect ratio, or centre `crop`) happens before grey becomes RGB,
  on a third of the pixels; big JPEGs are decoded at a reduced scale first (Pillow's draft mode).
"""

from __future__ import annotations

import re
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import numpy as np
from PIL import ExifTags, Image, ImageOps

from stages.core.errors import PipelineError
from stages.core.images import sizing

RESAMPLE = Image.Resampling.BILINEAR  # antialiased when shrinking: Pillow widens the filter by the scale
RESIZE_MODES = ("squash", "pad", "crop")
PAD_COLOUR = 0  # black bars, like keras' pad_to_aspect_ratio
WIDE_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}  # more than 8 bits per pixel
BITS = (8, 10, 12, 14, 16)


class Unreadable(Exception):
    """A file that is skipped (or stops the stage under images.strict): the message says why."""


def unit_range(values: np.ndarray, bits_in_file: int | None) -> tuple[np.ndarray, str | None]:
    """Wide pixel values -> float32 in [0, 1] by their real range, and a note when that range is unusual."""
    values = values.astype(np.float32)
    if not np.isfinite(values).all():
        raise Unreadable("holds NaN or infinite pixel values")
    low, high = float(values.min()), float(values.max())
    if values.dtype.kind == "f" and bits_in_file is None and 0 <= low and high <= 1:
        return values, None  # float image already in [0, 1]
    integral = bool(np.all(values == np.round(values)))
    if low >= 0 and integral and high <= 2**16 - 1:
        bits = next(b for b in BITS if high <= 2**b - 1)
        scale = 2**bits - 1
        if bits == bits_in_file:
            return values / scale, None
        kind = f"a {bits_in_file}-bit" if bits_in_file else "a float"
        return values / scale, f"{kind} file with values {low:g}..{high:g}: read as {bits}-bit (/{scale})"
    span = high - low or 1.0
    return (values - low) / span, f"values {low:g}..{high:g}: stretched to 0..1 (its own min..max)"


def _orient(image: Image.Image) -> Image.Image:
    if image.getexif().get(ExifTags.Base.Orientation, 1) != 1:
        return ImageOps.exif_transpose(image)
    return image


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent pixels become white (the page they were drawn on), not the black of dropped alpha."""
    with_alpha = np.asarray(image.convert("LA" if image.mode in ("LA", "La") else "RGBA"), dtype=np.float32)
    alpha = with_alpha[..., -1:] / 255
    flat = with_alpha[..., :-1] * alpha + 255 * (1 - alpha)
    return Image.fromarray(np.round(flat).astype(np.uint8).squeeze(-1) if flat.shape[-1] == 1
                           else np.round(flat).astype(np.uint8))


def _fit(image: Image.Image, size: int, resize: str) -> Image.Image:
    if image.size == (size, size):
        return image
    if resize == "squash":
        return image.resize((size, size), RESAMPLE)
    if resize == "crop":
        return ImageOps.fit(image, (size, size), RESAMPLE)
    return ImageOps.pad(image, (size, size), RESAMPLE, color=PAD_COLOUR)


MAX_KEY = "images.max_megapixels"  # the one cap on what a file may declare, for ingest_images and serve


def too_large(width: int, height: int, max_pixels: int | None) -> str | None:
    """Why an image that declares width x height pixels is not decoded, or None: a small file can declare
    gigapixels (a decompression bomb), and decoding it would take that memory."""
    if max_pixels is None or width * height <= max_pixels:
        return None
    return (f"{width:,} x {height:,} pixels declared, over {MAX_KEY} = {max_pixels / 1e6:g}: not decoded "
            f"(shrink the image, or raise {MAX_KEY})")


def read_image(path: str, size: int, channels: int, resize: str = "pad", min_side: int = 1,
               max_pixels: int | None = None) -> tuple[np.ndarray, str | None]:
    """Pixels as (size, size, channels) uint8, and a note about the value range (None when plain).
    Raises Unreadable, naming the reason, for anything that is not a readable image, and for an image whose
    header declares more than `max_pixels` pixels (never decoded)."""
    note = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the hard limit still applies
            with Image.open(path) as image:
                if (bomb := too_large(*image.size, max_pixels)) is not None:
                    raise Unreadable(bomb)
                if image.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when that still leaves 2x the size
                    image.draft(image.mode, (2 * size, 2 * size))
                image = _orient(image)
                image.load()
                if min(image.size) < min_side:
                    raise Unreadable(f"{image.size[0]}x{image.size[1]} pixels: smaller than images.min_side = "
                                     f"{min_side}, too small to hold what a {size}x{size} network looks for")
                if image.mode == "1":
                    image = image.convert("L")
                elif image.mode in ("P", "PA"):
                    image = image.convert("RGBA" if image.mode == "PA" or "transparency" in image.info else "RGB")
                if image.mode in ("LA", "La", "RGBA", "RGBa"):
                    image = _on_white(image)
                elif image.mode in WIDE_MODES:
                    bits = {"I": 32, "F": None}.get(image.mode, 16)
                    values, note = unit_range(np.asarray(image), bits)
                    image = Image.fromarray(values)  # float32: mode F
                elif image.mode not in ("L", "RGB"):  # CMYK, YCbCr, LAB, HSV
                    image = image.convert("RGB")
                image = _fit(image, size, resize)
    except Image.DecompressionBombError as exc:  # Pillow refuses it at open: over twice its MAX_IMAGE_PIXELS
        size, limit = re.findall(r"\d+", str(exc))[:2]
        raise Unreadable(f"{int(size):,} pixels declared, over Pillow's decompression-bomb limit of {int(limit):,}"
                         f"{f' and {MAX_KEY} = {max_pixels / 1e6:g}' if max_pixels else ''}: not decoded") from None
    except Image.UnidentifiedImageError:
        raise Unreadable("not an image Pillow can read") from None
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or damaged files, unsupported variants
        raise Unreadable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    if image.mode == "F":
        pixels = np.round(np.clip(np.asarray(image), 0, 1) * 255).astype(np.uint8)
    elif channels == 1 and image.mode == "RGB":
        pixels = np.asarray(image.convert("L"))  # ITU-R 601-2 luma
    else:
        pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if channels == 3 and pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
    return np.ascontiguousarray(pixels), note


def read_images(paths: list[str], size: int, channels: int, resize: str, n_jobs: int, chunk: int = 256,
                limits: tuple[int, int | None] = (1, None)) -> Iterator[tuple[np.ndarray, list]]:
    """Decode in parallel threads (Pillow releases the GIL while it decodes and resizes), in order, a chunk at a
    time: yields (pixels of the chunk's readable files, one outcome per file: None, a note, or Unreadable).
    At most two chunks are in flight, so memory stays flat however many files there are. `limits`: read_image's
    min_side and max_pixels."""
    def one(path):
        try:
            return read_image(path, size, channels, resize, *limits)
        except Unreadable as exc:
            return None, exc

    with ThreadPoolExecutor(max(1, n_jobs)) as pool:
        pending: deque = deque()
        submitted = 0
        for start in range(0, len(paths), chunk):
            while submitted < min(len(paths), start + 2 * chunk):  # keep the workers busy across chunk borders
                pending.append(pool.submit(one, paths[submitted]))
                submitted += 1
            results = [pending.popleft().result() for _ in range(min(chunk, len(paths) - start))]
            pixels = [p for p, _ in results if p is not None]
            stack = np.stack(pixels) if pixels else np.empty((0, size, size, channels), np.uint8)
            yield stack, [outcome for _, outcome in results]


def opens(path: str) -> bool:
    """Whether Pillow reads the file's header as an image (nothing is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path):
                return True
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


def check_classes_open(paths: list[str], labels: list, root: Path) -> None:
    """Every class has a file that opens as an image; else an error naming the class (not a split that fails
    later). Per class, files are tried in order until one opens: a folder of readable images costs one header."""
    failed: dict = {}  # class -> files that did not open; -1 once one did
    for path, label in zip(paths, labels, strict=True):
        if failed.get(label, 0) >= 0:
            failed[label] = -1 if opens(path) else failed.get(label, 0) + 1
    bare = [label for label, n in failed.items() if n > 0]
    if bare:
        example = next(Path(p).relative_to(root).as_posix() for p, lb in zip(paths, labels) if lb == bare[0])
        raise PipelineError(f"class {bare[0]!r} has no readable image: none of its {failed[bare[0]]} file(s) opens "
                            f"as an image (e.g. {example}); fix or remove them")


LOOK_SAMPLE = 20  # files opened to judge the folder's images: their headers, and a thumbnail for colour
MUCH_LARGER = 4  # a source side this many times images.image_size loses most of its detail


def sample_look(paths: list[str], max_pixels: int | None = None) -> tuple[list[int], int]:
    """The short sides of up to LOOK_SAMPLE files spread over the list (every class, not the first folder's), and
    how many of them are in colour. Headers and a thumbnail only: fast on any folder."""
    picked = sorted(set(np.linspace(0, len(paths) - 1, min(LOOK_SAMPLE, len(paths))).astype(int))) if paths else []
    sides, coloured = [], 0
    for path in (paths[i] for i in picked):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(path) as image:
                    if too_large(*image.size, max_pixels):
                        continue  # never decoded: the decoder names it
                    sides.append(min(image.size))
                    image.draft("RGB", (64, 64))  # JPEGs decode at a reduced scale
                    rgb = np.asarray(image.convert("RGB").resize((32, 32)), dtype=np.int16)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            continue  # unreadable files are the decoder's to report
        coloured += int(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).max() > 16)  # channels differ: not grey
    return sides, coloured


def source_look(sides: list[int], coloured: int, size: int | None, channels: int | None,
                keys: tuple[str, str]) -> str | None:
    """One note when the stored pixels lose much of what the files hold: sides MUCH_LARGER times `size` or more
    (the sample's median), or colour stored grey. `keys` name the two params; a None setting is not judged."""
    lost, fixes = [], []
    if size and sides and (side := int(np.median(sides))) >= MUCH_LARGER * size:
        lost.append(f"are about {side} px on their short side and stored at {keys[0]} = {size} px")
        fixes.append(f"a larger {keys[0]} (e.g. {min(224, max(64, size * 4))})")
    if channels == 1 and coloured > len(sides) / 2:
        lost.append(f"are in colour and stored grey ({keys[1]} = 1)")
        fixes.append(f"{keys[1]}: 3")
    if not lost:
        return None
    return (f"the source images {' and '.join(lost)}: most detail is lost; {' or '.join(fixes)} "
            f"keeps more, at the cost of training time (auto decides both from the files)")


def stored_format(paths: list[str], size_value, channels_value, gpu: bool, max_pixels: int | None = None, *,
                  section: str) -> tuple[sizing.Decided, sizing.Decided, str | None, int | None]:
    """`<section>.image_size` and `.channels` for these files, (when params.yaml sets them) a note if they
    lose most of what the files hold, and the source's short side (the sample's median), which tells glyphs from
    photos whatever size they are stored at."""
    sides, coloured = sample_look(paths, max_pixels)
    look = sizing.Look(int(np.median(sides)) if sides else None, coloured, len(sides), len(paths), gpu)
    size = sizing.image_size(size_value, look, f"{section}.image_size")
    colour = sizing.channels(channels_value, look, f"{section}.channels")
    # the rules keep what the files hold; a number in params.yaml may not, and is told so
    note = source_look(sides, coloured, None if size_value == "auto" else size.value,
                       None if channels_value == "auto" else colour.value, (size.key, colour.key))
    return size, colour, note, look.short_side
