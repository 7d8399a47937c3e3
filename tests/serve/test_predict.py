"""The predict command (serve/predict.py): a CSV of predictions, or one line saying what is wrong."""

import io
import subprocess
import sys

import pandas as pd
from PIL import Image

from tests.conftest import REPO, patients
from tests.serve.conftest import png


def test_predict_command_writes_a_csv_or_says_what_is_wrong(project, tmp_path):
    rows = tmp_path / "rows.csv"
    patients(20, seed=5).head(6).drop(columns="outcome").to_csv(rows, index=False, encoding="utf-8-sig")  # Excel
    out = tmp_path / "out.csv"

    def predict(*args):
        return subprocess.run([sys.executable, "-m", "serve.predict", *map(str, args)], cwd=project,
                              capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": ""})

    done = predict("tabular", rows, "-o", out)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert table.columns.tolist() == ["age", "bmi", "smoker", "region", "predicted", "probability_neg",
                                      "probability_pos"] and len(table) == 6
    assert "predict: 6 rows with the tabular model" in done.stderr and "keras" not in done.stderr.lower()
    pd.DataFrame({"age": [50]}).to_csv(rows, index=False)
    done = predict("tabular", rows, "-o", tmp_path / "never.csv")
    assert done.returncode == 2 and not (tmp_path / "never.csv").exists()
    assert done.stderr == f"error: predict: {rows}: 3 of the model's 4 columns missing: bmi, smoker, region\n"

    folder = tmp_path / "photos"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.png").write_bytes(png(Image.new("RGB", (30, 20), "white")))
    (folder / "nested" / "b c.png").write_bytes(png(Image.new("L", (8, 8), 90)))
    (folder / "broken.jpg").write_bytes(b"no")
    (folder / "readme.txt").write_text("not an image")
    done = predict("train_cnn", folder, "--top", "2")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout))
    assert table["file"].tolist() == [str(folder / n) for n in ("a.png", "broken.jpg", "nested/b c.png")]
    assert table.columns.tolist() == ["file", "predicted", "probability", "class_2", "probability_2", "note"]
    assert table["predicted"].isna().tolist() == [False, True, False]
    assert table["note"][1] == "unreadable: not an image Pillow can read"
    assert "skipped 1 file(s) without an image suffix" in done.stderr
    assert "1 of 3 file(s) could not be read; see the note column" in done.stderr
    done = predict("transfer", folder)
    assert done.returncode == 2 and "run `dvc repro transfer`" in done.stderr
