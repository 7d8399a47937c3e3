"""Image defaults that follow the folder (stages/core/images/sizing.py): each rule, its override, and a
photo folder with patients' names through ingest_images and train_cnn at defaults."""

import re

import keras
import numpy as np
import pandas as pd
import pytest

from benchmarks.photo_folder import GROUP_PATTERN, write_photo_folder
from stages import ingest_images, train_cnn
from stages.common import paths
from stages.common.io import read_json, read_table
from stages.core.images import sizing
from stages.core.images.folders import given_split, grouped_names, groups_of, split_manifest
from tests.conftest import run_fails, run_ok, set_params

DIGITS = sizing.Look(short_side=8, coloured=0, sampled=20, n_images=1797, gpu=False)
XRAYS = sizing.Look(short_side=1100, coloured=3, sampled=20, n_images=300, gpu=False)
SIZE, COLOUR, AUGMENT = "images.image_size", "images.channels", "images.augment"  # the keys each rule names
PATIENCE, REDUCE_LR = "cnn.patience", "cnn.reduce_lr"


# --- the rules, one by one -----------------------------------------------------------------------


def test_image_size_follows_the_source_side_the_count_and_the_gpu():
    assert sizing.image_size("auto", DIGITS, SIZE).value == 16
    assert sizing.image_size("auto", sizing.Look(28, 0, 20, 70_000, False), SIZE).value == 32  # MNIST's 28 px
    assert sizing.image_size("auto", XRAYS, SIZE).value == 64
    few = sizing.image_size("auto", sizing.Look(1100, 0, 20, 200, False), SIZE)
    assert few.value == 128 and "no GPU, 200 images: up to 128 px" in few.reason
    assert sizing.image_size("auto", sizing.Look(1100, 0, 20, 300, True), SIZE).value == 224
    assert sizing.image_size("auto", sizing.Look(1100, 0, 20, 50_000, True), SIZE).value == 128
    assert sizing.image_size("auto", sizing.Look(100, 0, 20, 200, False), SIZE).value == 64  # never above the source
    set_here = sizing.image_size(96, XRAYS, SIZE)
    assert (set_here.value, set_here.line()) == (96, "images.image_size = 96: set in params.yaml")


def test_channels_keep_colour_only_when_most_files_are_in_colour():
    assert sizing.channels("auto", XRAYS, COLOUR).value == 1  # 3 RGB files of 20: an X-ray folder is grey
    assert sizing.channels("auto", sizing.Look(500, 15, 20, 300, False), COLOUR).value == 3
    assert sizing.channels(3, XRAYS, COLOUR).value == 3


def test_augmentation_is_on_for_photos_off_for_glyphs_and_overridable():
    on, off = sizing.augment("auto", None, 64, AUGMENT), sizing.augment("auto", None, 16, AUGMENT)
    assert on.value is True and off.value is False
    assert on.line().startswith("images.augment = true: 64 px images are photos or scans")
    assert "a flip or turn may make another class" in off.reason
    assert sizing.augment(True, None, 16, AUGMENT).value is True
    assert sizing.augment(False, None, 128, AUGMENT).value is False


def test_the_cnn_grows_a_block_per_halving_and_turns_deep_from_three():
    digits = sizing.conv_plan(16, 2, "auto", "auto", "auto")
    assert (digits.filters, digits.batch_norm, digits.pooling) == ([32, 64], False, "flatten")  # the MNIST network
    photos = sizing.conv_plan(128, 2, "auto", "auto", "auto")
    assert (photos.filters, photos.batch_norm, photos.pooling) == ([32, 64, 128, 128, 128], True, "avg")
    assert photos.words(128) == "5 conv blocks [32, 64, 128, 128, 128], 128 -> 4 px, batch norm, global average pooling"
    assert sizing.conv_plan(64, 2, "auto", "auto", "auto").filters == [32, 64, 128, 128]
    assert sizing.conv_plan(224, 2, "auto", "auto", "auto").map_side == 7
    mine = sizing.conv_plan(64, 2, [8, 16], True, "avg")
    assert (mine.filters, mine.batch_norm, mine.pooling, mine.map_side) == ([8, 16], True, "avg", 16)


def test_patience_counts_batches_and_the_rate_falls_for_photos():
    assert sizing.patience("auto", 1257, 32, PATIENCE).value == 8  # the digits keep their 8
    small = sizing.patience("auto", 210, 32, PATIENCE)
    assert small.value == 20 and small.reason.startswith("7 batches an epoch")
    assert sizing.patience(5, 210, 32, PATIENCE).value == 5
    assert sizing.reduce_lr("auto", None, 64, REDUCE_LR).value is True
    assert sizing.reduce_lr("auto", None, 16, REDUCE_LR).value is False
    assert sizing.reduce_lr(False, None, 64, REDUCE_LR).value is False


def test_no_gpu_is_seen_when_cuda_devices_are_hidden(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert sizing.gpu_present() is False


# --- groups --------------------------------------------------------------------------------------


def manifest_of(names: list[str], labels: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"path": [f"/x/{label}/{name}" for name, label in zip(names, labels)], "label": labels})


def xray_names(patients: int, per_patient: int = 3) -> pd.DataFrame:
    names, labels = [], []
    for p in range(1, patients + 1):
        for i in range(1, per_patient + 1):
            sick = p % 2 == 0
            names.append(f"person{p}_virus_{i}.jpeg" if sick else f"IM-{p:04d}-{i:04d}.jpeg")
            labels.append("PNEUMONIA" if sick else "NORMAL")
    return manifest_of(names, labels)


def test_a_grouped_split_keeps_every_patient_on_one_side_and_every_class_in_each():
    manifest = xray_names(60)
    groups = groups_of(manifest, GROUP_PATTERN, "images.group")
    assert groups.iloc[0] == "IM-0001" and groups.iloc[3] == "person2"
    split = split_manifest(manifest, 0.1, 0.2, seed=42, groups=groups, section="images")
    assert (split.groupby(groups).nunique() == 1).all()
    assert all(set(manifest.loc[split == part, "label"]) == {"NORMAL", "PNEUMONIA"}
               for part in ("train", "val", "test"))
    assert 0.15 <= (split == "test").mean() <= 0.25
    ungrouped = split_manifest(manifest, 0.1, 0.2, seed=42, section="images")
    assert (ungrouped.groupby(groups).nunique() > 1).any()  # what the option is for


def test_group_errors_name_the_key_and_the_files():
    manifest = xray_names(4)
    with pytest.raises(Exception, match=r"images.group = '\^\(person\\d\+\)' finds no group in 6 file name\(s\), "
                                        r"e.g. IM-0001-0001.jpeg"):
        groups_of(manifest, r"^(person\d+)", "images.group")
    with pytest.raises(Exception, match="images.group finds 4 groups among 12 images, too few to carve a test split"):
        split_manifest(manifest, 0.1, 0.2, seed=0, groups=groups_of(manifest, GROUP_PATTERN, "images.group"),
                       section="images")


def test_a_presplit_folder_that_puts_a_patient_on_two_sides_is_warned_about():
    manifest = xray_names(10).assign(split=["train", "train", "test"] * 10)
    _, line = given_split(manifest, 0.1, 0.2, seed=0, groups=groups_of(manifest, GROUP_PATTERN, "images.group"),
                          section="images")
    assert "warning: 10 group(s) have images in more than one of its splits, e.g. IM-0001, IM-0003, IM-0005" in line


def test_grouped_looking_names_get_a_note_and_plain_numbering_does_not():
    note = grouped_names(xray_names(10)["path"].tolist(), "images.group")
    assert note.startswith("file names look grouped (IM-0001-0001.jpeg and IM-0001-0002.jpeg; 30 of 30 names")
    assert "set images.group to a regex" in note
    assert grouped_names([f"/d/3/{i:04d}.png" for i in range(50)], "images.group") is None  # the digits
    assert grouped_names([f"/d/N/scan{i}.png" for i in range(50)], "images.group") is None


# --- a photo folder through the stages at defaults -------------------------------------------------


@pytest.fixture
def photos(workdir):
    root = write_photo_folder(workdir / "data/raw/images/xray", per_class=20, side=300, seed=3)
    set_params(workdir, images__source="data/raw/images/xray", cnn__epochs=1, cnn__batch_size=8)
    return root


def test_a_photo_folder_at_defaults_gets_a_photo_size_augmentation_and_a_deep_network(photos, workdir, capsys):
    run_ok(ingest_images)
    out = capsys.readouterr().out
    assert "ingest_images: images.image_size = 128: photos about 300 px on their short side; no GPU, 40 images" in out
    assert "ingest_images: images.channels = 1: 4 of 20 sampled files" not in out  # RGB-stored grey is grey
    assert re.search(r"images.channels = 1: 0 of 20 sampled files are in colour", out)
    assert "ingest_images: note: file names look grouped" in out
    metrics = read_json(paths.INGEST_IMAGES_METRICS)
    assert (metrics["image_size"], metrics["channels"]) == (128, 1) and "no GPU" in metrics["size_rules"]["image_size"]
    assert read_json(paths.IMAGE_LABELS)["image_size"] == 128

    run_ok(train_cnn)
    out = capsys.readouterr().out
    assert ("train_cnn: images.augment = true: images about 300 px on their short side (stored at 128 px) are photos "
            "or scans") in out
    assert "train_cnn: cnn.reduce_lr = true" in out
    assert ("train_cnn: cnn, 5 conv blocks [32, 64, 128, 128, 128], 128 -> 4 px, batch norm, global average "
            "pooling") in out
    kinds = [type(layer).__name__ for layer in keras.saving.load_model(paths.CNN_MODEL).layers]
    assert kinds[1:6] == ["RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "Conv2D"]
    assert kinds.count("BatchNormalization") == 5 and "GlobalAveragePooling2D" in kinds and "Flatten" not in kinds


def test_mnist_shaped_digits_stored_at_32_px_stay_glyphs_no_flips_no_turns(workdir, capsys):
    """28 px grey digits named like the course's (7_0012.png) are stored at 32 px, the next power of two; the
    source side, not the stored one, decides that they are glyphs: no augmentation, the MNIST network's blocks."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    folder = workdir / "data/raw/images/mnist"
    folder.mkdir(parents=True)
    for i in range(120):
        glyph = Image.fromarray((digits.images[i] * 255 / 16).astype(np.uint8)).resize((28, 28), Image.BILINEAR)
        glyph.save(folder / f"{digits.target[i]}_{i:04d}.png")
    set_params(workdir, images__source="data/raw/images/mnist", cnn__epochs=1, cnn__batch_size=16)
    run_ok(ingest_images)
    out = capsys.readouterr().out
    assert "images.image_size = 32: small images (about 28 px on their short side)" in out
    assert read_json(paths.IMAGE_LABELS)["source_side"] == 28
    run_ok(train_cnn)
    out = capsys.readouterr().out
    assert ("train_cnn: images.augment = false: images about 28 px on their short side (stored at 32 px) are glyphs "
            "like the digits, where a flip or turn may make another class") in out
    assert "train_cnn: cnn.reduce_lr = false" in out and "batch norm" not in out
    kinds = [type(layer).__name__ for layer in keras.saving.load_model(paths.CNN_MODEL).layers]
    assert not any(kind.startswith("Random") for kind in kinds)
    assert "BatchNormalization" not in kinds and "Flatten" in kinds


def test_overrides_win_over_every_photo_rule(photos, workdir, capsys):
    set_params(workdir, images__image_size=32, images__channels=3, images__augment=False,
               cnn__conv__filters=[8], cnn__conv__batch_norm=False, cnn__conv__pooling="flatten", cnn__patience=3)
    run_ok(ingest_images)
    run_ok(train_cnn)
    out = capsys.readouterr().out
    assert "images.image_size = 32: set in params.yaml" in out and "images.channels = 3: set in params.yaml" in out
    assert "train_cnn: images.augment = false: set in params.yaml" in out
    assert "train_cnn: cnn.patience = 3: set in params.yaml" in out
    assert "train_cnn: cnn, 1 conv block [8], 32 -> 16 px, flatten" in out
    kinds = [type(layer).__name__ for layer in keras.saving.load_model(paths.CNN_MODEL).layers]
    assert kinds == ["Rescaling", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense"]
    assert np.load(paths.IMAGES_TRAIN / "x.npy").shape[1:] == (32, 32, 3)


def test_images_group_keeps_each_patient_in_one_split_and_counts_the_test_groups(photos, workdir, capsys):
    set_params(workdir, images__group=GROUP_PATTERN, images__image_size=16)
    run_ok(ingest_images)
    out = capsys.readouterr().out
    assert "file names look grouped" not in out
    manifest = read_table(paths.IMAGE_MANIFEST)
    patient = manifest["path"].str.extract(r"/((?:person\d+|IM-\d+))[^/]*$")[0]
    assert patient.notna().all() and (manifest.groupby(patient)["split"].nunique() == 1).all()
    groups = read_json(paths.INGEST_IMAGES_METRICS)["groups"]
    assert groups["test"] == patient[manifest["split"] == "test"].nunique() >= 2
    assert f"({groups['test']} groups in test)" in out


def test_a_group_pattern_that_is_no_regex_is_a_params_error(photos, workdir, capsys):
    set_params(workdir, images__group="^(person")
    message = run_fails(ingest_images, capsys)
    assert "images.group" in message and "not a regular expression" in message
