"""The web app (serve/app.py) answers good input and refuses bad input with a message and the right status,
writes nothing to disk, and keeps serving. The models here are small ones made in a scratch project
(tests/serve/conftest.py); tests/e2e/ checks the real ones (accuracy reproduced, a real browser)."""

import io
import socket
import struct
import subprocess
import sys
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from serve.app import create_app
from stages.common import paths
from stages.common.io import read_json
from tests.conftest import REPO, patients
from tests.serve.conftest import CLASSES, png


def bomb() -> bytes:
    """A 70-byte PNG whose header promises 30000 x 30000 pixels."""
    data = bytearray(png(Image.new("L", (1, 1))))
    data[16:24] = struct.pack(">II", 30000, 30000)  # IHDR width, height
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def upload(client, data: bytes, name: str, url: str = "/api/predict/train_cnn"):
    return client.post(url, data={"image": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_images_in_any_mode_are_converted_and_any_file_name_is_only_displayed(client, project):
    before = sorted(p for p in project.rglob("*"))
    rgba = Image.new("RGBA", (20, 12), (255, 0, 0, 0))
    deep = Image.fromarray(np.linspace(0, 65535, 64).reshape(8, 8).astype(np.uint16))
    for data, name in ((png(rgba), "고양이 사진.png"), (png(deep), "scan 16 bit.png")):
        answer = upload(client, data, name)
        assert answer.status_code == 200, answer.json
        body = answer.json
        assert body["file"] == name and body["predicted"] in CLASSES
        assert [t["class"] for t in body["top"]][0] == body["predicted"] and len(body["top"]) == 3
        assert abs(sum(t["probability"] for t in body["top"]) - 1) < 1e-5
    assert "full 16-bit" not in (upload(client, png(deep), "x.png").json["note"] or "")
    page = upload(client, png(rgba), "<script>alert(1)</script>.png", "/models/train_cnn")
    assert page.status_code == 200
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;.png" in page.data and b"<script>alert(1)" not in page.data
    assert b'id="predicted"' in page.data and b"data:image/png;base64," in page.data
    assert sorted(p for p in project.rglob("*")) == before  # nothing written, whatever the name


def test_image_as_the_request_body_and_concurrent_requests_get_their_own_answers(client, project):
    raw = client.post("/api/predict/train_cnn?name=scan.png", data=png(Image.new("L", (9, 9), 40)),
                      content_type="image/png")
    assert raw.status_code == 200 and raw.json["file"] == "scan.png"
    empty = client.post("/api/predict/train_cnn", data=b"", content_type="application/octet-stream")
    assert empty.status_code == 400
    assert empty.json["error"] == "the request body: the body is empty; send the image's bytes"
    # threads queue for one forward pass, which answers them all: each must get its own image's row
    from serve.models import load

    model = load("train_cnn", project)
    images = np.random.default_rng(0).integers(0, 256, (24, 8, 8, 1), dtype=np.uint8)
    alone = model.probabilities(images)
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(model.probabilities_of_one, images))
    assert np.allclose(np.stack(together), alone, atol=1e-6)
    assert len({row.argmax() for row in alone}) > 1  # different images, different answers: a mix-up would show


@pytest.mark.parametrize("data, name, status, message", [
    (b"just text", "notes.png", 400, "notes.png: not an image Pillow can read"),
    (png(Image.new("RGB", (64, 64), "red"))[:100], "cut.png", 400, "cut.png: "),
    (bomb(), "bomb.png", 400, "bomb.png: 900,000,000 pixels declared, over Pillow's decompression-bomb limit"),
    (b"", "empty.png", 400, "empty.png: the file is empty"),
    (b"x" * (2 << 20), "big.png", 413, "the upload is over the 1 MB limit: send a smaller file"),
])
def test_bad_images_get_a_message_and_a_status(client, data, name, status, message):
    answer = upload(client, data, name)
    assert answer.status_code == status
    assert answer.json["error"].startswith(message)
    page = upload(client, data, name, "/models/train_cnn")
    assert page.status_code == status and message.split(":")[0].encode() in page.data
    assert b'<p class="error" id="error">' in page.data and b'id="upload"' in page.data  # the model's page, again
    assert client.get("/health").json["models"]["train_cnn"] == "ready"  # still serving


def test_upload_without_a_file_and_unknown_or_unbuilt_models(client):
    assert client.post("/api/predict/train_cnn", data={}).json == {
        "error": "no file in the request (its Content-Type is none); send it as the multipart form field 'image'"}
    unknown = client.post("/api/predict/resnet", json={"rows": []})
    assert unknown.status_code == 404 and "no model 'resnet'; the models are ['tabular', 'train_cnn', 'transfer']" \
        in unknown.json["error"]
    missing = client.get("/models/transfer")
    assert missing.status_code == 503
    assert b"models/transfer/model.keras does not exist yet: run `dvc repro transfer`" in missing.data
    assert client.post("/api/predict/transfer").status_code == 503
    assert client.get("/health").json == {"status": "ok", "models": {
        "tabular": "ready", "train_cnn": "ready", "transfer": "missing"}}
    index = client.get("/").data
    assert b"run `dvc repro transfer`" in index and b'href="/models/tabular"' in index


def test_tabular_form_is_built_from_the_training_schema_and_predicts(client):
    page = client.get("/models/tabular").data.decode()
    for column in ("age", "bmi"):
        assert f'name="{column}"' in page
    assert '<select name="region">' in page and "<option selected>south</option>" in page  # the mode
    answer = client.post("/models/tabular", data={"age": "61", "bmi": "", "smoker": "yes", "region": "east"})
    assert answer.status_code == 200
    assert any(f'id="predicted">{c}</strong>' in answer.data.decode() for c in ("neg", "pos"))
    rows = [{"age": 61, "bmi": 35.5, "smoker": "no", "region": "west"}, {"age": None, "bmi": 20, "smoker": None,
                                                                       "region": "north"}]
    body = client.post("/api/predict/tabular", json={"rows": rows}).json
    assert [set(p["probabilities"]) for p in body["predictions"]] == [{"neg", "pos"}] * 2
    assert body["predictions"][0]["predicted"] == "pos" and body["predictions"][1]["predicted"] == "neg"


@pytest.mark.parametrize("body, message", [
    ({"rows": {"age": 61}}, "`rows` must be a non-empty list of objects"),
    ({"rows": [[61, 35]]}, "rows[0] is list, not an object of column: value"),
    ({"data": []}, 'send JSON {"rows": '),
    ({"rows": [{"age": 61, "bmi": 30, "smoker": "no"}]}, "rows: 1 of the model's 4 columns missing: region"),
    ({"rows": [{"age": 61, "bmi": "30,5", "smoker": "no", "region": "west"}]},
     "rows: row 1, column 'bmi': '30,5' is not a finite number"),
])
def test_bad_rows_get_a_message(client, body, message):
    answer = client.post("/api/predict/tabular", json=body)
    assert answer.status_code == 400 and message in answer.json["error"]


def test_csv_upload_returns_every_row_with_its_prediction(client, project):
    frame = patients(20, seed=3).head(10).assign(patient_id=range(10))
    sent = frame.to_csv(index=False, sep=";").replace(";nan", ";?").encode()
    answer = client.post("/models/tabular/csv", data={"csv": (io.BytesIO(sent), "새 환자.csv")})
    assert answer.status_code == 200 and "attachment; filename=predictions.csv" in answer.headers["Content-Disposition"]
    back = pd.read_csv(io.BytesIO(answer.data))
    assert len(back) == 10 and back["patient_id"].tolist() == list(range(10))  # extra columns ride along
    assert set(back["predicted"]) <= {"neg", "pos"}
    assert np.allclose(back["probability_neg"] + back["probability_pos"], 1)
    frame["age"] = frame["age"].astype(object)
    frame.loc[4, "age"] = "sixty"
    bad = client.post("/models/tabular/csv", data={"csv": (io.BytesIO(frame.to_csv(index=False).encode()), "x.csv")})
    assert bad.status_code == 400 and b"x.csv: row 5, column &#39;age&#39;: &#39;sixty&#39; is not a finite number" \
        in bad.data


def test_serving_is_documented_with_a_curl_example():
    readme, page = (REPO / "README.md").read_text(), (REPO / "docs/serve.md").read_text()
    assert "make serve" in readme and "docs/serve.md" in readme
    assert "curl" in page and "/api/predict/train_cnn" in page


def test_rows_with_an_extra_field_are_an_error_naming_the_row_never_a_shifted_table(client, project, tmp_path):
    sent = b"age,bmi,smoker,region\n61,30.5,no,west,\n40,22.1,yes,east,\n"  # a trailing comma on every row
    answer = client.post("/api/predict/tabular", data={"csv": (io.BytesIO(sent), "extra.csv")})
    assert answer.status_code == 400
    assert "extra.csv: row 2 has 5 fields but the header has 4 (a trailing delimiter" in answer.json["error"]
    rows = tmp_path / "extra.csv"
    rows.write_bytes(sent)
    done = subprocess.run([sys.executable, "-m", "serve.predict", "tabular", str(rows)], cwd=project,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.returncode == 2 and "row 2 has 5 fields but the header has 4" in done.stderr


def test_decimal_commas_are_read_and_far_values_flagged(client):
    sent = "age;bmi;smoker;region\n61;30,5;no;west\n40;1141,0;yes;east\n".encode()
    answer = client.post("/api/predict/tabular", data={"csv": (io.BytesIO(sent), "eu.csv")})
    assert answer.status_code == 200, answer.json
    notes = " ".join(answer.json["notes"])
    assert "row 2, column 'bmi': 1141 is far outside the training range" in notes and "the training maximum" in notes


def test_an_image_model_refuses_a_table(project, tmp_path):
    rows = tmp_path / "rows.csv"
    patients(20).to_csv(rows, index=False)
    done = subprocess.run([sys.executable, "-m", "serve.predict", "train_cnn", str(rows)], cwd=project,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.returncode == 2 and "is a table, but the train_cnn model reads images" in done.stderr
    (tmp_path / "broken.png").write_bytes(b"no")
    done = subprocess.run([sys.executable, "-m", "serve.predict", "train_cnn", str(tmp_path / "broken.png")],
                          cwd=project, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.returncode == 2 and "none of the 1 file(s) could be read as an image" in done.stderr


def test_cards_say_in_words_what_each_model_predicts_and_how_it_scored(client, project):
    index = client.get("/").data.decode()
    assert "Predicts &#39;outcome&#39;: neg or pos, from 4 columns." in index
    assert "Predicts one of three classes: cat, dog, zebra." in index
    metrics = read_json(project / paths.EVALUATE_METRICS)
    assert (f"Test accuracy {metrics['accuracy']:.1%}, against {metrics['baseline']['accuracy']:.1%} for always "
            "answering the most frequent class.") in index
    kept = read_json(project / paths.TUNE_METRICS)["tuned_model_kept"]
    assert ("tuned on the training folds" if kept else "untuned: tuning found no better settings") in index
    assert "16x16x1" not in index and "dvc.lock" not in index  # no jargon


@pytest.mark.parametrize("url", ["/", "/models/tabular", "/models/train_cnn", "/models/transfer", "/health",
                                 "/api/predict/nothing", "/static/style.css"])
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy  # the page runs no inline script or style
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_pages_have_no_inline_script_or_style(client):
    for url in ("/", "/models/tabular", "/models/train_cnn"):
        page = client.get(url).data.decode()
        assert "<script>" not in page and "style=" not in page and "<style" not in page and "onclick" not in page


def test_an_image_over_the_pixel_cap_is_refused_from_its_header_before_decoding(client, monkeypatch):
    huge = png(Image.new("L", (13_000, 13_000)))  # 169 MB of pixels in a small file, under Pillow's bomb limit
    assert len(huge) < 1 << 20
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", lambda *a: pytest.fail("decoded an image over the cap"))
    answer = upload(client, huge, "wall.png")
    assert answer.status_code == 400
    assert answer.json["error"] == ("wall.png: 13,000 x 13,000 pixels declared, over images.max_megapixels = 40: not "
                                    "decoded (shrink the image, or raise images.max_megapixels)")


def test_waitress_refuses_a_2_gib_body_from_its_content_length_without_reading_it(project):
    from serve.app import waitress_server

    server = waitress_server(create_app(project, max_upload_mb=1), "127.0.0.1", 0, 2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port), timeout=10) as connection:
            connection.sendall(b"POST /api/predict/train_cnn HTTP/1.1\r\nHost: localhost\r\n"
                               b"Content-Type: image/png\r\nContent-Length: 2147483648\r\n\r\n")
            answer = b"".join(iter(lambda: connection.recv(4096), b"")).decode()  # no body sent: none waited for
        assert answer.startswith("HTTP/1.1 413 Request Entity Too Large"), answer
        assert "exceeds max_body of 1048576" in answer
        assert server.adj.inbuf_overflow == server.adj.max_request_body_size == 1 << 20  # in memory, never on disk
    finally:
        server.close()
