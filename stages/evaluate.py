"""Stage evaluate: the saved model scored once on the held-out test split, the only tabular stage that
reads it, beside a baseline that ignores the features (what a model must beat): the majority class, or the
training mean for regression.

Classification: binary metrics are about the positive class that preprocess recorded (`data.positive_class`,
default: the rarer training class, e.g. malignant: in medicine a missed positive costs most, so recall =
sensitivity is the one to watch); compare_models and tune score f1, precision and recall the same way.
Regression: R², RMSE, MAE (and MAPE), a predicted-vs-actual and a residual plot.
"""

from __future__ import annotations

from stages.common import paths
from stages.common.io import atomic_dir, read_json, read_object, read_table, write_files, write_json
from stages.common.runner import run_stage
from stages.params import load_params

# held_out's outputs by name: tables and per-class values under details/, figures under figures/
OUTPUTS = {"confusion": paths.CONFUSION, "roc": paths.ROC, "precision_recall": paths.PRECISION_RECALL,
           "per_class": paths.EVALUATE_PER_CLASS, "confusion_png": paths.CONFUSION_PNG, "roc_png": paths.ROC_PNG,
           "precision_recall_png": paths.PRECISION_RECALL_PNG, "predictions": paths.PREDICTIONS,
           "predicted_vs_actual_png": paths.PREDICTED_VS_ACTUAL_PNG, "residuals_png": paths.RESIDUALS_PNG,
           "importance": paths.IMPORTANCE, "importance_png": paths.IMPORTANCE_PNG, "tree_png": paths.TREE_PNG,
           "coefficients": paths.COEFFICIENTS, "coefficients_png": paths.COEFFICIENTS_PNG}


def main() -> None:
    params = load_params(sections=("seed", "evaluate"))
    labels = read_json(paths.LABELS)
    model = read_object(paths.MODEL)  # raw rows in, class names (or values) out
    target = labels["target"]
    test = read_table(paths.TEST)
    # the work's modules, after the first read: a missing input is said at pandas' start-up (benchmarks/startup.py)
    from stages.core.tabular import held_out
    X, y = test.drop(columns=target), test[target].to_numpy()
    train_y = read_table(paths.TRAIN)[target].to_numpy()  # for the baseline only: its majority class or mean
    classifies = labels["task"] == "classification"
    score = held_out.classification if classifies else held_out.regression
    metrics, outputs, line = score(labels, model, X, y, train_y)
    metrics["importance"], learnt, words = held_out.learned(
        model, X, y, labels["classes"] if classifies else None, params.evaluate, params.seed, section="evaluate")
    files = {OUTPUTS[name]: content for name, content in (outputs | learnt).items()}

    with atomic_dir(paths.EVALUATE_DETAILS) as details, atomic_dir(paths.EVALUATE_FIGURES) as figures:
        folders = {paths.EVALUATE_DETAILS: details, paths.EVALUATE_FIGURES: figures}
        write_files({folders[path.parent] / path.name: content for path, content in files.items()})
    write_json(paths.EVALUATE_METRICS, metrics)
    print(f"evaluate: {line} -> {paths.EVALUATE_METRICS}, {paths.EVALUATE_FIGURES}/")
    print(f"evaluate: {words} -> {paths.IMPORTANCE_PNG}")


if __name__ == "__main__":
    run_stage("evaluate", main)
