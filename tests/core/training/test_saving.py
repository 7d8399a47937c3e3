"""Keras models saved byte for byte (stages/core/training/saving.py): no date, no memory addresses."""

import json
import zipfile

from stages.core.training.runtime import configure  # first: TensorFlow's settings before Keras loads it
from stages.core.training.saving import save_keras


def test_the_same_model_saved_twice_is_the_same_bytes_and_loads(tmp_path):
    configure(0, "off")
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    save_keras(model, tmp_path / "a.keras")
    save_keras(model, tmp_path / "b.keras")
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.keras") as saved:
        assert "date_saved" not in json.loads(saved.read("metadata.json"))
        assert {info.date_time for info in saved.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    loaded = keras.models.load_model(tmp_path / "a.keras")
    assert [w.tolist() for w in loaded.get_weights()] == [w.tolist() for w in model.get_weights()]
    assert sorted(tmp_path.iterdir()) == [tmp_path / "a.keras", tmp_path / "b.keras"]  # no temp file left behind
