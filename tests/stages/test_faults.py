"""Faults a stage meets outside its code: broken saved files, an output folder it cannot write, Ctrl-C, image
bombs, a class with no readable image, and user text that would run as HTML or as a spreadsheet formula. Each is
one line naming the culprit (exit 2, or 130 for Ctrl-C), no traceback, and nothing half-written."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from benchmarks.fault_trial import declaring
from serve.app import create_app
from stages import evaluate, ingest, ingest_images, preprocess, select_features, summary, train_cnn, tune
from stages.common import paths
from stages.common.arrays import read_image_split, write_array
from stages.common.io import atomic_path, read_json, read_object, write_json
from stages.common.runner import run_stage
from tests.conftest import REPO, patients, run_fails, run_ok, run_stages, set_params
from tools.report import escaped, summary_section


@pytest.fixture
def reports(tmp_path, monkeypatch):
    """The committed reports/ and dvc.yaml in a scratch folder: the summary stage's inputs."""
    shutil.copytree(REPO / "reports", tmp_path / "reports")
    shutil.copy(REPO / "dvc.yaml", tmp_path / "dvc.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*.tmp")]


# --- saved files that are missing, truncated or not what they should be -------------------------------


def test_a_missing_or_truncated_metrics_file_names_itself_and_the_stage_that_remakes_it(reports, capsys):
    profile = reports / paths.PROFILE
    profile.write_text(profile.read_text()[:40])
    message = run_fails(summary, capsys)
    assert message.startswith(f"error: summary: {paths.PROFILE} is damaged or not what it should be "
                              "(JSONDecodeError: ")
    assert message.endswith(f"remake it with `dvc repro ingest` (or `dvc checkout {paths.PROFILE}` to restore the "
                            "copy DVC cached)")
    profile.unlink()
    assert run_fails(summary, capsys).startswith(f"error: summary: {paths.PROFILE} does not exist; remake it with "
                                                 "`dvc repro ingest`")


def test_truncated_models_labels_and_image_arrays_are_one_line_each(workdir, capsys):
    shutil.copy(REPO / "dvc.yaml", workdir / "dvc.yaml")
    write_json(paths.IMAGE_LABELS, {"classes": ["0", "1"], "image_size": 8, "channels": 1})
    paths.IMAGE_LABELS.write_text(paths.IMAGE_LABELS.read_text()[:25])
    message = run_fails(train_cnn, capsys)
    assert f"{paths.IMAGE_LABELS} is damaged" in message and "`dvc repro ingest_images`" in message

    paths.MODEL.parent.mkdir(parents=True)
    paths.MODEL.write_bytes(b"\x80\x04\x95")  # a pickle cut after three bytes
    with pytest.raises(Exception, match=rf"{paths.MODEL} is damaged .*`dvc repro tune`"):
        read_object(paths.MODEL)
    paths.MODEL.write_text("[1, 2]")
    with pytest.raises(Exception, match="damaged or not what it should be"):
        read_object(paths.MODEL)

    write_array(paths.IMAGES_TRAIN / "x.npy", np.zeros((10, 8, 8, 1), np.uint8))
    write_array(paths.IMAGES_TRAIN / "y.npy", np.zeros(10, np.int64))
    x = paths.IMAGES_TRAIN / "x.npy"
    x.write_bytes(x.read_bytes()[:-64])  # the last image cut short
    with pytest.raises(Exception, match=r"x.npy is damaged or not what it should be \(ValueError: truncated"):
        read_image_split(paths.IMAGES_TRAIN)
    (paths.IMAGES_TRAIN / "x.npy").unlink()
    with pytest.raises(Exception, match=r"x.npy does not exist; remake it with `dvc repro ingest_images`"):
        read_image_split(paths.IMAGES_TRAIN)


def test_json_that_is_not_an_object_is_not_what_it_should_be(workdir):
    paths.PROFILE.parent.mkdir(parents=True)
    paths.PROFILE.write_text("42\n")
    with pytest.raises(Exception, match=r"not what it should be \(ValueError: a JSON int, not an object\)"):
        read_json(paths.PROFILE)


# --- writes and interruptions ----------------------------------------------------------------------------


def test_an_output_folder_that_cannot_be_written_is_one_line_and_nothing_half_written(reports, capsys, monkeypatch):
    before = (reports / paths.SUMMARY).read_bytes()
    real = Path.write_text

    def refused(self, *args, **kwargs):  # as a read-only folder answers (root ignores chmod, so it is simulated)
        if self.name.endswith(".tmp"):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", refused)
    message = run_fails(summary, capsys)
    assert message == ("error: summary: cannot write to reports/: Permission denied; make it writable (e.g. "
                       "`chmod -R u+w reports`), or run as its owner, then rerun `dvc repro`; no output was "
                       "half-written")
    assert (reports / paths.SUMMARY).read_bytes() == before and not temp_files(reports)


def test_ctrl_c_is_one_line_exit_130_and_the_outputs_are_as_they_were(tmp_path, monkeypatch, capsys, request):
    monkeypatch.chdir(tmp_path)
    # a stage's process starts with Python's own Ctrl-C handler; a library used by an earlier test in the same
    # worker may have left another (in one full `make test` this test missed the signal; alone it never did)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, previous))
    table = Path("reports/compare_models/comparison.csv")
    table.parent.mkdir(parents=True)
    table.write_text("model,score\nold,1\n")

    def interrupted():  # the signal arrives while an output is half-written to its temp file
        with atomic_path(table) as tmp:
            tmp.write_text("model,score\nnew,")
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(SystemExit) as exit:
        run_stage("compare_models", interrupted)
    assert exit.value.code == 130
    err = capsys.readouterr().err
    assert err == ("interrupted: compare_models: stopped by Ctrl-C; its outputs are as they were (each is written "
                   "whole or not at all); rerun `dvc repro` to finish\n")
    assert table.read_text() == "model,score\nold,1\n" and not temp_files(tmp_path)


# --- image folders ---------------------------------------------------------------------------------------


@pytest.fixture
def shapes_folder(workdir):
    root = workdir / "data/raw/images/shapes"
    rng = np.random.default_rng(0)
    for label in ("a", "b", "c"):
        (root / label).mkdir(parents=True)
        for i in range(10):
            Image.fromarray(rng.integers(0, 255, (12, 12), dtype=np.uint8)).save(root / label / f"{i}.png")
    set_params(workdir, images__source="data/raw/images/shapes", images__image_size=8)
    return root


def test_image_bombs_are_listed_with_the_unreadable_files_and_never_decoded(shapes_folder, workdir, capsys,
                                                                             monkeypatch):
    declaring(shapes_folder / "a" / "bomb.png", 30_000, 30_000)  # 900 MP: over Pillow's own limit too
    declaring(shapes_folder / "b" / "poster.png", 9_000, 9_000)  # 81 MP: under Pillow's, over the 40 MP cap
    run_ok(ingest_images)
    err = capsys.readouterr().err
    assert "warning: ingest_images: skipped 2 unreadable file(s): " in err and "Traceback" not in err
    assert ("a/bomb.png (900,000,000 pixels declared, over Pillow's decompression-bomb limit of 178,956,970 and "
            "images.max_megapixels = 40: not decoded)") in err
    assert ("b/poster.png (9,000 x 9,000 pixels declared, over images.max_megapixels = 40: not decoded (shrink the "
            "image, or raise images.max_megapixels))") in err
    assert read_json(paths.INGEST_IMAGES_METRICS)["n_unreadable"] == 2
    set_params(workdir, images__strict=True)
    message = run_fails(ingest_images, capsys)
    assert "file(s) are not readable images" in message and "pixels declared" in message and "not decoded" in message


def test_a_class_folder_without_a_readable_image_is_named(shapes_folder, capsys):
    for i in range(10):
        (shapes_folder / "c" / f"{i}.png").write_text("not an image")
    message = run_fails(ingest_images, capsys)
    assert message == ("error: ingest_images: class 'c' has no readable image: none of its 10 file(s) opens as an "
                       "image (e.g. c/0.png); fix or remove them")


# --- user text that would run as HTML or as a formula ----------------------------------------------------

SCRIPT, FORMULA, COLUMN = "<script>alert(1)</script>", "=1+1", "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A table whose classes are a script tag and a formula, with a column named like an HTML image, through
    ingest to evaluate and the summary."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "data/raw/tables").mkdir(parents=True)
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    table = patients(120, seed=4).rename(columns={"region": COLUMN})
    table["outcome"] = table["outcome"].map({"neg": SCRIPT, "pos": FORMULA})
    table.to_csv(root / "data/raw/tables/hostile.csv", index=False)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(root)
        set_params(root, data__csv="data/raw/tables/hostile.csv", data__target="outcome")
        run_stages(root, ingest, preprocess, select_features, tune, evaluate, summary, features__method="none",
                   tune__model="logistic_regression")
    return root


def test_labels_and_column_names_are_escaped_in_the_summary_page_and_report(hostile):
    text = (hostile / paths.SUMMARY).read_text()
    lines = text.splitlines()
    assert lines[0] == lines[-1] == "```" and SCRIPT in text  # one fenced block: shown as typed, rendered as text
    assert "```" not in "\n".join(lines[1:-1])
    page = (hostile / paths.RUN_PAGE).read_text()
    assert SCRIPT not in page and COLUMN not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page
    section = "\n".join(summary_section(text))
    assert section.count("```") == 2 and "<details>" in section
    assert escaped(f"| data.target | {COLUMN} |") == "| data.target | &lt;img src=x onerror=alert(1)&gt; |"
    older = "\n".join(summary_section(f"Summary: {SCRIPT} ``` {FORMULA}\n"))
    assert older.count("````") == 2  # a fence longer than any run of backticks inside


def test_labels_and_column_names_are_escaped_in_the_table_report(hostile):
    page = (hostile / paths.TABLE_REPORT).read_text()  # ingest's header and skrub's report, both
    assert SCRIPT not in page and COLUMN not in page and "<img src=x" not in page
    assert "<code>&lt;img src=x onerror=alert(1)&gt;</code>" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_labels_and_column_names_are_escaped_on_the_web_page_and_neutralised_in_csvs(hostile, tmp_path):
    client = create_app(hostile).test_client()
    for url in ("/", "/models/tabular"):
        page = client.get(url).data.decode()
        assert SCRIPT not in page and COLUMN not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get("/models/tabular").data.decode()

    rows = tmp_path / "rows.csv"
    patients(30, seed=8).rename(columns={"region": COLUMN}).drop(columns="outcome").to_csv(rows, index=False)
    done = subprocess.run([sys.executable, "-m", "serve.predict", "tabular", str(rows), "-o", str(tmp_path / "p.csv")],
                          cwd=hostile, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(tmp_path / "p.csv")
    assert set(written["predicted"]) <= {"'" + FORMULA, SCRIPT} and "'" + FORMULA in set(written["predicted"])
    assert f"probability_{FORMULA}" in written.columns  # a name that starts with a letter is safe as it is
    assert written["bmi"].dtype == float  # numbers stay numbers
