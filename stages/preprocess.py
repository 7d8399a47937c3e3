"""Stage preprocess: the seeded, stratified train/test split and the preprocessing fitted on the
training split (imputation, one-hot encoding, scaling, label encoding).

The split tables keep the raw features: later stages cross-validate a clone of the (unfitted)
preprocessor inside each fold, which is only leak-free if they start from raw rows.
"""

from __future__ import annotations

from stages import paths
from stages.core.datasets import class_balance
from stages.core.errors import PipelineError
from stages.core.preprocessing import build_preprocessor, encode_labels, feature_types, positive_class, split
from stages.io import read_table, write_json, write_object, write_table
from stages.params import load_params
from stages.runner import run_stage


def main() -> None:
    params = load_params()
    target, pre = params.data.target, params.preprocess
    table = read_table(paths.DATASET)
    if target not in table.columns:
        raise PipelineError(f"{paths.DATASET} has no column {target!r}; re-run ingest (dvc repro)")

    train, test = split(table, target, params.data.test_size, params.seed)
    features = train.drop(columns=target)
    numeric, categorical = feature_types(features)
    preprocessor = build_preprocessor(numeric, categorical, pre.scale, pre.impute, pre.max_categories)
    preprocessor.fit(features)  # training rows only
    labels = encode_labels(train[target])
    positive = positive_class(params.data.positive_class, train[target])

    metrics = {
        "n_train": len(train),
        "n_test": len(test),
        "n_features": features.shape[1],
        "n_features_encoded": len(preprocessor.get_feature_names_out()),
        "class_balance": {"train": class_balance(train[target]), "test": class_balance(test[target])},
    }
    train[target] = labels.transform(train[target])
    test[target] = labels.transform(test[target])

    write_table(paths.TRAIN, train)
    write_table(paths.TEST, test)
    write_object(paths.PREPROCESSOR, preprocessor)
    write_json(paths.LABELS, {"target": target, "classes": labels.classes_.tolist(), "positive": positive,
                              "numeric": numeric, "categorical": categorical})
    write_json(paths.PREPROCESS_METRICS, metrics)
    print(
        f"preprocess: {len(train)} train / {len(test)} test rows, {features.shape[1]} features "
        f"({metrics['n_features_encoded']} after encoding)"
        + (f", positive class {positive!r}" if positive is not None else "")
        + f" -> {paths.TRAIN.parent}/, {paths.PREPROCESSOR.parent}/"
    )


if __name__ == "__main__":
    run_stage("preprocess", main)
