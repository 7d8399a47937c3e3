"""The models the stages saved, loaded once: the tuned tabular model and the two image networks.

A kind whose file is missing becomes `Missing`, which names the `dvc repro` target that makes it; so does a kind
whose saved files are there but broken (truncated, emptied, not what they should be): the other models are still
served, and that card says which file and how to remake it. The model files are pickles and Keras archives, which
run code when loaded: only the files this project's stages wrote are trusted. Each loaded
model carries where it came from (the commit, whether dvc.lock records this very file) and its test metrics
from reports/, so a page or a CSV of predictions can say which model answered.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from serve.cards import MAJORITY, image_predicts, score_words, table_predicts
from serve.tables import BadInput, check_rows
from stages.common import paths
from stages.common.io import read_json, saved
from stages.core.classes import positive_code
from stages.core.errors import PipelineError
from stages.core.evaluation import metric_numbers
from stages.core.images.pixels import Unreadable, read_image
from stages.core.tabular.models import inner
from stages.core.training.imbalance import decide


@dataclass(frozen=True)
class Kind:
    name: str  # in URLs and on the command line
    title: str
    inputs: str  # "table" | "image"
    model: Path
    labels: Path
    metrics: Path  # its test metrics
    target: str  # `dvc repro <target>` makes the model and its metrics


KINDS = {k.name: k for k in (
    Kind("tabular", "Tabular model", "table", paths.MODEL, paths.LABELS, paths.EVALUATE_METRICS, "evaluate"),
    Kind("train_cnn", "Image network trained from scratch", "image", paths.CNN_MODEL, paths.CNN_LABELS,
         paths.CNN_METRICS, "train_cnn"),
    Kind("transfer", "Transfer-learned image network", "image", paths.TRANSFER_MODEL, paths.TRANSFER_LABELS,
         paths.TRANSFER_METRICS, "transfer"),
)}


@dataclass(frozen=True)
class Missing:
    kind: Kind
    broken: str | None = None  # a saved file that is there but cannot be read: which, and how to remake it

    @property
    def message(self) -> str:
        if self.broken:
            return f"unavailable: {self.broken}"
        return (f"{self.kind.model} does not exist yet: run `dvc repro {self.kind.target}` "
                "(or `make repro` for everything), then restart")

    @property
    def state(self) -> str:
        return "broken" if self.broken else "missing"


@dataclass(frozen=True)
class About:
    """What the page shows above the form, in plain words: what the model predicts, how it scored on the test
    split against the baseline it must beat, what it is, where it came from; and its test metrics."""
    predicts: str  # "benign or malignant tumour from 30 measurements"
    score: str  # "test accuracy 98.2%, against 63.2% for always answering benign"
    description: str
    commit: str
    metrics: dict[str, float]


BLANK = "no values: a blank row, or every column the model reads is missing"


class TableModel:
    """models/tune/model.joblib: raw rows in, class names and probabilities out (or values, for regression)."""

    def __init__(self, kind: Kind, estimator, labels: dict, about: About):
        self.kind, self.estimator, self.about = kind, estimator, about
        self.classes, self.target, self.task = labels["classes"], labels["target"], labels["task"]
        fitted = estimator.pipeline_.named_steps["preprocess"].named_transformers_
        self.numeric = list(labels["numeric"])
        self.defaults = {}  # what the form starts with: the training medians (means) and most frequent values
        if self.numeric:
            self.defaults = dict(zip(self.numeric, fitted["numeric"]["impute"].statistics_.tolist()))
        self.categories = {}
        if labels["categorical"]:
            encoder, imputer = fitted["categorical"]["encode"], fitted["categorical"]["impute"]
            self.categories = {c: known.tolist() for c, known in zip(labels["categorical"], encoder.categories_)}
            self.defaults |= dict(zip(labels["categorical"], imputer.statistics_.tolist()))
        # dates and many-valued text, read as ingest read them; the training range of each number
        self.others = {c: {"kind": kind, "date_format": "%Y-%m-%d"} | labels.get("formats", {}).get(c, {})
                       for kind in ("date", "text") for c in labels.get(kind, [])}
        self.ranges = labels.get("ranges", {})

    def predict(self, frame: pd.DataFrame, where: str) -> tuple[pd.DataFrame, list[str]]:
        """One row per input row, in order: `predicted` (a class, or a value in the target's units), and
        `probability_<class>` when the classifier gives probabilities. A row with none of the model's values (a
        blank line) keeps its place with no prediction, and a `reason` column says why."""
        rows, notes = check_rows(frame, self.numeric, self.categories, where, self.others, self.ranges)
        blank = rows.isna().all(axis=1).to_numpy()
        known = rows[~blank]
        out = pd.DataFrame({"predicted": pd.Series([None] * len(rows), dtype=object)})
        if len(known):
            predicted = pd.Series(self.estimator.predict(known)).tolist()  # Python values: 1, True, '양성'
            out.loc[~blank, "predicted"] = pd.Series(predicted, dtype=object).to_numpy()
        if self.task == "regression":
            out["predicted"] = pd.to_numeric(out["predicted"]).astype(float)
        elif hasattr(self.estimator, "predict_proba"):
            for name in self.classes:
                out[f"probability_{name}"] = np.nan
            if len(known):
                probabilities = self.estimator.predict_proba(known)
                for name in self.classes:
                    out.loc[~blank, f"probability_{name}"] = probabilities[name].to_numpy()
        else:
            notes.append(f"{type(inner(self.estimator.pipeline_.named_steps['model'])).__name__} gives no "
                         "probabilities, only the class")
        if blank.any():
            out["reason"] = np.where(blank, BLANK, "")
            lines = [str(i + 1) for i in np.flatnonzero(blank)]
            notes.append(f"{int(blank.sum())} row(s) have none of the model's values ({', '.join(lines[:5])}"
                         f"{', ...' if len(lines) > 5 else ''}): kept in place with no prediction")
        return out, notes

    def annotate(self, frame: pd.DataFrame, where: str) -> tuple[pd.DataFrame, list[str]]:
        """Every input row as given (extra columns too), then its prediction: what a CSV of predictions holds."""
        predicted, notes = self.predict(frame, where)
        return pd.concat([frame.reset_index(drop=True), predicted], axis=1), notes


class ImageModel:
    """A saved Keras network: images read exactly as ingest_images read the training images, class
    probabilities out. One prediction at a time per model (a lock), so threads can share it safely."""

    def __init__(self, kind: Kind, network, labels: dict, about: About):
        self.kind, self.network, self.about = kind, network, about
        self.classes = labels["classes"]
        self.size, self.channels, self.resize = labels["image_size"], labels["channels"], labels["resize"]
        # two classes: the cut on the positive class's probability the stage measured its metrics with
        self.positive = positive_code(self.classes, labels.get("positive"))
        self.threshold = labels.get("threshold")
        self._lock = threading.Lock()  # one forward pass at a time
        self._waiting: list[_Slot] = []  # single images queued for the next forward pass
        self._queue_lock = threading.Lock()

    def read(self, source, name: str, max_pixels: int | None = None) -> tuple[np.ndarray, str | None]:
        """(size, size, channels) uint8 pixels and a note on an unusual value range; `source` is a path or a
        binary file object; an image declaring more than `max_pixels` is refused undecoded."""
        try:
            return read_image(source, self.size, self.channels, self.resize, max_pixels=max_pixels)
        except Unreadable as exc:
            raise BadInput(f"{name}: {exc}") from None

    def probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """(n, classes) softmax outputs for a (n, size, size, channels) uint8 batch."""
        with self._lock:
            return np.asarray(self.network.predict_on_batch(pixels), dtype=np.float64)

    def probabilities_of_one(self, pixels: np.ndarray, max_batch: int = 32) -> np.ndarray:
        """One image's softmax outputs, for a server thread. Images that arrive while a forward pass runs
        wait together, and the next thread through runs them as one batch: 8 concurrent requests cost about
        one batch of 8 (2.3 ms for 4 digits on 2 cores) rather than 8 passes of 1 (1.6 ms each)."""
        slot = _Slot(pixels)
        with self._queue_lock:
            self._waiting.append(slot)
        with self._lock:
            while slot.result is None:
                with self._queue_lock:
                    batch, self._waiting = self._waiting[:max_batch], self._waiting[max_batch:]
                outputs = np.asarray(self.network.predict_on_batch(np.stack([s.pixels for s in batch])), np.float64)
                for waiting, output in zip(batch, outputs):
                    waiting.result = output
        return slot.result

    def top(self, probabilities: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The predicted class first, then the others by probability. Two classes with a threshold: the positive
        class is predicted from the threshold on, as the stage decided on its test images."""
        order = np.argsort(-probabilities, kind="stable")
        predicted = decide(probabilities[None], self.positive, self.threshold)[0]
        order = [predicted, *(i for i in order if i != predicted)][:k]
        return [(self.classes[i], float(probabilities[i])) for i in order]


@dataclass
class _Slot:
    pixels: np.ndarray
    result: np.ndarray | None = None


def load(name: str, root: Path = Path(".")):
    """The model of kind `name` under `root`, or Missing when its file does not exist or a file it needs is
    broken."""
    kind = KINDS[name]
    if not (root / kind.model).is_file():
        return Missing(kind)
    try:
        return _load(kind, root)
    except PipelineError as exc:
        return Missing(kind, str(exc))


def _load(kind: Kind, root: Path):
    labels, evaluated = _json(root, kind.labels, required=True), _json(root, kind.metrics)
    if kind.inputs == "table":
        import joblib

        with saved(kind.model, root):
            estimator = joblib.load(root / kind.model)
            step = type(inner(estimator.pipeline_.named_steps["model"])).__name__  # a foreign pickle fails here
        best, tuned = _json(root, paths.BEST_PARAMS), _json(root, paths.TUNE_METRICS)
        state = ("untuned: tuning found no better settings on the training folds, so the compared ones were kept"
                 if tuned.get("tuned_model_kept") is False else "tuned on the training folds")
        description = f"{best.get('model', step)} ({step}), {state}"
        source = _json(root, paths.PROFILE).get("source", "")
        if labels["task"] == "classification":
            score = score_words("accuracy", evaluated.get("accuracy"), evaluated.get("baseline", {}).get("accuracy"),
                           MAJORITY)
        else:
            score = score_words("R²", evaluated.get("r2"), evaluated.get("baseline", {}).get("r2"),
                           "for always answering the training mean")
        return TableModel(kind, estimator, labels,
                          _about(root, kind, evaluated, table_predicts(labels, source), score,
                                 description))
    import keras

    import stages.core.images.backbones  # noqa: F401  registers BackboneInput, the transfer model's first layer
    import stages.core.training.runtime  # noqa: F401  (quiet TensorFlow start-up) before Keras loads

    side = labels["image_size"]
    with saved(kind.model, root):
        network = keras.saving.load_model(root / kind.model, compile=False)
        network.predict_on_batch(np.zeros((1, side, side, labels["channels"]), np.uint8))  # traced now, not later
    colour = "grey" if labels["channels"] == 1 else "colour"
    description = (f"a network of {network.count_params():,} weights that sees each image as {side} × {side} "
                   f"{colour} pixels")
    transfer = kind.name == "transfer"
    score = score_words("accuracy", evaluated.get("transfer_accuracy" if transfer else "test_accuracy"),
                   evaluated.get("baseline_accuracy"), MAJORITY)
    predicts = image_predicts(labels["classes"], _image_source(root) == "digits", transfer)
    return ImageModel(kind, network, labels, _about(root, kind, evaluated, predicts, score, description))


def load_all(root: Path = Path(".")) -> dict:
    return {name: load(name, root) for name in KINDS}


def _json(root: Path, path: Path, required: bool = False) -> dict:
    """A saved JSON object; {} when an optional one is absent. One that is there but broken names itself."""
    if not required and not (root / path).is_file():
        return {}
    return read_json(path, root, dict)


def _image_source(root: Path) -> str | None:
    """params.yaml's images.source: the built-in digits, or a folder."""
    try:
        return (yaml.safe_load((root / "params.yaml").read_text()) or {}).get("images", {}).get("source")
    except (OSError, yaml.YAMLError, AttributeError):
        return None


def _about(root: Path, kind: Kind, evaluated: dict, predicts: str, score: str, description: str) -> About:
    return About(predicts, score, description, _provenance(root, kind.model), metric_numbers(evaluated))


def _provenance(root: Path, model: Path) -> str:
    """Which commit's dvc.lock records this exact file, or that it is an uncommitted run."""
    def git(*args) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("log", "-1", "--format=%h (%cs)")
    after = f" after commit {head}" if head else ""
    lock = root / "dvc.lock"
    recorded = {}
    if lock.is_file():
        for stage in (yaml.safe_load(lock.read_text()) or {}).get("stages", {}).values():
            recorded |= {out["path"]: out.get("md5") for out in stage.get("outs", [])}
    if str(model) not in recorded:
        return f"made outside the pipeline{after}: no run records it"
    if recorded[str(model)] != hashlib.md5((root / model).read_bytes()).hexdigest():
        return f"trained here{after}, by a run not recorded yet"
    if git("status", "--porcelain", "--", "dvc.lock"):
        return f"trained here{after}; not committed yet"
    return f"trained at commit {head}"
