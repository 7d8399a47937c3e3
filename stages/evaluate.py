"""Stage evaluate: the saved model scored once on the held-out test split, the only tabular stage that
reads it, beside a baseline that ignores the features (what a model must beat): the majority class, or the
training mean for regression.

Classification: binary metrics are about the positive class that preprocess recorded (`data.positive_class`,
default: the rarer training class, e.g. malignant: in medicine a missed positive costs most, so recall =
sensitivity is the one to watch); compare_models and tune score f1, precision and recall the same way.
Regression: R², RMSE, MAE (and MAPE), a predicted-vs-actual and a residual plot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages import paths
from stages.core.evaluation import (
    class_scores,
    classifier_metrics,
    curves,
    majority_baseline,
    mean_baseline,
    positive_code,
    regression_metrics,
)
from stages.core.tabular.inspection import (
    coefficient_figure,
    coefficient_table,
    importance_figure,
    importance_table,
    tree_figure,
)
from stages.core.tabular.labels import class_array
from stages.core.tabular.plots import evaluation_figures, regression_figures
from stages.core.tabular.sizing import importance_rows, sample_rows
from stages.core.tabular.threshold import DEFAULT, describe, missed_target, rates
from stages.core.training.imbalance import decide
from stages.io import atomic_dir, read_json, read_object, read_table, write_files, write_json
from stages.params import load_params
from stages.runner import run_stage


def classification(labels: dict, model, X: pd.DataFrame, y, train_y) -> tuple[dict, dict, str]:
    """(metrics, files under details/ and figures/, the line to print)."""
    classes = labels["classes"]
    positive = positive_code(labels["classes"], labels.get("positive"))
    codes = {c: i for i, c in enumerate(classes)}
    predicted = pd.Series(model.predict(X)).map(codes).to_numpy()
    scores = class_scores(model, X, len(classes))
    metrics = classifier_metrics(y, predicted, scores, classes, positive)
    majority, metrics["baseline"] = majority_baseline(train_y, y, classes, positive)
    roc, pr = curves(y, scores, positive, len(classes))
    names = pd.Series([str(c) for c in classes])
    confusion = pd.DataFrame({"actual": names[y].to_numpy(), "predicted": names[predicted].to_numpy()})
    about = f"positive class {classes[positive]}" if positive is not None else f"{len(classes)} classes"
    figures = evaluation_figures(y, predicted, scores, [str(c) for c in classes], positive,
                                 f"test split, {len(y)} rows, {about}")
    files = {paths.CONFUSION: confusion, paths.ROC: roc, paths.PRECISION_RECALL: pr,
             paths.EVALUATE_PER_CLASS: metrics.pop("per_class"),  # kept out of `dvc exp show`'s columns
             paths.CONFUSION_PNG: figures["confusion"], paths.ROC_PNG: figures["roc"],
             paths.PRECISION_RECALL_PNG: figures["precision_recall"]}
    watched = "recall" if positive is not None else "recall_macro"  # sensitivity: a missed positive costs most
    line = (f"test accuracy {metrics['accuracy']:.4f} (always {majority!r}: {metrics['baseline']['accuracy']:.4f}), "
            f"{watched} {metrics[watched]:.4f} ({about})")
    if positive is not None:
        metrics["threshold"], said = cut_metrics(model, y, predicted, scores, positive, classes[positive])
        line += said
    return metrics, files, line


def cut_metrics(model, y, predicted, probabilities, positive: int, name) -> tuple[dict, str]:
    """The decision threshold the model applies (tune.threshold) with the test rates it gives, beside what the
    plain 0.5 cut would give; and the words: a missed target says by how much, on how many rows."""
    cut, rule = getattr(model, "threshold_", None), getattr(model, "threshold", DEFAULT)
    record = {"value": DEFAULT if cut is None else cut, **rates(y, predicted, positive)}
    if cut is None:
        return record, ""
    plain = decide(probabilities, positive, DEFAULT)
    record["at_0.5"] = {"accuracy": float(np.mean(plain == y)), **rates(y, plain, positive)}
    said = (f"; threshold {cut:.4g} ({describe(rule)}): sensitivity {record['sensitivity']:.3f}, specificity "
            f"{record['specificity']:.3f} (at 0.5: {record['at_0.5']['sensitivity']:.3f}, "
            f"{record['at_0.5']['specificity']:.3f})")
    missed = missed_target(rule, record, y, positive, str(name))
    return record | ({"note": missed} if missed else {}), said + (f"\nevaluate: note: {missed}" if missed else "")


def learned(model, X: pd.DataFrame, y, classes: list | None, e, seed: int) -> tuple[dict, dict, str]:
    """Permutation importance of each raw column on (a sample of) the test rows; a tree winner drawn, a linear
    one's coefficients per original column."""
    rows = importance_rows(len(y), e.importance_rows)
    keep = np.arange(len(y)) if rows.value == "all" else sample_rows(y, rows.value, seed, classes is not None)
    truth = class_array(classes)[y[keep]] if classes is not None else y[keep]  # the labels predict answers
    table = importance_table(model, X.iloc[keep], truth, e.importance_repeats, seed)
    score = "accuracy" if classes is not None else "R²"
    files = {paths.IMPORTANCE: table, paths.IMPORTANCE_PNG: importance_figure(
        table, score, f"Permutation importance, {len(keep)} test rows, {e.importance_repeats} repeats")}
    tree, coefficients = tree_figure(model, classes, e.tree_depth), coefficient_table(model, list(X.columns), classes)
    if tree is not None:
        files[paths.TREE_PNG] = tree
    if coefficients is not None:
        files |= {paths.COEFFICIENTS: coefficients, paths.COEFFICIENTS_PNG: coefficient_figure(
            coefficients, "on the scaled, encoded features")}
    top = table.iloc[0]
    metrics = {"top": top["feature"], "top_drop": float(top["importance"]), "top_std": float(top["std"]),
               "rows": rows.value}
    line = (f"top column by permutation importance: {top['feature']} (test {score} drops {top['importance']:.4f} "
            f"± {top['std']:.4f} when shuffled)" + ("" if rows.value == "all" else f"; {rows.line()}"))
    return metrics, files, line


def regression(labels: dict, model, X: pd.DataFrame, y, train_y) -> tuple[dict, dict, str]:
    predicted = model.predict(X)
    metrics = regression_metrics(y, predicted)
    mean, metrics["baseline"] = mean_baseline(train_y, y)
    target = labels["target"]
    figures = regression_figures(y, predicted, target, f"test split, {len(y)} rows")
    files = {paths.PREDICTIONS: pd.DataFrame({"actual": y, "predicted": predicted, "residual": y - predicted}),
             paths.PREDICTED_VS_ACTUAL_PNG: figures["predicted_vs_actual"],
             paths.RESIDUALS_PNG: figures["residuals"]}
    line = (f"test R² {metrics['r2']:.4f} (always the training mean {mean:.4g}: {metrics['baseline']['r2']:.4f}), "
            f"RMSE {metrics['rmse']:.4g}, MAE {metrics['mae']:.4g} {target}")
    return metrics, files, line


def main() -> None:
    params = load_params()
    labels = read_json(paths.LABELS)
    model = read_object(paths.MODEL)  # raw rows in, class names (or values) out
    target = labels["target"]
    test = read_table(paths.TEST)
    X, y = test.drop(columns=target), test[target].to_numpy()
    train_y = read_table(paths.TRAIN)[target].to_numpy()  # for the baseline only: its majority class or mean
    evaluate = classification if labels["task"] == "classification" else regression
    metrics, files, line = evaluate(labels, model, X, y, train_y)
    classes = labels["classes"] if labels["task"] == "classification" else None
    metrics["importance"], learnt, words = learned(model, X, y, classes, params.evaluate, params.seed)
    files |= learnt

    with atomic_dir(paths.EVALUATE_DETAILS) as details, atomic_dir(paths.EVALUATE_FIGURES) as figures:
        folders = {paths.EVALUATE_DETAILS: details, paths.EVALUATE_FIGURES: figures}
        write_files({folders[path.parent] / path.name: content for path, content in files.items()})
    write_json(paths.EVALUATE_METRICS, metrics)
    print(f"evaluate: {line} -> {paths.EVALUATE_METRICS}, {paths.EVALUATE_FIGURES}/")
    print(f"evaluate: {words} -> {paths.IMPORTANCE_PNG}")


if __name__ == "__main__":
    run_stage("evaluate", main)
