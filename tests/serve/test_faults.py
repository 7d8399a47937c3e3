"""What serve does with broken saved files, a broken params.yaml, blank rows and requests of the wrong shape:
one line (or one JSON error) naming the culprit, and one prediction per input row."""

import io
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from serve.app import create_app
from stages.common import paths
from tests.conftest import REPO, patients


def predict(root, *args):
    return subprocess.run([sys.executable, "-m", "serve.predict", *map(str, args)], cwd=root, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "PATH": ""}, timeout=300)


@pytest.fixture
def copied(project, tmp_path):
    """The served project with the repo's dvc.yaml (which names the stage that remakes each file), to break."""
    root = tmp_path / "copy"
    shutil.copytree(project, root)
    shutil.copy(REPO / "dvc.yaml", root / "dvc.yaml")
    return root


def test_a_truncated_model_is_one_line_in_the_command_and_an_unavailable_card_in_the_app(copied, tmp_path):
    model = copied / paths.MODEL
    model.write_bytes(model.read_bytes()[:200])
    rows = tmp_path / "rows.csv"
    patients(20, seed=5).drop(columns="outcome").to_csv(rows, index=False)
    done = predict(copied, "tabular", rows, "-o", tmp_path / "out.csv")
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"error: predict: unavailable: {paths.MODEL} is damaged or not what it should be")
    assert "remake it with `dvc repro tune`" in done.stderr and not (tmp_path / "out.csv").exists()

    client = create_app(copied).test_client()
    assert client.get("/health").json["models"] == {"tabular": "broken", "train_cnn": "ready", "transfer": "missing"}
    index = client.get("/").data.decode()
    assert f"unavailable: {paths.MODEL} is damaged" in index and "dvc repro tune" in index
    answer = client.post("/api/predict/tabular", json={"rows": [{"age": 50}]})
    assert answer.status_code == 503 and "dvc repro tune" in answer.json["error"]


def test_a_corrupted_labels_file_names_itself_and_the_stage_that_remakes_it(copied):
    (copied / paths.LABELS).write_text('{"classes": ["neg", ')
    client = create_app(copied).test_client()
    card = client.get("/").data.decode()
    assert f"unavailable: {paths.LABELS} is damaged or not what it should be (JSONDecodeError" in card
    assert "dvc repro preprocess" in card
    assert client.get("/health").json["models"]["tabular"] == "broken"


def test_a_params_file_that_is_not_yaml_stops_the_app_with_one_line(copied):
    (copied / "params.yaml").write_text("data: [unclosed\n  csv: x\n")
    done = subprocess.run([sys.executable, "-m", "serve.app", "--port", "0"], cwd=copied, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "PATH": ""}, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: serve: ") and done.stderr.count("\n") == 1 and "params.yaml" in done.stderr


def forty_rows_with_two_blank_lines() -> bytes:
    """38 rows of patients and 2 blank ones: a blank line (row 6) and a line of empty cells (row 20)."""
    lines = patients(38, seed=9).drop(columns="outcome").to_csv(index=False).splitlines()
    lines.insert(6, "")  # a blank line after the fifth row
    lines.insert(20, ",,,")  # a row of empty cells
    return ("\n".join(lines) + "\n").encode()


def test_a_batch_with_blank_lines_gets_one_prediction_per_row_in_order(project, client, tmp_path):
    data = forty_rows_with_two_blank_lines()
    rows = tmp_path / "rows.csv"
    rows.write_bytes(data)
    done = predict(project, "tabular", rows, "-o", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "out.csv")
    assert len(table) == 40
    blank = table["predicted"].isna()
    assert blank.tolist() == [i in (5, 19) for i in range(40)]
    assert table["reason"][5].startswith("no values") and table["reason"].isna().sum() == 38
    kept = table[~blank].reset_index(drop=True)
    pd.testing.assert_series_equal(kept["age"], patients(38, seed=9)["age"].astype(float), check_names=False)
    assert "2 row(s) have none of the model's values (6, 20)" in done.stderr

    download = client.post("/models/tabular/csv", data={"csv": (io.BytesIO(data), "rows.csv")},
                           content_type="multipart/form-data")
    assert download.status_code == 200
    assert len(pd.read_csv(io.BytesIO(download.data))) == 40
    answer = client.post("/api/predict/tabular", data={"csv": (io.BytesIO(data), "rows.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code == 200, answer.json
    predictions = answer.json["predictions"]
    assert len(predictions) == 40 and predictions[5]["predicted"] is None and predictions[5]["reason"]
    assert predictions[4]["predicted"] in ("neg", "pos") and "reason" not in predictions[4]
    full = patients(20, seed=9).drop(columns="outcome").iloc[0].to_dict()
    empty = client.post("/api/predict/tabular", json={"rows": [full, {}]}).json["predictions"]
    assert empty[1] == {"predicted": None, "probabilities": {}, "reason": empty[1]["reason"]}


@pytest.mark.parametrize("request_args, message", [
    ({"data": {"file": (io.BytesIO(b"age\n50\n"), "rows.csv")}, "content_type": "multipart/form-data"},
     "the upload's file is in the form field 'file'; send it as the form field 'csv'"),
    ({"data": b'{"rows": [{"age": 50}]}', "content_type": "text/plain"},
     "the body looks like JSON but came with Content-Type: text/plain; send it with Content-Type: application/json"),
    ({"data": '{"rows": [{"region": "서울"}]}'.encode("cp949"), "content_type": "application/json"},
     "the JSON body is not UTF-8 (byte 0xbc at position 22); send it encoded as UTF-8"),
    ({"data": b'{"rows": [', "content_type": "application/json"},
     "the body is not valid JSON (Expecting value at line 1, column 11)"),
])
def test_the_api_says_which_field_type_or_encoding_was_wrong(client, request_args, message):
    answer = client.post("/api/predict/tabular", **request_args)
    assert answer.status_code == 400 and answer.json["error"] == message
