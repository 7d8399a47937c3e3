"""The tabular stages must start fast: importing TensorFlow/Keras costs seconds, and the web app's Flask and
waitress belong to serve/ alone."""

import subprocess
import sys

TABULAR = ["stages.ingest", "stages.preprocess", "stages.select_features", "stages.compare_models", "stages.tune",
           "stages.evaluate", "stages.cluster", "stages.nets_from_scratch"]


def test_tabular_stages_import_neither_deep_learning_frameworks_nor_the_web_app():
    code = (
        f"import sys; import {', '.join(TABULAR)}; "
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'tensorflow', 'keras', 'jax', 'torch', 'flask', 'waitress'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
