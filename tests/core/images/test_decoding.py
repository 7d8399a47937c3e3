"""Decoding split by split (stages/core/images/decoding.py): the rows kept, the unreadable files named by their
path inside the folder, the samples per class, images.strict, and the counts ingest_images records."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from skimage import io as skio

from stages.core.errors import PipelineError
from stages.core.images import decoding
from stages.core.images.sizing import Decided


@pytest.fixture
def folder(tmp_path):
    """Two classes of 4x4 grey PNGs (one per split and more in train), and one broken file in train."""
    rows = []
    for label, value in (("a", 40), ("b", 200)):
        for i, split in enumerate(["train"] * 8 + ["val", "test"]):
            path = tmp_path / label / f"{i}.png"
            path.parent.mkdir(exist_ok=True)
            skio.imsave(path, np.full((4, 4), value, np.uint8), check_contrast=False)
            rows.append((str(path), label, split))
    (tmp_path / "a" / "broken.png").write_bytes(b"\x89PNG not really")
    rows.insert(3, (str(tmp_path / "a" / "broken.png"), "a", "train"))
    return tmp_path, pd.DataFrame(rows, columns=["path", "label", "split"])


class Progress:
    done = 0

    def update(self, n):
        self.done += n


def decode(root, manifest, strict=False):
    written = {part: [] for part in ("train", "val", "test")}
    manifest["code"] = manifest["label"].map({"a": 0, "b": 1}).to_numpy()
    progress = Progress()
    images = SimpleNamespace(resize="pad", n_jobs=1, min_side=1, max_megapixels=100, strict=strict)
    decoded = decoding.decode_splits(manifest, (4, 4, 1), images, root,
                                     {part: rows.append for part, rows in written.items()}, progress,
                                     section="images")
    return decoded, {part: np.concatenate(rows) for part, rows in written.items()}, progress.done


def test_every_split_is_written_and_the_unreadable_file_is_skipped_and_named(folder):
    root, manifest = folder
    decoded, pixels, seen = decode(root, manifest)
    assert seen == len(manifest) == 21
    assert decoded.unreadable == ["a/broken.png (not an image Pillow can read)"] and decoded.notes == []
    assert decoded.keep.sum() == 20 and not decoded.keep[3]
    assert {part: len(rows) for part, rows in pixels.items()} == {"train": 16, "val": 2, "test": 2}
    assert decoded.codes["train"].tolist() == [0] * 8 + [1] * 8 and decoded.codes["train"].dtype == np.int64
    assert pixels["train"][:8].max() == 40 and pixels["train"][8:].min() == 200  # rows stay with their codes
    assert [len(decoded.samples[c]) for c in "ab"] == [decoding.SAMPLES_PER_CLASS] * 2


def test_strict_stops_at_the_first_unreadable_file_and_names_it(folder):
    root, manifest = folder
    with pytest.raises(PipelineError, match=r"1 file\(s\) are not readable images: a/broken.png .*images.strict"):
        decode(root, manifest, strict=True)


def test_ingest_metrics_count_the_kept_images_and_their_groups(folder):
    root, manifest = folder
    decoded, _, _ = decode(root, manifest)
    kept = manifest[decoded.keep].reset_index(drop=True)
    groups = manifest["path"].str.extract(r"/(\d+)\.png$")[0]
    size, colour = Decided("image_size", 4, "as set"), Decided("channels", 1, "as set")
    metrics = decoding.ingest_metrics(kept, decoded, groups, ["loose.png"], ["a", "b"], size, colour)
    assert metrics["split"] == {"train": 16, "val": 2, "test": 2} and metrics["n_unreadable"] == 1
    assert (metrics["n_loose"], metrics["n_classes"], metrics["image_size"], metrics["channels"]) == (1, 2, 4, 1)
    assert metrics["groups"] == {"train": 8, "val": 1, "test": 1}
    assert decoding.workers(-1) >= 1 and decoding.workers(3) == 3
