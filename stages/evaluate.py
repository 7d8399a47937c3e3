"""Stage evaluate: the saved model scored once on the held-out test split, the only tabular stage that
reads it, beside a majority-class baseline (what a model must beat). Binary metrics are about the positive class that preprocess recorded (`data.positive_class`,
default: the rarer training class, e.g. malignant: in medicine a missed positive costs most, so recall =
sensitivity is the one to watch); compare_models and tune score f1, precision and recall the same way."""

from __future__ import annotations

import pandas as pd

from stages import paths
from stages.core.evaluation import average_precision, class_scores, curves, held_out_metrics, majority_baseline
from stages.core.tabular_plots import evaluation_figures
from stages.core.scoring import positive_code
from stages.io import read_json, read_object, read_table, write_bytes, write_json, write_table
from stages.runner import run_stage


def main() -> None:
    labels = read_json(paths.LABELS)
    model = read_object(paths.MODEL)  # raw rows in, class names out
    classes, target = labels["classes"], labels["target"]
    test = read_table(paths.TEST)
    X, y = test.drop(columns=target), test[target].to_numpy()
    positive = positive_code(labels)

    codes = {c: i for i, c in enumerate(classes)}
    predicted = pd.Series(model.predict(X)).map(codes).to_numpy()
    scores = class_scores(model, X, len(classes))
    metrics = held_out_metrics(y, predicted, scores, classes, positive)
    metrics["average_precision"] = average_precision(y, scores, positive, len(classes))
    train_y = read_table(paths.TRAIN)[target].to_numpy()  # its majority class only: the baseline to beat
    majority, metrics["baseline"] = majority_baseline(train_y, y, classes, positive)
    roc, pr = curves(y, scores, positive, len(classes))
    names = pd.Series([str(c) for c in classes])
    confusion = pd.DataFrame({"actual": names[y].to_numpy(), "predicted": names[predicted].to_numpy()})
    about = f"positive class {classes[positive]}" if positive is not None else f"{len(classes)} classes"
    figures = evaluation_figures(y, predicted, scores, [str(c) for c in classes], positive,
                                 f"test split, {len(y)} rows, {about}")

    write_table(paths.CONFUSION, confusion)
    write_table(paths.ROC, roc)
    write_table(paths.PRECISION_RECALL, pr)
    write_bytes(paths.CONFUSION_PNG, figures["confusion"])
    write_bytes(paths.ROC_PNG, figures["roc"])
    write_bytes(paths.PRECISION_RECALL_PNG, figures["precision_recall"])
    write_json(paths.EVALUATE_PER_CLASS, metrics.pop("per_class"))  # kept out of `dvc exp show`'s columns
    write_json(paths.EVALUATE_METRICS, metrics)
    headline = "recall" if positive is not None else "recall_macro"
    print(f"evaluate: test accuracy {metrics['accuracy']:.4f} (always {majority!r}: "
          f"{metrics['baseline']['accuracy']:.4f}), {headline} {metrics[headline]:.4f} ({about}) -> {paths.EVALUATE_METRICS}, "
          f"{paths.CONFUSION_PNG.parent}/")


if __name__ == "__main__":
    run_stage("evaluate", main)
