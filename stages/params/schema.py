"""params.yaml's schema: one pydantic model per section, the field types they share, and every allowed value.

params.yaml holds every default (DVC needs each declared key to exist there), so the schema has
none: a missing key is an error, like a misspelt one.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator

from stages.core.images.names import BACKBONES
from stages.core.tabular.names import (
    BUILTIN_DATASETS,
    CLASSIFICATION_METRICS,
    CLUSTER_METHODS,
    MODEL_NAMES,
    REGRESSION_METRICS,
    ZOO_NAMES,
)
from stages.core.tabular.names import KINDS as COLUMN_KINDS


class Section(BaseModel):
    # defer_build: a section's validator is built when it first validates, so a stage that loads three sections
    # builds three (stages.params.loading.load_params), not fifteen (about 0.1 s of every stage's start-up)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# the field types sections share
def _not_empty(values: list) -> list:
    if not values:
        raise ValueError("the list is empty; name at least one")
    return values


def _n_jobs(value: int) -> int:
    if value == 0:
        raise ValueError("0 processes cannot run anything; use a count >= 1, or -1 for all cores")
    return value


def _threshold(value: Any) -> float | dict:
    def probability(x, high: float) -> bool:
        return type(x) in (int, float) and 0 < x < high

    if probability(value, 1):
        return float(value)
    if isinstance(value, dict) and set(value) == {"sensitivity"} and probability(value["sensitivity"], 1.0001):
        return {"sensitivity": float(value["sensitivity"])}
    raise ValueError("give a cut on the positive class's probability between 0 and 1 (0.5: the more probable class), "
                     "or {sensitivity: 0.95}: the cut that reaches that sensitivity on the validation split")


def _table_threshold(value: Any) -> float | str | dict:
    if type(value) in (int, float) and 0 < value < 1:
        return float(value)
    if value == "best_f1":
        return value
    if (isinstance(value, dict) and len(value) == 1 and set(value) <= {"sensitivity", "precision"}
        and type(next(iter(value.values()))) in (int, float) and 0 < next(iter(value.values())) <= 1):
        return {k: float(v) for k, v in value.items()}
    raise ValueError("give 0.5 (the more probable class), a fixed cut between 0 and 1, {sensitivity: 0.95} or "
                     "{precision: 0.9} (the cut that keeps it on the training folds), or best_f1")


Positive = Annotated[int, Field(ge=1)]
Share = Annotated[float, Field(gt=0, lt=1)]
Dropout = Annotated[float, Field(ge=0, lt=1)]
Rate = Annotated[float, Field(gt=0)]  # a learning rate
Momentum = Annotated[float, Field(ge=0, lt=1)]  # sgd only
NJobs = Annotated[int, AfterValidator(_n_jobs)]
Layers = Annotated[list[Positive], AfterValidator(_not_empty)]  # one block or layer per entry
Threshold = Annotated[float | dict, PlainValidator(_threshold)]  # binary networks: where positive starts
ClassWeight = Literal["none", "balanced"]  # balanced: each class weighs as much in the loss, however rare
Precision = Literal["auto", "on", "off"]  # mixed precision; auto: on only on a GPU


def _regex(value: str) -> str:
    try:
        if re.compile(value).groups > 1:
            raise ValueError("at most one (group) in it: the part of the file name that names the group")
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc}); e.g. '^(person\\d+|IM-\\d+)'") from None
    return value


def _separator(value: str | None) -> str | None:
    if value is None or value == "whitespace" or (isinstance(value, str) and len(value) == 1):
        return value
    raise ValueError("give one character, e.g. ',' or ';' or '\\t' (tab), whitespace (runs of spaces and tabs), "
                     "or null to detect it")


class DataParams(Section):
    dataset: Literal[BUILTIN_DATASETS]  # used when csv is null
    csv: str | None  # a CSV under data/raw/tables/, tracked with `dvc add`
    target: str | None  # the class column, or the numeric target; null: no labels (clustering only)
    task: Literal["auto", "classification", "regression"]  # auto: read from the target column
    positive_class: str | bool | int | None  # binary metrics are about it; null: the rarer class of the training split
    sep: Annotated[str | None, PlainValidator(_separator)]  # null: detected; whitespace: runs of spaces and tabs
    header: Literal["auto"] | bool  # auto: a first row that looks like data stops ingest; false: it is data
    columns: Annotated[list[str], AfterValidator(_not_empty)] | None  # the names of a headerless file's columns
    decimal: Literal["auto", ".", ","]  # the CSV's decimal mark; auto: read from its numbers
    thousands: Literal[".", ",", " ", "'"] | None  # the thousands separator; null: read from the numbers
    na_values: list[str]  # cells read as missing (besides pandas' defaults), spaces around them ignored
    kinds: dict[str, Literal[COLUMN_KINDS]]  # force a column's kind (stages/core/tabular/columns.py); {}: detected
    drop: list[str]  # columns to ignore: identifiers, free text, leaks
    case_sensitive_classes: bool  # false: `yes`, `Yes ` and `YES` are one class (with a note)
    merge_classes: dict[str | int | bool, str | int | bool]  # {3: 4}: class 3's rows count as class 4
    duplicates: Literal["drop", "keep"]  # exact duplicate rows of a CSV: drop (with a note), or keep them
    rare_classes: Literal["fewer_folds", "error"]  # a class rarer than the folds: fewer folds (printed) | stop
    test_size: Share
    table_report: bool  # reports/ingest/table.html: skrub's TableReport of the ingested table; false: a stub page
    report_rows: Literal["auto"] | Annotated[int, Field(ge=100)] | None  # auto: every row up to 100,000, else a
    # seeded sample of 100,000 | a count | null (every row)


class PreprocessParams(Section):
    scale: Literal["standard", "minmax", "robust", "none"]
    impute: Literal["mean", "median", "most_frequent"]  # numeric columns; categoricals take the mode
    max_categories: Annotated[int, Field(ge=2)] | None  # one-hot: rarer categories pooled
    target_transform: Literal["none", "log"]  # regression: fit on log(target), report in its units


def _subset_size(value: int | str) -> int | str:
    # strict on purpose: YAML's `true` or `3.5` is a typo, not a count
    if value in ("best", "parsimonious") or (type(value) is int and value >= 1):
        return value
    raise ValueError("choose a number of features >= 1, best (highest CV score) or parsimonious "
                     "(fewest features within one standard error of the best)")




class RfeParams(Section):
    step: Annotated[int, Field(ge=1)]  # features dropped per elimination round


class SfsParams(Section):
    direction: Literal["forward", "backward"]
    floating: bool  # after each step, try undoing earlier ones (SFFS / SBFS)
    cv: Annotated[int, Field(ge=2)]  # folds SFS uses to score each candidate subset
    scoring: str  # what SFS maximises (a scikit-learn scorer name)
    n_jobs: NJobs  # -1: all cores


class FeaturesParams(Section):
    method: Literal["auto", "chi2", "f_test", "mutual_info", "rfe", "sfs", "none"]  # auto: chi2 or f_test
    k: Annotated[int | str, PlainValidator(_subset_size)]
    estimator: Literal[("auto", *ZOO_NAMES)]  # auto: the task's linear model
    cv: Literal["auto"] | Annotated[int, Field(ge=2)]  # folds of the score curve (selection refitted in each)
    curve_rows: Literal["auto"] | Annotated[int, Field(ge=100)] | None  # the curve's rows: auto (a sample above
    # 10,000), a count, or null (every row)
    scoring: str  # the curve's score, and what best/parsimonious maximise (auto: accuracy or r2)
    rfe: RfeParams
    sfs: SfsParams


ModelName = Literal[MODEL_NAMES]
Metric = Literal[tuple(dict.fromkeys([*CLASSIFICATION_METRICS, *REGRESSION_METRICS]))]


class CompareParams(Section):
    models: Literal["auto"] | Annotated[list[ModelName], AfterValidator(_not_empty)]  # auto: the task's list
    metrics: Literal["auto"] | Annotated[list[Metric], AfterValidator(_not_empty)]
    sort_by: Literal["auto"] | Metric  # ranks the table and picks the winner (auto: accuracy or r2)
    folds: Literal["auto"] | Annotated[int, Field(ge=2)]  # auto: by the training rows (stages/core/tabular/sizing.py)
    repeats: Literal["auto"] | Annotated[int, Field(ge=1)]
    n_jobs: NJobs  # folds in parallel (-1: all cores)
    size_rules: bool  # svm, random_forest and knn adapt to large tables (compare and tune); false: as on small ones
    # rows compare and tune's search score on: auto (a 100,000-row sample above that), a count, or null (every row)
    rows: Literal["auto"] | Annotated[int, Field(ge=1000)] | None
    ensemble_top: Annotated[int, Field(ge=0)]  # voting and stacking of the top models (0 or 1: neither)
    ensemble_selection: Annotated[int, Field(ge=0)]  # rounds of Caruana's greedy selection; 0: none
    stacking: Literal["auto"] | bool  # auto: while its fits are at most a quarter of the single models'
    racing: Annotated[float, Field(ge=0, lt=1)]  # after 4 folds and each repeat, a model behind at p < this stops


class Distribution(Section):
    """A range for random search: uniform, or log-uniform when `log` (integers stay integers)."""

    low: int | float
    high: int | float
    log: bool = False


class TuneParams(Section):
    model: Literal[("best", *MODEL_NAMES)]  # best: compare_models' winner
    search: Literal["auto", "grid", "random", "halving"]  # auto: grid, or halving on large tables
    cv: Literal["auto"] | Annotated[int, Field(ge=2)]  # auto: 5, or 3 from 10,000 training rows
    n_iter: Annotated[int, Field(ge=1)]  # candidates drawn by random (and random halving) search
    scoring: str
    n_jobs: NJobs
    max_candidates: Annotated[int, Field(ge=1)]  # refuse searches larger than this
    stop_early: bool  # grid, random: a third of the candidates first, the rest only if one beats the fold noise
    # features kept, searched with the model; null: select_features' k
    k: Literal["auto"] | Layers | Distribution | None
    spaces: dict[ModelName, dict[str, list[Any] | Distribution]]
    # two classes: 0.5 | a cut | {sensitivity: s} | {precision: p} | best_f1, chosen on the training folds
    threshold: Annotated[float | str | dict, PlainValidator(_table_threshold)]


def _scheduler(value: Any) -> str:
    if value == "local" or (isinstance(value, str) and re.fullmatch(r"(tcp|tls)://[^\s:/]+:\d+", value)):
        return value
    raise ValueError("use local (a LocalCluster of compute.workers processes on this machine) or the Dask "
                     "scheduler's address, e.g. tcp://10.0.0.5:8786")


class BiasVarianceParams(Section):  # stage bias_variance: learning and validation curves of the tuned model
    sizes: Annotated[int, Field(ge=3, le=20)]  # training sizes of the learning curve, 10% .. 100% of a fold's rows
    param: str  # the validation curve's hyper-parameter (params.yaml's name, e.g. max_depth); auto: per model
    values: Literal["auto"] | Annotated[list[Any], AfterValidator(_not_empty)]  # its values; auto: the model's range
    n_jobs: NJobs


class EvaluateParams(Section):  # stage evaluate: what the final model learned, on the test split
    importance_repeats: Literal["auto"] | Annotated[int, Field(ge=1)]  # shuffles per column; auto: by the test rows
    importance_rows: Literal["auto"] | Annotated[int, Field(ge=100)] | None  # auto: up to 10,000 test rows
    tree_depth: Annotated[int, Field(ge=1, le=8)]  # levels of a decision tree winner drawn


class ComputeParams(Section):
    backend: Literal["local", "dask"]  # where compare_models, tune and SFS fit: joblib here, or a Dask cluster
    scheduler: Annotated[str, PlainValidator(_scheduler)]  # dask: local (LocalCluster) or tcp://host:port
    workers: Positive  # dask with scheduler local: worker processes (one thread each)



def _cluster_count(value: int | str) -> int | str:
    if value == "auto" or (type(value) is int and value >= 2):
        return value
    raise ValueError("choose a number of clusters >= 2, or auto (the best silhouette over cluster.k_range)")


def _k_range(value: Any) -> list[int]:
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        raise ValueError("give [low, high], the smallest and largest k to try, e.g. [2, 10]")
    low, high = value
    if low < 2 or high < low:
        raise ValueError(f"needs 2 <= low <= high (k from {low} to {high} is {'reversed' if high < low else 'below 2'})"
                         "; e.g. [2, 10]")
    return value


class ClusterParams(Section):
    method: Literal[CLUSTER_METHODS]  # agglomerative: ward linkage
    k: Annotated[int | str, PlainValidator(_cluster_count)]  # auto: the best silhouette over k_range
    k_range: Annotated[list[int], PlainValidator(_k_range)]  # [low, high], inclusive: the curves' k
    n_init: Positive  # k-means and gaussian_mixture restarts (the best kept)
    bootstrap: Annotated[int, Field(ge=0)]  # resamples for the stability score; 0: skip it


class ImagesParams(Section):
    source: str  # digits (built in), or a folder of images under data/raw/images/
    layout: Literal["auto", "subfolders", "presplit", "prefix"]
    image_size: Literal["auto"] | Positive  # square side in pixels after resizing; auto: by the source
    channels: Literal["auto", 1, 3]  # auto: 3 when most sampled files are in colour
    resize: Literal["squash", "pad", "crop"]  # pad: keep the aspect ratio, black bars
    val_size: Share  # ignored when the folder brings its own val/ split
    test_size: Share  # ignored when the folder brings its own test/ split
    strict: bool  # unreadable or loose files: error (true) or skip with a warning (false)
    n_jobs: NJobs  # decoding threads (-1: all cores)
    min_side: Positive  # images narrower or shorter than this many pixels are unreadable (a 1x1 icon is no photo)
    max_megapixels: Annotated[float, Field(gt=0)]  # images declaring more pixels are never decoded (ingest and serve)
    positive_class: str | int | None  # binary folders: what sensitivity etc. are about; null: the rarer class
    augment: Literal["auto"] | bool  # train_cnn's augmentation layers; auto: on for photos (32 px and up)
    group: Annotated[str, AfterValidator(_regex)] | None  # a regex finding a file name's group (a patient)


class ConvParams(Section):
    filters: Literal["auto"] | Layers  # one convolution block per entry; auto: until the map is under 8 px
    batch_norm: Literal["auto"] | bool  # auto: from 3 blocks
    pooling: Literal["auto", "flatten", "avg"]  # before the dense layer; auto: avg (global) from 3 blocks
    kernel_size: Positive
    pool_size: Annotated[int, Field(ge=2)]
    dropout: Dropout  # after each block (none when batch_norm is on)
    dense_units: Positive
    dense_dropout: Dropout


class MlpParams(Section):
    units: Layers
    dropout: Dropout


class AugmentParams(Section):
    flip: Literal["horizontal", "vertical", "horizontal_and_vertical", "none"]
    rotation: Annotated[float, Field(ge=0, le=0.5)]  # fraction of a full turn
    zoom: Dropout  # a share in [0, 1)
    contrast: Annotated[float, Field(ge=0, le=1)]  # a share of the contrast, up or down


class Training(Section):
    """What every network's fit takes: train_cnn's, train_dnn's and transfer's sections share it."""
    learning_rate: Rate  # transfer: phase 1, and the from-scratch baseline
    batch_size: Positive
    epochs: Positive  # transfer: phase 1
    patience: Positive  # early stopping on validation loss; the best weights are kept
    class_weight: ClassWeight  # train_dnn: classification only


class Optimizer(Training):
    optimizer: Literal["adam", "sgd"]
    momentum: Momentum


class CnnParams(Optimizer):
    model: Literal["cnn", "mlp"]
    patience: Literal["auto"] | Positive  # auto: about 320 batches without a gain, 8 to 20 epochs
    reduce_lr: Literal["auto"] | bool  # halve the rate on a val_loss plateau; auto: on for photos (32 px and up)
    conv: ConvParams
    mlp: MlpParams
    augment: AugmentParams
    threshold: Threshold
    mixed_precision: Precision


class DnnParams(Optimizer):
    features: Literal["selected", "all"]  # select_features' columns, or every encoded column
    units: Layers  # dense layers, ReLU, He initialisation
    dropout: Dropout  # after each dense layer
    batch_norm: bool  # BatchNormalization between each dense layer and its ReLU
    loss: Literal["auto", "categorical_crossentropy", "mse", "huber"]  # auto: by task
    val_size: Share  # of the training split, seeded (stratified for classes): early stopping's rows


class HeadParams(Section):
    pooling: Literal["avg", "flatten"]  # global average pooling, or flatten
    dense_units: Annotated[int, Field(ge=0)]  # 0: the softmax right after pooling
    dropout: Dropout


def _source_classes(value: Any) -> str | list:
    if value == "auto" or (isinstance(value, list) and value
                           and all(type(v) in (str, int) for v in value)):
        return value
    raise ValueError("auto (the first half of the classes, in labels.json's order) or a list of class names, "
                     "e.g. [cat, dog]")


class PipelineBackboneParams(Section):
    source_classes: Annotated[str | list, PlainValidator(_source_classes)]  # pre-trained on; the rest: the target
    filters: Layers  # conv -> BatchNorm -> ReLU -> max-pool blocks
    epochs: Positive  # of pre-training
    target_samples_per_class: Positive | None  # labelled images per target class (few-shot); null: all


class TransferParams(Training):
    backbone: Literal[BACKBONES]
    weights: str  # imagenet | none | a file under data/weights/
    input_size: Positive | None  # side the backbone sees; null: stored size, raised to the backbone's minimum
    pipeline: PipelineBackboneParams
    head: HeadParams
    fine_tune_layers: Annotated[int, Field(ge=0)]  # phase 2: top layers with weights unfrozen (BatchNorm stays)
    fine_tune_lr: Rate
    fine_tune_epochs: Annotated[int, Field(ge=0)]
    threshold: Threshold
    scratch: bool  # also train the same network from random weights, same images and epochs
    mixed_precision: Precision


class LessonsParams(Section):  # `scratch`: nets_from_scratch, the lessons in numpy
    learning_rate: Annotated[float, Field(gt=0)]  # every SGD experiment, and the perceptron's step
    epochs: Positive
    batch_size: Positive  # the mini-batch runs
    momentum: Annotated[float, Field(ge=0, lt=1)]  # the momentum run, the XOR and iris networks
    hidden_units: Positive  # the iris network's hidden layer
    activation: Literal["relu", "tanh", "sigmoid"]  # the iris network's hidden layer
    dropout: Dropout  # the iris network's hidden layer
    depth: Positive  # hidden layers of the vanishing-gradient networks
    test_size: Share  # iris split for the softmax network


class Params(Section):
    seed: Annotated[int, Field(ge=0)]
    data: DataParams
    preprocess: PreprocessParams
    features: FeaturesParams
    compare: CompareParams
    tune: TuneParams
    bias_variance: BiasVarianceParams
    evaluate: EvaluateParams
    compute: ComputeParams
    cluster: ClusterParams
    dnn: DnnParams
    scratch: LessonsParams
    images: ImagesParams
    cnn: CnnParams
    transfer: TransferParams
