"""The train/test split and the definition of preprocessing (impute, one-hot encode, scale).

The preprocessor is returned unfitted: stages that cross-validate clone it into every fold's
Pipeline, so no statistic of a validation fold (or of the test split) leaks into training.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, OneHotEncoder, RobustScaler, StandardScaler

from stages.core.errors import PipelineError, plain

MIN_TRAIN_ROWS = 3  # per class: 3 folds at least, and each fold's training part keeps the 2 rows that stacking's
                    # and calibration's inner folds need (1 leaves an inner fold without the class: a crash)
MIN_TEST_ROWS = 1  # per class: its test metrics need one row (a rare class keeps its training rows)

SCALERS = {
    "standard": StandardScaler,
    "minmax": MinMaxScaler,
    "robust": RobustScaler,
    "none": lambda: "passthrough",
}


QUANTILE_BINS = 10  # regression splits stratify on this many quantile bins of the target (fewer on small data)


def split(frame: pd.DataFrame, target: str, test_size: float, seed: int, task: str = "classification", *,
          key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded, stratified train/test split: every class in both parts, or (regression) every quantile bin of
    the target in both, so train and test cover the same range of values."""
    if task == "regression":
        return _split_on_quantiles(frame, target, test_size, seed, key)
    counts = frame[target].value_counts()
    too_rare = counts[counts < MIN_TRAIN_ROWS + MIN_TEST_ROWS]
    if len(too_rare):
        rare = plain(too_rare.index[0])
        raise PipelineError(
            f"class {rare!r} of {target!r} has {too_rare.iloc[0]} row(s); every class needs at least "
            f"{MIN_TRAIN_ROWS + MIN_TEST_ROWS} ({MIN_TRAIN_ROWS} to train on, {MIN_TEST_ROWS} to test): add rows, "
            f"drop the class, or merge it into another with data.merge_classes: {{{rare}: <another class>}}"
        )
    try:
        train, test = train_test_split(frame, test_size=test_size, stratify=frame[target], random_state=seed)
    except ValueError as exc:  # e.g. fewer test rows than classes
        raise PipelineError(f"{key} = {test_size}: {exc}; raise {key} so that each class has a test row") from None
    for part, rows, fix, least in (("test", test, "raise", MIN_TEST_ROWS), ("train", train, "lower", MIN_TRAIN_ROWS)):
        per_class = rows[target].value_counts().reindex(counts.index, fill_value=0)
        short = per_class[per_class < least]
        if len(short):
            raise PipelineError(
                f"{key} = {test_size} leaves class {plain(short.index[0])!r} with {short.iloc[0]} row(s) "
                f"in the {part} split; each class needs at least {least} there: {fix} {key}"
            )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def training_twins(train: pd.DataFrame, test: pd.DataFrame) -> int:
    """Test rows that repeat a training row exactly (features and target): the model is scored on rows it learned,
    so its test score is optimistic (ingest drops such copies unless data.duplicates: keep)."""
    seen = set(pd.util.hash_pandas_object(train, index=False).tolist())
    return int(pd.util.hash_pandas_object(test, index=False).isin(seen).sum())


def _split_on_quantiles(frame: pd.DataFrame, target: str, test_size: float, seed: int, key: str):
    n_test = int(np.ceil(test_size * len(frame)))
    bins = min(QUANTILE_BINS, n_test // 2, (len(frame) - n_test) // 2)
    if bins < 2 or n_test < 2 or len(frame) - n_test < 5:
        raise PipelineError(f"{key} = {test_size} leaves {n_test} test and {len(frame) - n_test} training "
                            f"rows of {len(frame)}; regression needs at least 2 test and 5 training rows: add rows "
                            f"or change {key}")
    strata = pd.qcut(frame[target].rank(method="first"), bins, labels=False)  # ranks: ties cannot empty a bin
    train, test = train_test_split(frame, test_size=test_size, stratify=strata, random_state=seed)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def check_target_transform(transform: str, y: pd.Series, task: str, target: str, *, key: str) -> None:
    """log needs a regression target above zero; classification has nothing to transform."""
    if transform == "none":
        return
    if task != "regression":
        raise PipelineError(f"{key} = {transform!r} transforms a regression target, but the "
                            "task is classification; set it to none")
    if (y <= 0).any():
        raise PipelineError(f"{key} = 'log' needs {target!r} above 0, but its minimum is "
                            f"{plain(y.min())}; use none, or shift the target in the CSV")


def feature_types(features: pd.DataFrame, kinds: dict[str, dict] | None = None) -> dict[str, list[str]]:
    """The feature columns by what preprocessing does with them: `number` imputed and scaled, `category`
    one-hot encoded, `date` expanded, `text` target-encoded. `kinds`: ingest's columns.json; without it (or for a
    column it lacks) numeric columns are numbers and everything else (text, booleans) categories."""
    groups: dict[str, list[str]] = {"number": [], "category": [], "date": [], "text": []}
    for c in features.columns:
        kind = (kinds or {}).get(str(c), {}).get("kind")
        numeric = pd.api.types.is_numeric_dtype(features[c]) and not pd.api.types.is_bool_dtype(features[c])
        if kind in ("date", "text"):
            groups[kind].append(c)
        else:
            groups["number" if numeric else "category"].append(c)
    return groups


def build_preprocessor(groups: dict[str, list[str]], scale: str, impute: str, max_categories: int | None,
                       seed: int = 0) -> ColumnTransformer:
    """The unfitted preprocessing definition; fit it on training rows only. Dates become year, month, day,
    seconds and weekday (skrub's DatetimeEncoder); many-valued text the mean target of its value, cross-fitted
    within the rows it is fitted on (scikit-learn's TargetEncoder), so inside a fold it sees no held-out row."""
    numeric_steps = Pipeline([("impute", SimpleImputer(strategy=impute)), ("scale", SCALERS[scale]())])
    categorical_steps = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("encode", OneHotEncoder(
            handle_unknown="infrequent_if_exist", max_categories=max_categories, sparse_output=False
        )),
    ])
    branches = [("numeric", numeric_steps, groups["number"]), ("categorical", categorical_steps, groups["category"])]
    if groups.get("date"):
        from skrub import DatetimeEncoder, ToDatetime

        branches += [(f"date_{c}", Pipeline([("parse", ToDatetime()), ("expand", DatetimeEncoder(add_weekday=True)),
                                              ("impute", SimpleImputer(strategy="median")),
                                              ("scale", SCALERS[scale]())]), c) for c in groups["date"]]
    if groups.get("text"):
        from sklearn.model_selection import KFold
        from sklearn.preprocessing import TargetEncoder

        # cross-fitted on seeded folds of the rows it is fitted on: no row's encoding saw its own target
        branches.append(("text", TargetEncoder(cv=KFold(5, shuffle=True, random_state=seed)), groups["text"]))
    preprocessor = ColumnTransformer(branches, verbose_feature_names_out=False)
    return preprocessor.set_output(transform="pandas")



def encode_labels(y_train: pd.Series) -> LabelEncoder:
    """Class names -> 0..k-1 in sorted order, learnt from the training split."""
    return LabelEncoder().fit(y_train)


def check_target(target: str | None, columns, source: str, *, key: str) -> None:
    """The supervised stages need a target column that the ingested table has."""
    if target is None:
        raise PipelineError(f"{key} is null (a table without labels), but preprocess and the supervised stages after "
                            f"it learn to predict a target: name its column in {key}, or run the clustering alone: "
                            "dvc repro cluster")
    if target not in columns:
        raise PipelineError(f"{source} has no column {target!r}; re-run ingest (dvc repro)")


def check_positive_for_task(positive, task: str, *, key: str) -> None:
    if positive is not None and task != "classification":
        raise PipelineError(f"{key} = {positive!r} applies to classification, but the task is {task}; set it to null")


def target_record(task: str, target: str, transform: str, classes: list, positive: str | None) -> dict:
    """labels.json's head: the task, the target, its transform, its classes and the positive class."""
    return {"task": task, "target": target, "target_transform": transform, "classes": classes, "positive": positive}


def training_labels(features: pd.DataFrame, target: dict, groups: dict, columns: dict) -> dict:
    """labels.json: the target (target_record), the feature columns by kind, date formats, and the training range
    of every number (serve flags new values far outside it)."""
    labels = target | {"numeric": groups["number"], "categorical": groups["category"]}
    labels |= {kind: groups[kind] for kind in ("date", "text") if groups[kind]}
    if groups["date"]:
        labels["formats"] = {c: {key: columns[c][key] for key in ("date_format", "epoch") if key in columns[c]}
                             for c in groups["date"]}
    labels["ranges"] = {c: [float(features[c].min()), float(features[c].max())] for c in groups["number"]}
    return labels
