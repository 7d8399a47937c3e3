"""The tabular stages must start fast: importing TensorFlow/Keras costs seconds."""

import subprocess
import sys

TABULAR = ["stages.ingest", "stages.preprocess", "stages.select_features"]


def test_tabular_stages_do_not_import_deep_learning_frameworks():
    code = (
        f"import sys; import {', '.join(TABULAR)}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'jax', 'torch'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
