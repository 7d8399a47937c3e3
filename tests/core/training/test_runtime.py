"""Start-up as the user sees it: TensorFlow's C++ chatter filtered out, our own warnings kept, and a params
mistake reported on the first line, before TensorFlow has even loaded."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, set_params


def python(*args, cwd=REPO, **env):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO), **env})


def test_tensorflow_loads_silently_and_our_warnings_still_show():
    done = python("-c", "import warnings; import stages.core.images.networks; print('first'); warnings.warn('ours')")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "first\n"
    assert done.stderr == "<string>:1: UserWarning: ours\n"  # and nothing else


def test_lines_written_while_tensorflow_loads_are_passed_on_unless_they_are_its_noise():
    code = ("import os; from stages.core.training.runtime import native_logs_filtered\n"
            "with native_logs_filtered():\n"
            "    os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called "
            "are written to STDERR\\n')\n"
            "    os.write(2, b'I0000 00:00:1795941389.342428   11738 cudart_stub.cc:31] "
            "Could not find cuda drivers\\n')\n"
            "    os.write(2, b'E0000 00:00:1795941389.342428   11738 cuda_dnn.cc:8310] "
            "Unable to register cuDNN\\n')\n"
            "    os.write(2, b'a real problem\\n')\n")
    done = python("-c", code)
    assert done.returncode == 0 and done.stderr == "a real problem\n"


@pytest.mark.parametrize(("stage", "overrides", "message"), [
    ("transfer", {"transfer__pipeline__source_classes": ["cat"]},
     "error: transfer: transfer.pipeline.source_classes: cat not among the image classes (0, 1, 2, 3)"),
    ("train_cnn", {"cnn__threshold": {"sensitivity": 0.9}},
     "error: train_cnn: cnn.threshold = {'sensitivity': 0.9} needs two classes, but there are 4"),
    ("transfer", {"transfer__fine_tune_layers": 5},  # found once the backbone is built: TensorFlow has loaded
     "error: transfer: transfer.fine_tune_layers = 5, but pipeline has 2 layers with weights"),
])
def test_a_bad_param_is_the_first_line_the_user_sees(shapes, stage, overrides, message):
    set_params(shapes, **overrides)
    done = python("-m", f"stages.{stage}", cwd=shapes)
    assert done.returncode == 2
    assert done.stderr.splitlines()[0].startswith(message), done.stderr
    assert len(done.stderr.splitlines()) == 1
    if "fine_tune_layers" not in message:  # checked before the network is built: nothing else was said
        assert done.stdout == ""
