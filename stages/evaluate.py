"""Stage evaluate: the tuned Pipeline scored once on the held-out test split, the only tabular stage
that reads it. Binary metrics are about `evaluate.positive_class` (default: the rarer training class,
e.g. malignant: in medicine a missed positive costs most, so recall = sensitivity is the one to watch)."""

from __future__ import annotations

import pandas as pd

from stages import paths
from stages.core.errors import PipelineError
from stages.core.evaluation import average_precision, class_scores, curves, held_out_metrics
from stages.core.plots import evaluation_figures
from stages.io import read_object, read_table, write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage


def positive_code(wanted, classes: list, class_counts: dict) -> int:
    """The code of the positive class: as asked, or the rarer class in the training split."""
    if wanted is None:
        return min(class_counts, key=lambda code: (class_counts[code], -code))
    names = [str(c) for c in classes]
    if str(wanted) not in names:
        raise PipelineError(f"evaluate.positive_class = {wanted!r} is not a class; choose one of {', '.join(names)} "
                            "(or null: the rarer class)")
    return names.index(str(wanted))


def main() -> None:
    params = load_params()
    bundle = read_object(paths.MODEL)
    classes, target = bundle["classes"], bundle["target"]
    test = read_table(paths.TEST)
    X, y = test.drop(columns=target), test[target].to_numpy()
    positive = positive_code(params.evaluate.positive_class, classes, bundle["class_counts"])

    pipeline = bundle["pipeline"]
    predicted = pipeline.predict(X[bundle["features"]])
    scores = class_scores(pipeline, X[bundle["features"]], len(classes))
    metrics = held_out_metrics(y, predicted, scores, classes, positive)
    metrics["average_precision"] = average_precision(y, scores, positive, len(classes))
    roc, pr = curves(y, scores, positive, len(classes))
    names = pd.Series([str(c) for c in classes])
    confusion = pd.DataFrame({"actual": names[y].to_numpy(), "predicted": names[predicted].to_numpy()})
    about = f"positive class {classes[positive]}" if len(classes) == 2 else f"{len(classes)} classes"
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
    headline = "recall" if len(classes) == 2 else "recall_macro"
    print(f"evaluate: test accuracy {metrics['accuracy']:.4f}, {headline} {metrics[headline]:.4f} ({about}) "
          f"-> {paths.EVALUATE_METRICS}, {paths.CONFUSION_PNG.parent}/")


if __name__ == "__main__":
    run_stage("evaluate", main)
