"""Stage preprocess: the seeded, stratified train/test split (by class, or by quantile bins of a regression
target) and the preprocessing fitted on the training split (imputation, one-hot encoding, scaling, label
encoding); labels.json records the task for the later stages.

The split tables keep the raw features: later stages cross-validate a clone of the (unfitted)
preprocessor inside each fold, which is only leak-free if they start from raw rows.
"""

from __future__ import annotations

from stages import paths
from stages.core.datasets import class_balance, detect_task, target_summary
from stages.core.errors import PipelineError
from stages.core.preprocessing import (
    build_preprocessor, check_target_transform, encode_labels, feature_types, positive_class, split,
)
from stages.io import read_json, read_table, write_json, write_object, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    target, pre = params.data.target, params.preprocess
    if target is None:
        raise PipelineError("data.target is null (a table without labels), but preprocess and the supervised "
                            "stages after it learn to predict a target: name its column in data.target, or run "
                            "the clustering alone: dvc repro cluster")
    table = read_table(paths.DATASET)
    if target not in table.columns:
        raise PipelineError(f"{paths.DATASET} has no column {target!r}; re-run ingest (dvc repro)")
    task, _ = detect_task(table[target], params.data.task, target, str(paths.DATASET), section="data")  # as ingest did
    check_target_transform(pre.target_transform, table[target], task, target, key="preprocess.target_transform")

    train, test = split(table, target, params.data.test_size, params.seed, task, key="data.test_size")
    features = train.drop(columns=target)
    columns = read_json(paths.COLUMNS)
    groups = feature_types(features, columns)
    preprocessor = build_preprocessor(groups, pre.scale, pre.impute, pre.max_categories, params.seed)
    encoder = encode_labels(train[target]) if task == "classification" else None
    # training rows only; y for the target encoding of many-valued text (class codes, or the quantity)
    preprocessor.fit(features, encoder.transform(train[target]) if encoder is not None else train[target])
    metrics = {
        "n_train": len(train),
        "n_test": len(test),
        "n_features": features.shape[1],
        "n_features_encoded": len(preprocessor.get_feature_names_out()),
    }
    labels = {"task": task, "target": target, "target_transform": pre.target_transform, "classes": [],
              "positive": None, "numeric": groups["number"], "categorical": groups["category"]}
    labels |= {kind: groups[kind] for kind in ("date", "text") if groups[kind]}
    if groups["date"]:
        labels["formats"] = {c: {"date_format": columns[c]["date_format"]} for c in groups["date"]}
    # serve flags new values far outside these
    labels["ranges"] = {c: [float(features[c].min()), float(features[c].max())] for c in groups["number"]}
    if encoder is not None:
        labels |= {"classes": encoder.classes_.tolist(),
                   "positive": positive_class(params.data.positive_class, train[target], key="data.positive_class")}
        metrics["class_balance"] = {"train": class_balance(train[target]), "test": class_balance(test[target])}
        train[target] = encoder.transform(train[target])
        test[target] = encoder.transform(test[target])
    else:
        if params.data.positive_class is not None:
            raise PipelineError(f"data.positive_class = {params.data.positive_class!r} applies to classification, "
                                "but the task is regression; set it to null")
        metrics["target"] = {"train": target_summary(train[target]), "test": target_summary(test[target])}

    write_table(paths.TRAIN, train)
    write_table(paths.TEST, test)
    write_object(paths.PREPROCESSOR, preprocessor)
    write_json(paths.LABELS, labels)
    write_json(paths.PREPROCESS_METRICS, metrics)
    positive = labels["positive"]
    print(
        f"preprocess: {task}, {len(train)} train / {len(test)} test rows, {features.shape[1]} features "
        f"({metrics['n_features_encoded']} after encoding)"
        + (f", positive class {positive!r}" if positive is not None else "")
        + (f", fitted on log({target})" if pre.target_transform == "log" else "")
        + f" -> {paths.TRAIN.parent}/, {paths.PREPROCESSOR.parent}/"
    )


if __name__ == "__main__":
    run_stage("preprocess", main)
