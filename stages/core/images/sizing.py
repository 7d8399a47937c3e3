"""The image defaults that follow the folder, decided here and nowhere else.

ingest_images looks at a sample of the source's files (their short side and colour), counts them and asks
whether a GPU is present; train_cnn knows the stored size, the training images and the source's short side, which
alone tells glyphs from photos (28 px digits are stored at 32 px and are still digits). Each rule below turns that
into one setting with the reason the stage prints and records. A rule applies only where params.yaml says
`auto`: a number (or true/false) there always wins.

| setting | small images (short side under 32 px: digits, icons) | photos and scans |
| --- | --- | --- |
| images.image_size | the next power of two, at least 16 (digits: 8 -> 16) | CPU: 128 px up to 250 images, then 64; |
|  |  | GPU: 224 up to 20,000, then 128; never above the source |
| images.channels | 3 when most sampled files are in colour, else 1 | the same |
| images.augment (train_cnn) | off: a flipped or turned glyph may be another | on: flips, turns, zooms, contrast |
|  | (glyph or photo: the source's short side, not the stored size) |  |
| cnn.conv.filters | a block per halving until the map is under 8 px: [32, 64] | 64 px: 4 blocks, 128 px: 5 |
| cnn.conv.batch_norm, pooling | off, flatten (the Keras MNIST example), any depth | from 3 blocks: on, global average |
| cnn.reduce_lr | off | on: the rate halves when val_loss stalls |
| cnn.patience | about 320 batches without a gain, in epochs, 8 to 20 (digits: 8) | the same |

The split of small and large follows the Keras examples: the MNIST convnet (two conv blocks, flatten) and image
classification from scratch (augmentation layers, batch normalisation, global average pooling)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

PHOTO_SIDE = 32  # a short side from here on is a photo or a scan, not a glyph
SMALL_MIN = 16  # small images are stored at least this large (digits: 8 -> 16)
# (images up to, side): on 2 CPU cores 64 px learnt a synthetic X-ray folder as well as 128 px in 40% of the time
CPU_SIDES = ((250, 128), (None, 64))
GPU_SIDES = ((20_000, 224), (None, 128))  # 224: the ImageNet networks' side
MAP_BELOW = 8  # conv blocks are added until the feature map is smaller than this
FIRST_FILTERS, MAX_FILTERS = 32, 128  # filters double per block from 32, up to 128
DEEP = 3  # from this many blocks: batch normalisation and global average pooling
PATIENCE_BATCHES, PATIENCE_RANGE = 320, (8, 20)


@dataclass(frozen=True)
class Decided:
    """One setting and why; `key` is the params key that overrides it."""

    key: str
    value: object
    reason: str

    def line(self) -> str:
        shown = str(self.value).lower() if isinstance(self.value, bool) else self.value
        return f"{self.key} = {shown}: {self.reason}"


@dataclass(frozen=True)
class Look:
    """What ingest_images sees of the source before decoding it."""

    short_side: int | None  # the median short side of the sampled files (None: none was readable)
    coloured: int  # sampled files whose channels differ (colour, not grey stored as RGB)
    sampled: int
    n_images: int
    gpu: bool


def gpu_present() -> bool:
    """An NVIDIA GPU this process may use, without loading a deep-learning library (ingest stays fast)."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", "unset").strip() in ("", "-1"):
        return False
    gpus = Path("/proc/driver/nvidia/gpus")
    return gpus.is_dir() and any(gpus.iterdir())


def image_size(value, look: Look, key: str) -> Decided:
    if value != "auto":
        return Decided(key, value, "set in params.yaml")
    side = look.short_side
    if side is None:
        return Decided(key, SMALL_MIN, "no sampled file was readable; the decoder names them")
    if side < PHOTO_SIDE:
        size = max(SMALL_MIN, 2 ** math.ceil(math.log2(side)))
        return Decided(key, size, f"small images (about {side} px on their short side): the next power of two, "
                       f"at least {SMALL_MIN}, so every pooling halves evenly")
    power = 2 ** int(math.log2(side))
    sides, where = (GPU_SIDES, "a GPU") if look.gpu else (CPU_SIDES, "no GPU")
    cap = next(s for limit, s in sides if limit is None or look.n_images <= limit)
    size = cap if side >= cap else power
    why = (f"{where}, {look.n_images:,} images: up to {cap} px (CPU: 128 up to {CPU_SIDES[0][0]} images, then 64; "
           f"GPU: 224 up to {GPU_SIDES[0][0]:,}, then 128), which trains in minutes")
    return Decided(key, size, f"photos about {side} px on their short side; {why}; a number sets it")


def channels(value, look: Look, key: str) -> Decided:
    if value != "auto":
        return Decided(key, value, "set in params.yaml")
    colour = look.coloured > look.sampled / 2
    return Decided(key, 3 if colour else 1,
                   f"{look.coloured} of {look.sampled} sampled files are in colour"
                   + ("" if colour else " (grey stored as RGB counts as grey)"))


def glyphs(source_side: int | None, size: int) -> bool:
    """Whether the folder holds glyphs (digits, icons) rather than photos or scans: the source's short side, not
    the stored one, decides (MNIST's 28 px digits are stored at 32 px and are still digits). Folders ingested before
    the source side was recorded fall back on the stored size."""
    return (source_side if source_side is not None else size) < PHOTO_SIDE


def _seen(source_side: int | None, size: int) -> str:
    if source_side is None or source_side == size:
        return f"{size} px images"
    return f"images about {source_side} px on their short side (stored at {size} px)"


def augment(value, source_side: int | None, size: int, key: str) -> Decided:
    if value != "auto":
        return Decided(key, bool(value), "set in params.yaml")
    if not glyphs(source_side, size):
        return Decided(key, True, f"{_seen(source_side, size)} are photos or scans: flips, small turns, zooms and "
                       "contrast keep their class and multiply a small folder (cnn.augment sets each)")
    return Decided(key, False, f"{_seen(source_side, size)} are glyphs like the digits, where a flip or turn may "
                   f"make another class; {key}: true to use cnn.augment anyway")


@dataclass(frozen=True)
class ConvPlan:
    filters: list[int]
    batch_norm: bool
    pooling: str  # flatten | avg
    map_side: int  # the feature map's side after the last block

    def words(self, size: int) -> str:
        """The architecture in words: '5 conv blocks [32, 64, 128, 128, 128], 128 -> 4 px, batch norm, ...'."""
        parts = [f"{len(self.filters)} conv block{'s' * (len(self.filters) != 1)} {self.filters}, "
                 f"{size} -> {self.map_side} px"]
        parts += ["batch norm"] if self.batch_norm else []
        parts += ["global average pooling" if self.pooling == "avg" else "flatten"]
        return ", ".join(parts)


def conv_plan(size: int, pool_size: int, filters, batch_norm, pooling, glyph: bool = False) -> ConvPlan:
    """cnn.conv.filters, batch_norm and pooling: `auto` follows the image size (filters) and the depth; glyphs keep
    the Keras MNIST example's plain blocks and flatten, however many blocks their stored size takes."""
    if filters == "auto":
        blocks, side = 0, size
        while side >= MAP_BELOW:
            side, blocks = side // pool_size, blocks + 1
        filters = [min(FIRST_FILTERS * 2**i, MAX_FILTERS) for i in range(max(blocks, 1))]
    side = size
    for _ in filters:
        side = max(side // pool_size, 1)
    deep = len(filters) >= DEEP and not glyph
    return ConvPlan(list(filters), deep if batch_norm == "auto" else bool(batch_norm),
                    ("avg" if deep else "flatten") if pooling == "auto" else pooling, side)


def reduce_lr(value, source_side: int | None, size: int, key: str) -> Decided:
    if value != "auto":
        return Decided(key, bool(value), "set in params.yaml")
    photos = not glyphs(source_side, size)
    return Decided(key, photos, f"{_seen(source_side, size)}: " + (
        "the rate halves when val_loss stalls, so the deeper network settles" if photos else "the classic fixed rate"))


def patience(value, n_train: int, batch_size: int, key: str) -> Decided:
    if value != "auto":
        return Decided(key, value, "set in params.yaml")
    batches = max(1, math.ceil(n_train / batch_size))
    low, high = PATIENCE_RANGE
    epochs = min(high, max(low, math.ceil(PATIENCE_BATCHES / batches)))
    return Decided(key, epochs, f"{batches} batches an epoch: about {PATIENCE_BATCHES} batches without a val_loss "
                   f"gain, {low} to {high} epochs")



@dataclass(frozen=True)
class CnnRules:
    """What train_cnn decides from the stored images: augmentation, patience, the falling rate, the conv plan."""

    augment: Decided
    patience: Decided
    reduce_lr: Decided
    plan: ConvPlan

    def lines(self) -> list[str]:
        return [decided.line() for decided in (self.augment, self.patience, self.reduce_lr)]


def cnn_rules(cnn, augment_value, size: int, n_train: int, source_side: int | None = None, *, key: str,
              section: str) -> CnnRules:
    """The rules for `cnn` (the validated `<section>` of params.yaml) and augmentation (`key`) on `n_train` stored
    images of `size` px, whose source files are about `source_side` px on their short side (ingest_images measured
    it)."""
    conv = cnn.conv
    return CnnRules(augment(augment_value, source_side, size, key),
                    patience(cnn.patience, n_train, cnn.batch_size, f"{section}.patience"),
                    reduce_lr(cnn.reduce_lr, source_side, size, f"{section}.reduce_lr"),
                    conv_plan(size, conv.pool_size, conv.filters, conv.batch_norm, conv.pooling,
                              glyphs(source_side, size)))
