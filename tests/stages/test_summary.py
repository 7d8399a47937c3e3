"""The end of a run: the one-screen summary, the run's page, lines held to a width, Keras fits in a few lines,
and the image stages' note and baseline."""

import io
import shutil
import sys

import numpy as np
import pytest
from PIL import Image

from stages import summary
from stages.common.runner import Wrapped, run_stage
from stages.core.errors import PipelineError
from stages.core.images.pixels import sample_look, source_look
from stages.core.report.headlines import WIDTH, headlines, screen
from stages.core.training.imbalance import majority_accuracy
from tests.conftest import REPO, run_ok

COMPARED = {"winner": {"accuracy": 0.98, "accuracy_std": 0.02}, "cv_accuracy": {"svm": 0.98, "knn": 0.95},
            "winner_vs_runner_up": {"difference": 0.03, "p_value": 0.01}}
EVALUATED = {"accuracy": 0.97, "roc_auc": 0.99, "recall": 0.95, "baseline": {"accuracy": 0.63}}


def test_each_stage_headline_sits_beside_what_it_must_beat():
    lines = headlines({"compare_models": COMPARED, "evaluate": EVALUATED,
                       "train_cnn": {"test_accuracy": 0.99, "baseline_accuracy": 0.1, "epochs_trained": 40}},
                      "classification")
    assert lines["compare_models"] == ("svm best of 2 models: CV accuracy 0.9800, +0.0300 over the runner-up "
                                       "(significant, p = 0.01)")
    assert lines["evaluate"].startswith("test accuracy 0.9700 vs 0.6300 for the majority class; ROC AUC 0.9900")
    raced = COMPARED | {"size_rules": {"folds": 10, "repeats": 1}, "stopped": {"knn": "stopped after 4 folds: ..."}}
    assert headlines({"compare_models": raced}, "classification")["compare_models"].startswith(
        "svm best of 2 models (1x10-fold CV; knn raced out): CV accuracy 0.9800")  # what was measured
    assert lines["train_cnn"] == "test accuracy 0.9900 vs 0.1000 for the majority class, 40 epochs"
    transfer = {"transfer_accuracy": 0.96, "baseline_accuracy": 0.2, "train_images": 100}
    assert headlines({"transfer": transfer}, "classification")["transfer"] == (
        "test accuracy 0.9600 vs 0.2000 for the majority class; 100 training images")  # transfer.scratch: false
    both = headlines({"transfer": {**transfer, "scratch_accuracy": 0.97, "transfer_gain": -0.01}}, "classification")
    assert both["transfer"] == ("test accuracy 0.9600 vs 0.2000 for the majority class; from scratch 0.9700 "
                                "(-0.0100 for transfer); 100 training images")
    regression = headlines({"evaluate": {"r2": 0.45, "rmse": 54.0, "baseline": {"r2": -0.01, "rmse": 73.0}}},
                           "regression")
    assert regression["evaluate"] == "test R² 0.4500 vs -0.0100 for the training mean; RMSE 54 vs 73"


def test_a_stage_that_did_not_run_has_no_line_and_the_screen_fits():
    lines = screen(headlines({"evaluate": EVALUATED}, "classification"), "data/raw/tables/x.csv", "y",
                   "classification")
    assert lines[0] == "Summary: classification of 'y' from data/raw/tables/x.csv"
    assert [line.split()[0] for line in lines[2:-3] if line and not line.startswith(" ")] == ["evaluate"]
    assert max(map(len, lines)) <= WIDTH and len(lines) <= 40


def test_the_stage_rebuilds_the_committed_summary_and_page_from_the_committed_metrics(tmp_path, monkeypatch):
    shutil.copytree(REPO / "reports", tmp_path / "reports")
    (tmp_path / "reports/summary.md").unlink()
    (tmp_path / "reports/index.html").unlink()
    monkeypatch.chdir(tmp_path)
    run_ok(summary)
    for name in ("summary.md", "index.html"):  # byte for byte: nothing in them varies run to run
        assert (tmp_path / "reports" / name).read_bytes() == (REPO / "reports" / name).read_bytes(), name
    text = (tmp_path / "reports/summary.md").read_text().splitlines()
    assert len(text) <= 40 and max(map(len, text)) <= 100
    page = (tmp_path / "reports/index.html").read_text()
    assert '<img src="compare_models/boxplot.png"' in page and "<script" not in page
    assert 'src="/' not in page and "http" not in page  # relative figures, nothing from a network


def test_the_page_leaves_out_a_figure_the_run_did_not_make(tmp_path, monkeypatch):
    shutil.copytree(REPO / "reports", tmp_path / "reports")
    (tmp_path / "reports/cluster/scatter.png").unlink()
    monkeypatch.chdir(tmp_path)
    run_ok(summary)
    page = (tmp_path / "reports/index.html").read_text()
    assert "cluster/curves.png" in page and "cluster/scatter.png" not in page


def test_long_lines_wrap_at_the_width_and_a_progress_redraw_passes_whole():
    out = io.StringIO()
    stream = Wrapped(out, 30)
    stream.write("compare_models: " + "word " * 10 + "\n")
    stream.write("\rbar 1/3")
    stream.flush()
    lines = out.getvalue().split("\n")
    assert all(len(line) <= 30 for line in lines[:-1]) and lines[1].startswith("    word")
    assert lines[-1] == "\rbar 1/3"


def test_the_error_line_stays_one_line_however_wide(monkeypatch, capsys):
    monkeypatch.setenv("PIPELINE_WIDTH", "40")
    message = "data.csv = 'x.csv' " + "is wrong " * 20

    def main():
        print("stage: a line that is long enough to be wrapped at forty characters")
        raise PipelineError(message)

    with pytest.raises(SystemExit):
        run_stage("stage", main)
    captured = capsys.readouterr()
    assert captured.err == f"error: stage: {message}\n"
    assert captured.out.splitlines()[1].startswith("    ")  # the stage's own output wrapped
    assert sys.stdout is not None and not isinstance(sys.stdout, Wrapped)  # streams given back


def image(path, size, colour):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    if not colour:
        pixels[...] = pixels[..., :1]
    Image.fromarray(pixels).save(path)
    return str(path)


def test_one_note_when_the_sources_hold_much_more_than_is_stored(tmp_path):
    photos = [image(tmp_path / f"p{i}.jpg", 256, colour=True) for i in range(5)]
    keys = ("images.image_size", "images.channels")
    note = source_look(*sample_look(photos), 16, 1, keys)
    assert note == ("the source images are about 256 px on their short side and stored at images.image_size = 16 px "
                    "and are in colour and stored grey (images.channels = 1): most detail is lost; a larger "
                    "images.image_size (e.g. 64) or images.channels: 3 keeps more, at the cost of training time "
                    "(auto decides both from the files)")
    assert source_look(*sample_look(photos), None, 1, keys).endswith(  # images.image_size: auto is not judged
        "are in colour and stored grey (images.channels = 1): most detail is lost; images.channels: 3 keeps more, "
        "at the cost of training time (auto decides both from the files)")
    scans = [image(tmp_path / f"s{i}.png", 20, colour=False) for i in range(5)]
    assert source_look(*sample_look(scans), 16, 1, keys) is None
    assert source_look(*sample_look(photos), 128, 3, keys) is None


def test_the_majority_baseline_is_the_training_majority_scored_on_the_test_labels():
    assert majority_accuracy(np.array([0, 1, 1, 2]), np.array([1, 1, 0, 2, 2])) == pytest.approx(0.4)
