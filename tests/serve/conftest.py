"""The served project: a tabular model tuned on patients() and a small untrained image network, made once per
worker for every serve/ test module."""

import io
from types import SimpleNamespace

import pytest
from PIL import Image

from serve.app import create_app
from stages import evaluate, ingest, preprocess, select_features, tune
from stages.common import paths
from stages.common.io import write_json
from stages.common.keras_io import write_keras
from tests.conftest import REPO, patients, run_stages, set_params

CLASSES = ["cat", "dog", "zebra"]


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    """A tabular model tuned on patients(), and a small untrained image network (train_cnn's place); no
    transfer model, so its page must say how to make one."""
    root = tmp_path_factory.mktemp("served")
    (root / "data/raw/tables").mkdir(parents=True)
    (root / "params.yaml").write_text((REPO / "params.yaml").read_text())
    patients(120).to_csv(root / "data/raw/tables/patients.csv", index=False)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(root)
        set_params(root, data__csv="data/raw/tables/patients.csv", data__target="outcome")
        run_stages(root, ingest, preprocess, select_features, tune, evaluate, features__method="none",
                   tune__model="logistic_regression")
        import keras

        from stages.core.images.networks import build_cnn

        keras.utils.set_random_seed(0)
        conv = SimpleNamespace(kernel_size=3, pool_size=2, dropout=0.0, dense_units=8, dense_dropout=0.0)
        plan = SimpleNamespace(filters=[4], batch_norm=False, pooling="flatten")  # one block, the MNIST head
        write_keras(paths.CNN_MODEL, build_cnn((8, 8, 1), 3, conv, plan, [], key="images.image_size", section="cnn"))
        write_json(paths.CNN_LABELS, {"classes": CLASSES, "image_size": 8, "channels": 1, "resize": "pad",
                                      "pixels": "uint8, 0-255"})
    return root


@pytest.fixture(scope="module")
def client(project):
    app = create_app(project, max_upload_mb=1)
    app.testing = True
    return app.test_client()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
