"""The saved model scored once on the held-out test split, beside a baseline that ignores the features (what a
model must beat): the majority class, or the training mean for regression; then what it learned (permutation
importance, a tree drawn, a linear model's coefficients). Each returns (metrics, outputs by name, the line to
print); the evaluate stage maps the names to its files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.core.classes import positive_code
from stages.core.evaluation import (
    class_scores,
    classifier_metrics,
    curves,
    majority_baseline,
    mean_baseline,
    regression_metrics,
)
from stages.core.tabular import inspection, plots
from stages.core.tabular.labels import class_array
from stages.core.tabular.sizing import IMPORTANCE_REPEATS, importance_rows, importance_shuffles, sample_rows
from stages.core.tabular.threshold import DEFAULT, describe, missed_target, rates
from stages.core.training.imbalance import decide


def classification(labels: dict, model, X: pd.DataFrame, y, train_y) -> tuple[dict, dict, str]:
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
    figures = plots.evaluation_figures(y, predicted, scores, [str(c) for c in classes], positive,
                                 f"test split, {len(y)} rows, {about}")
    outputs = {"confusion": confusion, "roc": roc, "precision_recall": pr,
               "per_class": metrics.pop("per_class"),  # kept out of `dvc exp show`'s columns
               "confusion_png": figures["confusion"], "roc_png": figures["roc"],
               "precision_recall_png": figures["precision_recall"]}
    watched = "recall" if positive is not None else "recall_macro"  # sensitivity: a missed positive costs most
    line = (f"test accuracy {metrics['accuracy']:.4f} (always {majority!r}: {metrics['baseline']['accuracy']:.4f}), "
            f"{watched} {metrics[watched]:.4f} ({about})")
    if positive is not None:
        metrics["threshold"], said = cut_metrics(model, y, predicted, scores, positive, classes[positive])
        line += said
    return metrics, outputs, line


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


def regression(labels: dict, model, X: pd.DataFrame, y, train_y) -> tuple[dict, dict, str]:
    predicted = model.predict(X)
    metrics = regression_metrics(y, predicted)
    mean, metrics["baseline"] = mean_baseline(train_y, y)
    target = labels["target"]
    figures = plots.regression_figures(y, predicted, target, f"test split, {len(y)} rows")
    outputs = {"predictions": pd.DataFrame({"actual": y, "predicted": predicted, "residual": y - predicted}),
               "predicted_vs_actual_png": figures["predicted_vs_actual"], "residuals_png": figures["residuals"]}
    line = (f"test R² {metrics['r2']:.4f} (always the training mean {mean:.4g}: {metrics['baseline']['r2']:.4f}), "
            f"RMSE {metrics['rmse']:.4g}, MAE {metrics['mae']:.4g} {target}")
    return metrics, outputs, line


def learned(model, X: pd.DataFrame, y, classes: list | None, evaluate, seed: int, *,
            section: str) -> tuple[dict, dict, str]:
    """Permutation importance of each raw column on (a sample of) the test rows, and a tree winner drawn, a linear
    one's coefficients per original column. `evaluate`: the validated `<section>` of params.yaml: importance_rows
    (a count or auto), importance_repeats (shuffles per column; auto: by those rows), tree_depth."""
    rows = importance_rows(len(y), evaluate.importance_rows, key=f"{section}.importance_rows")
    keep = np.arange(len(y)) if rows.value == "all" else sample_rows(y, rows.value, seed, classes is not None)
    shuffles = importance_shuffles(len(keep), evaluate.importance_repeats, key=f"{section}.importance_repeats")
    repeats = shuffles.value
    truth = class_array(classes)[y[keep]] if classes is not None else y[keep]  # the labels predict answers
    table = inspection.importance_table(model, X.iloc[keep], truth, repeats, seed)
    score = "accuracy" if classes is not None else "R²"
    outputs = {"importance": table, "importance_png": plots.importance_figure(
        table, score, f"Permutation importance, {len(keep)} test rows, {repeats} repeats")}
    tree = plots.tree_figure(*inspection.fitted_parts(model), classes, evaluate.tree_depth)
    coefficients = inspection.coefficient_table(model, list(X.columns), classes)
    if tree is not None:
        outputs["tree_png"] = tree
    if coefficients is not None:
        outputs |= {"coefficients": coefficients, "coefficients_png": plots.coefficient_figure(
            coefficients, "on the scaled, encoded features")}
    top = table.iloc[0]
    metrics = {"top": top["feature"], "top_drop": float(top["importance"]), "top_std": float(top["std"]),
               "rows": rows.value, "repeats": repeats}
    line = (f"top column by permutation importance: {top['feature']} (test {score} drops {top['importance']:.4f} "
            f"± {top['std']:.4f} when shuffled)" + "".join(f"; {d.line()}" for d in (rows, shuffles)
                                                           if d.value not in ("all", IMPORTANCE_REPEATS[0][1])))
    return metrics, outputs, line
