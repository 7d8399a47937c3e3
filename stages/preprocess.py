"""Stage preprocess: the seeded, stratified train/test split (by class, or by quantile bins of a regression
target) and the preprocessing fitted on the training split (imputation, one-hot encoding, scaling, label
encoding); labels.json records the task for the later stages.

The split tables keep the raw features: later stages cross-validate a clone of the (unfitted)
preprocessor inside each fold, which is only leak-free if they start from raw rows.
"""

from __future__ import annotations

from stages.common import paths
from stages.common.io import read_json, read_table, write_data, write_json, write_object
from stages.common.runner import run_stage
from stages.params import load_params


def main() -> None:
    params = load_params(sections=("seed", "data", "preprocess"))
    target, preprocess = params.data.target, params.preprocess
    table = read_table(paths.DATASET)
    # the work's modules, after the first read: a missing input is said at pandas' start-up (benchmarks/startup.py)
    from stages.core.classes import positive_class
    from stages.core.tabular import preprocessing
    from stages.core.tabular.datasets import class_balance, detect_task, target_summary
    preprocessing.check_target(target, table.columns, str(paths.DATASET), key="data.target")
    task, _ = detect_task(table[target], params.data.task, target, str(paths.DATASET), section="data")  # as ingest did
    preprocessing.check_target_transform(preprocess.target_transform, table[target], task, target,
                                         key="preprocess.target_transform")
    preprocessing.check_positive_for_task(params.data.positive_class, task, key="data.positive_class")

    train, test = preprocessing.split(table, target, params.data.test_size, params.seed, task, key="data.test_size")
    features, columns = train.drop(columns=target), read_json(paths.COLUMNS)
    groups = preprocessing.feature_types(features, columns)
    preprocessor = preprocessing.build_preprocessor(groups, preprocess.scale, preprocess.impute,
                                                    preprocess.max_categories, params.seed)
    encoder = preprocessing.encode_labels(train[target]) if task == "classification" else None
    # training rows only; y for the target encoding of many-valued text (class codes, or the quantity)
    preprocessor.fit(features, encoder.transform(train[target]) if encoder is not None else train[target])
    positive = positive_class(params.data.positive_class, train[target], key="data.positive_class") if encoder else None
    labels = preprocessing.training_labels(features, preprocessing.target_record(
        task, target, preprocess.target_transform, encoder.classes_.tolist() if encoder else [], positive),
        groups, columns)
    metrics = {"n_train": len(train), "n_test": len(test), "n_features": features.shape[1],
               "n_features_encoded": len(preprocessor.get_feature_names_out())}
    twins = preprocessing.training_twins(train, test)
    if twins:
        metrics["test_rows_in_training"] = twins
        print(f"note: preprocess: {twins} test row(s) repeat a training row exactly, so the test score is optimistic "
              "(data.duplicates: drop removes copies from a CSV)")
    if encoder is not None:
        metrics["class_balance"] = {"train": class_balance(train[target]), "test": class_balance(test[target])}
        train[target], test[target] = encoder.transform(train[target]), encoder.transform(test[target])
    else:
        metrics["target"] = {"train": target_summary(train[target]), "test": target_summary(test[target])}

    write_data(paths.TRAIN, train)
    write_data(paths.TEST, test)
    write_object(paths.PREPROCESSOR, preprocessor)
    write_json(paths.LABELS, labels)
    write_json(paths.PREPROCESS_METRICS, metrics)
    print(f"preprocess: {task}, {len(train)} train / {len(test)} test rows, {features.shape[1]} features "
          f"({metrics['n_features_encoded']} after encoding)" + (f", positive class {positive!r}" if positive else "")
          + (f", fitted on log({target})" if preprocess.target_transform == "log" else "")
          + f" -> {paths.TRAIN.parent}/, {paths.PREPROCESSOR.parent}/")


if __name__ == "__main__":
    run_stage("preprocess", main)
