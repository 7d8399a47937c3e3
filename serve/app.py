"""The web page and JSON API over the saved models, served by waitress (`make serve`):

    python -m serve.app [--host 127.0.0.1] [--port 8000] [--threads 8] [--max-upload-mb 16] [--max-megapixels N]

Pages: / (the models), /models/<name> (upload an image, or fill in a row / upload a CSV).
API:   GET /health; POST /api/predict/<name> with an image (multipart field `image`), a CSV (field `csv`)
       or JSON {"rows": [{column: value, ...}, ...]}.
Models are loaded once at start and shared by the server's threads. Uploads stay in memory: no file name a
user sends is used for anything but display (escaped). Every response carries security headers (SECURITY: the
page runs no inline script or style); an image's size is read from its header and refused above the pixel cap
(images.max_megapixels) before it is decoded (a 530 KB PNG can hold 13,000 x 13,000 pixels: 500 MB decoded).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
from pathlib import Path

import pandas as pd
from flask import Blueprint, Flask, Request, Response, current_app, jsonify, render_template, request
from PIL import Image
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from serve.models import KINDS, ImageModel, Missing, TableModel, load_all
from serve.tables import BadInput, read_rows, rows_from_json
from stages.core.errors import PipelineError
from stages.params import load_params

TOP = 5
SECURITY = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors' older spelling
    "Referrer-Policy": "no-referrer",
}


class InMemoryRequest(Request):
    """Uploads are parsed into memory (the size limit bounds them), never spooled to a temp file."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


pages = Blueprint("pages", __name__)  # the routes; create_app registers them on an app with its models loaded


def create_app(root: Path = Path("."), max_upload_mb: float = 16, max_megapixels: float | None = None) -> Flask:
    """The app over the models under `root`; images over params.yaml's images.max_megapixels (the cap ingest_images
    applies; `max_megapixels` overrides it) are refused undecoded."""
    app = Flask(__name__)
    params = load_params(root / "params.yaml")
    app.config["MAX_PIXELS"] = int((max_megapixels or params.images.max_megapixels) * 1e6)
    app.request_class = InMemoryRequest
    app.config["MAX_CONTENT_LENGTH"] = int(max_upload_mb * 2**20)
    app.config["MAX_UPLOAD_MB"] = max_upload_mb
    app.config["NA_VALUES"] = params.data.na_values
    app.extensions["models"] = load_all(root)
    app.register_blueprint(pages)
    app.register_error_handler(HTTPException, http_error)
    app.after_request(secured)
    app.jinja_env.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:]  # keeps "R²", names
    return app


def secured(response: Response) -> Response:
    response.headers.update(SECURITY)
    return response


def _models() -> dict:
    return current_app.extensions["models"]


def served(name: str):
    """The model, or the HTTP error that says why there is none."""
    if name not in KINDS:
        raise NotFound(f"no model {name!r}; the models are {list(KINDS)}")
    model = _models()[name]
    if isinstance(model, Missing):
        raise NotBuilt(model.message)
    return model


FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def uploaded(field: str) -> tuple[bytes, str]:
    file = request.files.get(field)
    if file is None or not file.filename:
        others = [name for name in request.files if name != field]
        if others:
            raise BadInput(f"the upload's file is in the form field {others[0]!r}; send it as the form field "
                           f"{field!r}")
        if request.mimetype not in FORMS:
            raise BadInput(f"no file in the request (its Content-Type is {request.mimetype or 'none'}); send it as "
                           f"the multipart form field {field!r}")
        raise BadInput(f"no file in the upload; send it as the form field {field!r}")
    data = file.read()
    if not data:
        raise BadInput(f"{file.filename}: the file is empty")
    return data, file.filename


def predict_image(model: ImageModel, top: int) -> tuple[dict, object]:
    """The answer, and the pixels the model saw. The image comes as the form field `image`, or (API) as
    the whole request body with an image/* or application/octet-stream type: no multipart to parse."""
    if request.mimetype.startswith("image/") or request.mimetype == "application/octet-stream":
        data, name = request.get_data(), request.args.get("name", "the request body")
        if not data:
            raise BadInput(f"{name}: the body is empty; send the image's bytes")
    else:
        data, name = uploaded("image")
    pixels, note = model.read(io.BytesIO(data), name, current_app.config["MAX_PIXELS"])
    ranked = model.top(model.probabilities_of_one(pixels), top)
    return {"model": model.kind.name, "file": name, "note": note, "predicted": ranked[0][0],
            "top": [{"class": c, "probability": p} for c, p in ranked]}, pixels


def table_of(model: TableModel):
    """The rows of a request: JSON {"rows": [...]}, a CSV upload, or the page's form fields."""
    if request.is_json:
        body = request.get_json(silent=True)
        if body is None:
            raise BadInput(_unreadable_json(request.get_data()))
        if not isinstance(body, dict) or "rows" not in body:
            raise BadInput('send JSON {"rows": [{"column": value, ...}, ...]}')
        return rows_from_json(body["rows"]), "rows", []
    if request.files:
        data, name = uploaded("csv")
        frame, notes = read_rows(data, name, current_app.config["NA_VALUES"])
        return frame, name, notes
    if request.mimetype not in FORMS and (body := request.get_data()):
        kind = request.mimetype or "none"
        if body.lstrip()[:1] in (b"{", b"["):
            raise BadInput(f"the body looks like JSON but came with Content-Type: {kind}; send it with "
                           "Content-Type: application/json")
        raise BadInput(f"a body with Content-Type: {kind} is not read; send JSON {{\"rows\": [...]}} with "
                       "Content-Type: application/json, or a CSV as the multipart form field 'csv'")
    return rows_from_json([request.form.to_dict()]), "the form", []


def _unreadable_json(body: bytes) -> str:
    """Why a body sent as JSON could not be read: its encoding, or where its syntax breaks."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (f"the JSON body is not UTF-8 (byte 0x{body[exc.start]:02x} at position {exc.start}); send it "
                "encoded as UTF-8")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"the body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    return 'send JSON {"rows": [{"column": value, ...}, ...]}'


def predict_rows(model: TableModel):
    frame, where, notes = table_of(model)
    predicted, more = model.predict(frame, where)
    return predicted, notes + more


def row_result(model: TableModel) -> dict:
    """The page's answer for one row of the form: the prediction and, for classes, their probabilities."""
    predicted, notes = predict_rows(model)
    if predicted.get("reason") is not None and predicted["reason"].iloc[0]:
        raise BadInput("the form is empty: fill in at least one value (a blank number is imputed as in training)")
    ranked = sorted(_probabilities(predicted.iloc[0], model.classes).items(), key=lambda cp: -cp[1])
    value = predicted["predicted"].iloc[0]
    return {"predicted": value if model.task == "classification" else f"{value:.6g}", "notes": notes,
            "top": [{"class": c, "probability": p} for c, p in ranked]}


@pages.get("/")
def index():
    return render_template("index.html", models=_models(), kinds=KINDS)


@pages.get("/health")
def health():
    return jsonify(status="ok", models={name: m.state if isinstance(m, Missing) else "ready"
                                        for name, m in _models().items()})


@pages.route("/models/<name>", methods=["GET", "POST"])
def page(name: str):
    model = served(name)
    result, values, status = None, {}, 200
    if request.method == "POST":
        try:
            if isinstance(model, ImageModel):
                result, pixels = predict_image(model, TOP)
                result["seen"] = _png_data_uri(pixels)
            else:
                values, result = request.form.to_dict(), row_result(model)
        except BadInput as exc:
            result, status = {"error": str(exc)}, 400
    return render_template("model.html", name=name, model=model, result=result, values=values), status


@pages.post("/models/<name>/csv")
def csv_download(name: str):
    model = served(name)
    if not isinstance(model, TableModel):
        raise NotFound(f"{name} predicts images; upload one on /models/{name}")
    try:
        frame, where, _ = table_of(model)
        annotated, _ = model.annotate(frame, where)
    except BadInput as exc:
        return render_template("model.html", name=name, model=model, result={"error": str(exc)}, values={}), 400
    return Response(annotated.to_csv(index=False), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=predictions.csv"})


@pages.post("/api/predict/<name>")
def api(name: str):
    model = served(name)
    try:
        if isinstance(model, ImageModel):
            return jsonify(predict_image(model, _top_k(model))[0])
        predicted, notes = predict_rows(model)
    except BadInput as exc:
        return jsonify(error=str(exc)), 400
    labels = predicted["predicted"].tolist()  # as written: 1, True, '양성' (a row of floats would make 1 a 1.0)
    rows = [{"predicted": label, "probabilities": _probabilities(row, model.classes)}
            | ({"reason": row["reason"]} if row.get("reason") else {})
            for label, (_, row) in zip(labels, predicted.iterrows())]
    return jsonify(model=name, predictions=rows, notes=notes)


def http_error(exc: HTTPException):
    """JSON for the API; on a model's page, the page again with the error in one sentence; else an error page."""
    message = exc.description
    if isinstance(exc, RequestEntityTooLarge):
        message = f"the upload is over the {current_app.config['MAX_UPLOAD_MB']:g} MB limit: send a smaller file"
    if request.path.startswith("/api/") or request.path == "/health":
        return jsonify(error=message), exc.code
    model = _models().get((request.view_args or {}).get("name"))
    if model is not None and not isinstance(model, Missing):
        return render_template("model.html", name=model.kind.name, model=model, result={"error": message},
                               values={}), exc.code
    page = render_template("error.html", code=exc.code, message=message, missing=isinstance(exc, NotBuilt))
    return page, exc.code


class NotFound(HTTPException):
    code = 404


class NotBuilt(HTTPException):
    code = 503


def _top_k(model: ImageModel) -> int:
    try:
        return max(1, min(int(request.args.get("top", TOP)), len(model.classes)))
    except ValueError:
        raise BadInput(f"top={request.args['top']!r} is not a whole number") from None


def _probabilities(row, classes: list[str]) -> dict[str, float]:
    """A row's probability per class; none for a row with no prediction (JSON has no NaN)."""
    return {c: float(row[f"probability_{c}"]) for c in classes
            if f"probability_{c}" in row and pd.notna(row[f"probability_{c}"])}


def _png_data_uri(pixels) -> str:
    """The model's view of an upload, as an inline PNG (nothing written to disk)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m serve.app", description="Serve the saved models over HTTP.")
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to be reachable from other machines")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--max-upload-mb", type=float, default=16)
    parser.add_argument("--max-megapixels", type=float, help="larger images are refused undecoded (default: "
                        "params.yaml's images.max_megapixels, the cap ingest_images applies)")
    args = parser.parse_args(argv)
    try:
        app = create_app(max_upload_mb=args.max_upload_mb, max_megapixels=args.max_megapixels)
    except PipelineError as exc:  # params.yaml unreadable or invalid: one line, as the stages say it
        print(f"error: serve: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    for name, model in app.extensions["models"].items():
        print(f"{name}: {model.message if isinstance(model, Missing) else model.about.predicts}")
    server = waitress_server(app, args.host, args.port, args.threads)
    print(f"serving http://{args.host}:{server.effective_port}/ with waitress ({args.threads} threads)", flush=True)
    server.run()


def waitress_server(app: Flask, host: str, port: int, threads: int):
    """waitress with the app's upload limit as its own: a body over it is refused from its Content-Length, unread
    (413), and one under it is held in memory (inbuf_overflow), so nothing a client sends is spooled to disk."""
    import waitress

    limit = app.config["MAX_CONTENT_LENGTH"]
    return waitress.create_server(app, host=host, port=port, threads=threads, max_request_body_size=limit,
                                  inbuf_overflow=limit)


if __name__ == "__main__":
    main()
