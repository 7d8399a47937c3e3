"""Image folders as they are downloaded: nested class folders, train/val/test already split, loose files,
case clashes, odd pixel formats and unreadable files, through ingest_images (and train_cnn once)."""

import shlex

import numpy as np
import pytest
import yaml
from PIL import Image

from stages import ingest_images, train_cnn
from stages.common import paths
from stages.common.arrays import read_image_split
from stages.common.io import read_json, read_table
from stages.core.errors import PipelineError
from stages.core.images.folders import class_order, folder_problems, given_split, list_images
from stages.params import load_params
from tests.conftest import REPO, run_fails, run_ok, set_params

KINDS = {"NORMAL": "h", "PNEUMONIA": "v"}
JPEG_MODES = ("L", "RGB", "CMYK")


def scan(kind: str, width: int, height: int, rng) -> np.ndarray:
    """A bright bar across (h) or down (v) a dark noisy image."""
    image = rng.uniform(0, 60, (height, width))
    if kind == "h":
        image[height // 2 - 2: height // 2 + 2, :] = 255
    else:
        image[:, width // 2 - 2: width // 2 + 2] = 255
    return image.astype(np.uint8)


def write_jpeg(path, pixels: np.ndarray, mode: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).convert(mode).save(path, quality=95)


def write_chest_xray(root, counts=None, seed=0):
    """chest_xray/{train,val,test}/{NORMAL,PNEUMONIA}/ JPEGs in mixed sizes and modes (grey, RGB, CMYK)."""
    rng = np.random.default_rng(seed)
    counts = counts or {"train": 12, "val": 3, "test": 4}
    for split, n in counts.items():
        for label, kind in KINDS.items():
            for i in range(n):
                size = (24 + 8 * (i % 3), 20 + 6 * (i % 2))
                write_jpeg(root / split / label / f"{label[0]}{i:03d}.jpeg", scan(kind, *size, rng),
                           JPEG_MODES[i % 3])


def write_scans(workdir, per_class: int = 10):
    """data/raw/images/scans/<class>/<i>.jpg: grey 20x20 scans, two classes."""
    root = workdir / "data/raw/images/scans"
    rng = np.random.default_rng(0)
    for label in KINDS:
        for i in range(per_class):
            write_jpeg(root / label / f"{i}.jpg", scan(KINDS[label], 20, 20, rng), "L")
    return root


@pytest.fixture
def chest_xray(workdir):
    root = workdir / "data/raw/images/chest_xray"
    write_chest_xray(root)
    set_params(workdir, images__source="data/raw/images/chest_xray", images__image_size=16)
    return root


def manifest_split():
    manifest = read_table(paths.IMAGE_MANIFEST)
    return {(p.split("chest_xray/")[1].split("/")[0], s) for p, s in zip(manifest["path"], manifest["split"])}


def test_a_presplit_chest_xray_folder_keeps_its_split_and_trains(chest_xray, workdir, capsys):
    set_params(workdir, cnn__epochs=2, cnn__batch_size=8, cnn__conv__filters=[8], cnn__conv__dense_units=16)
    run_ok(ingest_images)
    out = capsys.readouterr().out
    assert ("ingest_images: the folder's own split is used (train 24, val 6, test 8); images.val_size and "
            "images.test_size ignored") in out
    assert manifest_split() == {("train", "train"), ("val", "val"), ("test", "test")}
    assert read_json(paths.INGEST_IMAGES_METRICS)["split"] == {"train": 24, "val": 6, "test": 8}
    pixels, codes = read_image_split(paths.IMAGES_TEST)
    assert pixels.shape == (8, 16, 16, 1) and codes.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    run_ok(train_cnn)
    assert read_json(paths.CNN_LABELS)["classes"] == ["NORMAL", "PNEUMONIA"]
    assert read_json(paths.CNN_METRICS)["epochs_trained"] == 2


def test_cmyk_jpegs_keep_their_pixels_through_the_stage(chest_xray, workdir):
    set_params(workdir, images__channels=3, images__resize="squash")
    run_ok(ingest_images)
    manifest = read_table(paths.IMAGE_MANIFEST)
    test = manifest[manifest["split"] == "test"].reset_index(drop=True)
    pixels, _ = read_image_split(paths.IMAGES_TEST)
    cmyk = [i for i, p in enumerate(test["path"]) if Image.open(p).mode == "CMYK"]
    assert cmyk
    for i in cmyk:  # the dark background stays dark (read as RGBA it came out white)
        assert np.median(pixels[[i]]) < 80


def test_a_missing_val_folder_is_carved_out_of_train(workdir, capsys):
    write_chest_xray(workdir / "data/raw/images/chest_xray", {"train": 10, "test": 4})
    set_params(workdir, images__source="data/raw/images/chest_xray", images__image_size=16, images__val_size=0.2)
    run_ok(ingest_images)
    assert ("the folder's own split is used (train 16, val 4, test 8); images.test_size ignored; no val/ folder: "
            "images.val_size = 0.2 of train/ carved out as val") in capsys.readouterr().out
    assert manifest_split() == {("train", "train"), ("train", "val"), ("test", "test")}


def test_validation_folder_name_and_nested_class_folders(workdir):
    root = workdir / "data/raw/images/chest_xray"
    write_chest_xray(root, {"train": 6, "validation": 2, "test": 2})
    for i, old in enumerate(sorted((root / "train/NORMAL").iterdir())[:4]):
        new = root / "train/NORMAL" / f"batch{i % 2}" / "deeper" / old.name
        new.parent.mkdir(parents=True, exist_ok=True)
        old.rename(new)
    set_params(workdir, images__source="data/raw/images/chest_xray", images__image_size=16)
    run_ok(ingest_images)
    manifest = read_table(paths.IMAGE_MANIFEST)
    assert len(manifest) == 20 and manifest["path"].str.contains("/deeper/").sum() == 4
    assert (manifest["split"].value_counts().to_dict() == {"train": 12, "val": 4, "test": 4})
    assert set(manifest.loc[manifest["path"].str.contains("/deeper/"), "label"]) == {"NORMAL"}


def test_class_names_differing_only_in_case_are_an_error(workdir, capsys):
    root = workdir / "data/raw/images/scans"
    rng = np.random.default_rng(0)
    for label in ("NORMAL", "normal", "PNEUMONIA"):
        for i in range(3):
            write_jpeg(root / label / f"{i}.jpg", scan("h", 20, 20, rng), "L")
    set_params(workdir, images__source="data/raw/images/scans")
    msg = run_fails(ingest_images, capsys)
    assert "images.source: class folders 'NORMAL' and 'normal' differ only in case; merge them" in msg


def test_a_case_clash_across_split_folders_is_an_error(chest_xray, capsys):
    (chest_xray / "test/PNEUMONIA").rename(chest_xray / "test/pneumonia")
    msg = run_fails(ingest_images, capsys)
    assert "images.source: class folders 'PNEUMONIA' and 'pneumonia' differ only in case" in msg


def test_a_class_only_in_test_is_an_error(chest_xray, capsys):
    (chest_xray / "test/PNEUMONIA").rename(chest_xray / "test/COVID")
    msg = run_fails(ingest_images, capsys)
    assert "test/ holds class(es) COVID that train/ lacks" in msg


def test_loose_images_beside_class_folders_warn_or_stop(workdir, capsys):
    root = write_scans(workdir)
    for name in ("stray.png", "extra.jpg"):
        Image.new("L", (20, 20)).save(root / name)
    (root / "README.txt").write_text("where these came from")  # not an image: ignored
    set_params(workdir, images__source="data/raw/images/scans")
    run_ok(ingest_images)
    assert ("warning: ingest_images: skipped 2 image file(s) lie beside the class folders and belong to no class: "
            "extra.jpg, stray.png") in capsys.readouterr().err
    assert read_json(paths.INGEST_IMAGES_METRICS)["n_loose"] == 2 and len(read_table(paths.IMAGE_MANIFEST)) == 20
    set_params(workdir, images__strict=True)
    msg = run_fails(ingest_images, capsys)
    assert msg.endswith("extra.jpg, stray.png; move them into a class folder, or set images.strict: false to skip "
                        "them")


def test_unusual_ranges_and_bombs_are_named_in_warnings(chest_xray, monkeypatch, capsys):
    values = np.full((20, 20), 4095, np.uint16)
    Image.fromarray(values).save(chest_xray / "train/NORMAL/deep.png")
    Image.new("L", (300, 300)).save(chest_xray / "train/PNEUMONIA/huge.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000)
    run_ok(ingest_images)
    err = capsys.readouterr().err
    assert ("skipped 1 unreadable file(s): train/PNEUMONIA/huge.png (90,000 pixels declared, over Pillow's "
            "decompression-bomb limit of 40,000 and images.max_megapixels = 40: not decoded)") in err
    assert ("1 file(s) have an unusual value range, scaled as noted: train/NORMAL/deep.png (a 16-bit file with "
            "values 4095..4095: read as 12-bit (/4095))") in err
    metrics = read_json(paths.INGEST_IMAGES_METRICS)
    assert (metrics["n_unreadable"], metrics["n_rescaled"], metrics["split"]["train"]) == (1, 1, 25)


def test_class_order_is_numbers_by_value_then_names():
    assert class_order(["cat", "10", "2", "Bird", "2"]) == ["2", "10", "Bird", "cat"]


def readme_walkthrough(folder: str) -> list[str]:
    """The `dvc exp run` command of the walkthrough for data/raw/images/<folder> (docs/keras-images.md, which
    the README links), as tokens."""
    text = (REPO / "docs/keras-images.md").read_text()
    for block in text.split("```bash")[1:]:
        command = block.split("```")[0].replace("\\\n", " ")
        for line in command.splitlines():
            if line.startswith("dvc exp run") and f"images.source=data/raw/images/{folder}" in line:
                return shlex.split(line)
    raise AssertionError(f"no walkthrough for {folder} in docs/keras-images.md")


@pytest.mark.parametrize(("folder", "splits", "target"), [
    ("chest_xray", {"train": 4, "val": 2, "test": 2}, "train_cnn"),
    ("cifar10", {"train": 10, "test": 3}, "transfer"),
])
def test_readme_walkthroughs_name_a_stage_valid_params_and_a_folder_layout_that_works(workdir, folder, splits,
                                                                                       target):
    tokens = readme_walkthrough(folder)
    assert tokens[tokens.index("-n") + 2] == target and target in yaml.safe_load((REPO / "dvc.yaml").read_text())[
        "stages"]
    overrides = dict(tokens[i + 1].split("=", 1) for i, token in enumerate(tokens) if token == "-S")
    set_params(workdir, **{k.replace(".", "__"): yaml.safe_load(v) for k, v in overrides.items()})
    load_params()  # every key exists and every value is valid
    write_chest_xray(workdir / "data/raw/images" / folder, splits)  # the download's layout, in miniature
    manifest, loose = list_images(workdir / overrides["images.source"], "auto", section="images")
    split, line = given_split(manifest, 0.1, 0.2, 42, section="images")
    assert not loose and set(split) == {"train", "val", "test"}


def test_the_kaggle_chest_xray_zip_extras_are_ignored_or_named(chest_xray, capsys):
    resource = chest_xray / "__MACOSX/train/NORMAL/._N000.jpeg"  # macOS resource forks: never images
    resource.parent.mkdir(parents=True)
    resource.write_bytes(b"\x00\x05\x16\x07")
    run_ok(ingest_images)
    assert read_json(paths.INGEST_IMAGES_METRICS)["n_unreadable"] == 0
    (chest_xray / "chest_xray/train/NORMAL").mkdir(parents=True)  # the archive's nested copy of itself
    msg = run_fails(ingest_images, capsys)
    assert ("holds test/, train/, val/ beside other folders (chest_xray/), which would all become classes; point "
            "images.source at a folder holding only train/ val/ test/") in msg


def test_a_presplit_folder_with_one_class_is_an_error(workdir, capsys):
    root = workdir / "data/raw/images/chest_xray"
    write_chest_xray(root, {"train": 4, "test": 2})
    for split in ("train", "test"):
        for path in (root / split / "PNEUMONIA").iterdir():
            path.unlink()
        (root / split / "PNEUMONIA").rmdir()
    set_params(workdir, images__source="data/raw/images/chest_xray")
    assert "only one class ('NORMAL') was found; a classifier needs at least two" in run_fails(ingest_images, capsys)


def test_an_empty_class_folder_and_a_one_pixel_image_get_a_line_each(workdir, capsys):
    root = write_scans(workdir)
    (root / "EMPTY" / "nested" / "deeper").mkdir(parents=True)  # only empty sub-folders
    Image.new("L", (1, 1)).save(root / "NORMAL" / "icon.png")
    set_params(workdir, images__source="data/raw/images/scans")
    run_ok(ingest_images)
    err = capsys.readouterr().err
    assert ("skipped class folder EMPTY/ holds no image files (nothing, or only empty sub-folders), so it is no "
            "class") in err
    assert "NORMAL/icon.png (1x1 pixels: smaller than images.min_side = 8" in err
    assert len(read_table(paths.IMAGE_MANIFEST)) == 20 and read_json(paths.INGEST_IMAGES_METRICS)["n_unreadable"] == 1
    set_params(workdir, images__min_side=1)
    run_ok(ingest_images)
    assert read_json(paths.INGEST_IMAGES_METRICS)["n_unreadable"] == 0  # the param lowers the minimum
    set_params(workdir, images__strict=True)
    assert "class folder EMPTY/ holds no image files" in run_fails(ingest_images, capsys)


def test_folder_problems_are_warnings_or_under_strict_the_first_one_as_an_error():
    loose = [f"img{i}.png" for i in range(7)]
    warnings = folder_problems(["EMPTY/"], loose, False, key="images.strict")
    assert warnings[0].startswith("skipped class folder EMPTY/ holds no image files")
    assert warnings[1] == ("skipped 7 image file(s) lie beside the class folders and belong to no class: img0.png, "
                           "img1.png, img2.png, img3.png, img4.png and 2 more")
    with pytest.raises(PipelineError, match=r"EMPTY/ .* remove it \(images.strict: false skips it\)"):
        folder_problems(["EMPTY/"], loose, True, key="images.strict")
    assert folder_problems([], [], True, key="images.strict") == []
