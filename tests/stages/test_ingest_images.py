"""Image stages: both folder layouts through ingest_images and train_cnn, conversions, and bad input."""

import json

import numpy as np
import pandas as pd
import pytest
from skimage import io as skio

from stages import ingest_images, train_cnn
from stages.common import paths
from stages.common.arrays import read_image_split
from stages.common.io import read_json, read_table
from stages.core.images.folders import detect_layout
from tests.conftest import run_fails, run_ok, set_params

FAST_CNN = {"cnn__epochs": 2, "cnn__batch_size": 16, "cnn__conv__filters": [8], "cnn__conv__dense_units": 16,
            "images__image_size": 12}


def pattern(kind: str, size: int, rng) -> np.ndarray:
    """Bars a tiny CNN can tell apart: horizontal, vertical or diagonal, plus noise."""
    image = rng.uniform(0, 60, (size, size))
    if kind == "h":
        image[size // 2 - 1: size // 2 + 1, :] = 255
    elif kind == "v":
        image[:, size // 2 - 1: size // 2 + 1] = 255
    else:
        image[np.arange(size), np.arange(size)] = 255
    return image.astype(np.uint8)


def write_flat(folder, per_class=10, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for label, kind in (("0", "h"), ("1", "v"), ("2", "d")):
        for i in range(per_class):
            skio.imsave(folder / f"{label}_{i:03d}.png", pattern(kind, 16, rng), check_contrast=False)


def write_subfolders(folder, per_class=10, seed=1):
    """NORMAL / PNEUMONIA, in mixed sizes and colour modes: grey, RGB and RGBA."""
    rng = np.random.default_rng(seed)
    for name, kind in (("NORMAL", "h"), ("PNEUMONIA", "v")):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = pattern(kind, 16 + 4 * (i % 3), rng)
            if i % 3 == 1:
                image = np.dstack([image] * 3)
            elif i % 3 == 2:
                image = np.dstack([image] * 3 + [np.full_like(image, 255)])
            skio.imsave(folder / name / f"scan{i}.png", image, check_contrast=False)


@pytest.fixture
def flat(workdir):
    write_flat(workdir / "data/raw/images/digits_flat")
    set_params(workdir, images__source="data/raw/images/digits_flat", **FAST_CNN)
    return workdir / "data/raw/images/digits_flat"


@pytest.fixture
def xrays(workdir):
    write_subfolders(workdir / "data/raw/images/xray")
    set_params(workdir, images__source="data/raw/images/xray", images__channels=3, **FAST_CNN)
    return workdir / "data/raw/images/xray"


def test_flat_prefix_layout_runs_through_both_stages(flat):
    run_ok(ingest_images)
    manifest = read_table(paths.IMAGE_MANIFEST)
    assert detect_layout(flat) == "prefix"
    assert sorted(manifest["label"].astype(str).unique()) == ["0", "1", "2"]
    assert manifest["split"].value_counts().to_dict() == {"train": 21, "test": 6, "val": 3}
    pixels, codes = read_image_split(paths.IMAGES_TRAIN)
    assert pixels.shape == (21, 12, 12, 1) and pixels.dtype == np.uint8
    assert pixels[range(21)].max() > 150  # 0-255, not 0-1
    assert sorted(np.bincount(codes)) == [7, 7, 7]
    assert [p.name for p in paths.DIGITS_DIR.iterdir()] == ["README.txt"]  # not the digits, and no DVC warning
    assert "Not used: images.source is data/raw/images/digits_flat" in (paths.DIGITS_DIR / "README.txt").read_text()
    run_ok(train_cnn)
    metrics = read_json(paths.CNN_METRICS)
    assert metrics["epochs_trained"] == 2 and set(read_json(paths.CNN_PER_CLASS)) == {"0", "1", "2"}
    assert metrics["baseline_accuracy"] == pytest.approx(1 / 3) == metrics["chance_accuracy"]  # 2 of 6 test images
    assert paths.CNN_MODEL.stat().st_size > 0


def test_class_subfolders_with_mixed_sizes_and_colour_modes(xrays):
    run_ok(ingest_images)
    assert detect_layout(xrays) == "subfolders"
    assert read_json(paths.IMAGE_LABELS)["classes"] == ["NORMAL", "PNEUMONIA"]
    assert read_image_split(paths.IMAGES_TRAIN)[0].shape[1:] == (12, 12, 3)
    run_ok(train_cnn)
    assert read_table(paths.CNN_CONFUSION)["actual"].isin(["NORMAL", "PNEUMONIA"]).all()
    saved = read_json(paths.CNN_LABELS)  # what a predict command needs beside the model
    assert saved == {"classes": ["NORMAL", "PNEUMONIA"], "image_size": 12, "channels": 3, "resize": "pad",
                     "pixels": "uint8, 0-255", "positive": "PNEUMONIA", "threshold": 0.5,  # the rarer: a tie, the 2nd
                     "source_side": 20}  # the files' short side: photos or glyphs, whatever the stored size


def test_training_curves_are_logged_per_epoch_with_dvclive(flat):
    run_ok(ingest_images)
    run_ok(train_cnn)
    for split in ("train", "eval"):
        for metric in ("loss", "accuracy"):
            rows = pd.read_csv(paths.CNN_LIVE_PLOTS / split / f"{metric}.tsv", sep="\t")
            assert rows["step"].tolist() == [0, 1], (split, metric)
    assert json.loads(paths.CNN_LIVE_METRICS.read_text())["step"] == 1


def test_same_params_give_identical_metrics_and_model_file(flat):
    import keras

    run_ok(ingest_images)
    run_ok(train_cnn)
    first = {p: p.read_bytes() for p in (paths.CNN_METRICS, paths.CNN_MODEL)}
    run_ok(train_cnn)
    assert all(p.read_bytes() == data for p, data in first.items())  # the model file carries no save date
    model = keras.saving.load_model(paths.CNN_MODEL)
    pixels, codes = read_image_split(paths.IMAGES_TEST)
    accuracy = (model.predict(pixels[range(len(pixels))], verbose=0).argmax(axis=1) == codes).mean()
    assert accuracy == pytest.approx(read_json(paths.CNN_METRICS)["test_accuracy"])


def test_mlp_and_sgd_with_augmentation(flat, workdir):
    set_params(workdir, cnn__model="mlp", cnn__mlp__units=[16], cnn__optimizer="sgd", images__augment=True,
               cnn__augment__rotation=0.05, cnn__augment__zoom=0.1, cnn__augment__flip="horizontal",
               cnn__augment__contrast=0)
    run_ok(ingest_images)
    run_ok(train_cnn)
    assert read_json(paths.CNN_METRICS)["epochs_trained"] == 2
    import keras

    kinds = [type(layer).__name__ for layer in keras.saving.load_model(paths.CNN_MODEL).layers]
    assert kinds[:4] == ["Rescaling", "RandomFlip", "RandomRotation", "RandomZoom"] and "RandomContrast" not in kinds


# --- bad input ---------------------------------------------------------------------------------


def test_empty_folder(workdir, capsys):
    (workdir / "data/raw/images/empty").mkdir()
    set_params(workdir, images__source="data/raw/images/empty")
    assert "images.source = 'data/raw/images/empty' holds no image files" in run_fails(ingest_images, capsys)


def test_single_class(workdir, capsys):
    write_flat(workdir / "data/raw/images/one")
    for path in (workdir / "data/raw/images/one").glob("[12]_*"):
        path.unlink()
    set_params(workdir, images__source="data/raw/images/one")
    assert "only one class ('0') was found; a classifier needs at least two" in run_fails(ingest_images, capsys)


def test_unreadable_files_are_skipped_with_a_warning(flat, capsys):
    (flat / "2_broken.png").write_text("not an image")
    (flat / "1_notes.png").write_bytes(b"\x89PNG garbage")
    run_ok(ingest_images)
    err = capsys.readouterr().err
    assert ("warning: ingest_images: skipped 2 unreadable file(s): 1_notes.png (not an image Pillow can read), "
            "2_broken.png (not an image Pillow can read)") in err
    assert read_json(paths.INGEST_IMAGES_METRICS)["n_unreadable"] == 2
    assert len(read_table(paths.IMAGE_MANIFEST)) == 30


def test_unreadable_files_stop_the_stage_when_strict(flat, workdir, capsys):
    (flat / "2_broken.png").write_text("not an image")
    set_params(workdir, images__strict=True)
    msg = run_fails(ingest_images, capsys)
    assert ("1 file(s) are not readable images: 2_broken.png (not an image Pillow can read); remove them, or set "
            "images.strict: false") in msg
    assert not paths.IMAGE_MANIFEST.exists() and not paths.IMAGES_TRAIN.exists()


def test_flat_names_without_a_label(flat, capsys):
    for name in ("scan.png", "xray-3.png", "_7.png", "zz.png"):
        skio.imsave(flat / name, np.zeros((4, 4), np.uint8), check_contrast=False)
    msg = run_fails(ingest_images, capsys)
    assert "4 file name(s) carry no label prefix, e.g. _7.png, scan.png, xray-3.png;" in msg
    assert "`<label>_<anything>.png` (like 7_0012.png)" in msg


def test_image_size_too_small_for_the_network(flat, workdir, capsys):
    set_params(workdir, images__image_size=4, cnn__conv__filters=[8, 16, 32])
    run_ok(ingest_images)
    msg = run_fails(train_cnn, capsys)
    assert "images.image_size = 4 is too small for 3 pooling blocks of 2; the minimum is 8" in msg


def test_source_outside_data_raw(workdir, tmp_path, capsys):
    write_flat(workdir / "elsewhere")
    set_params(workdir, images__source="elsewhere")
    assert "images.source = 'elsewhere' is outside data/raw/images/" in run_fails(ingest_images, capsys)
