"""Tabular figures: the data profile, the feature-selection curve, the model-comparison boxplot, the learning and
validation curves, the held-out evaluation and what the model learned (importance, coefficients, the tree)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.core.plots import confusion_figure, fit_title, plt, png

SHOWN = 15  # bars in the importance and coefficient charts: the rest are in the CSV


def profile_figure(class_balance: dict[str, int] | None, missing: dict[str, int], title: str,
                   target=None) -> bytes:
    """Class balance (or the target's histogram, for regression) beside missing values per column: the two
    things to look at before modelling."""
    gaps = sorted(((n, c) for c, n in missing.items() if n), reverse=True)[:20]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    if target is None:
        left.axis("off")
        left.text(0.5, 0.5, "No target column\n(clustering only)", ha="center", va="center", fontsize=14)
    elif class_balance is None:
        left.hist(target, bins=30, color="tab:blue")
        left.set(title=f"Target: {target.name}", xlabel=str(target.name), ylabel="rows")
    else:
        left.barh(list(class_balance), list(class_balance.values()), color="tab:blue")
        left.invert_yaxis()
        left.set(title="Class balance", xlabel="rows")
        left.margins(x=0.15)  # room for the counts
        for y, n in enumerate(class_balance.values()):
            left.annotate(f" {n}", (n, y), va="center")
    if gaps:
        right.barh([c for _, c in gaps], [n for n, _ in gaps], color="tab:orange")
        right.invert_yaxis()
        right.set(title="Missing values (top 20 columns)", xlabel="rows")
    else:
        right.axis("off")
        right.text(0.5, 0.5, "No missing values", ha="center", va="center", fontsize=14)
    fig.suptitle(title)
    return png(fig)


def selection_curve_figure(curve, chosen: int, all_score: float, scoring: str, title: str) -> bytes:
    """CV score against the number of features, ± one std across folds, with the chosen k marked."""
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    x, mean, std = curve["n_features"], curve["cv_score"], curve["cv_std"]
    ax.fill_between(x, mean - std, mean + std, alpha=0.2, color="tab:blue", label="± 1 std across folds")
    ax.plot(x, mean, marker="o", markersize=3, color="tab:blue", label=f"mean CV {scoring}")
    ax.axhline(all_score, color="grey", linestyle="--", label=f"all features: {all_score:.4f}")
    picked = curve.loc[curve["n_features"] == chosen, "cv_score"]
    if len(picked):
        ax.axvline(chosen, color="tab:red", linestyle=":")
        ax.plot([chosen], picked, marker="*", markersize=14, color="tab:red", linestyle="none",
                label=f"selected k={chosen}: {picked.iloc[0]:.4f}")
    ax.set(xlabel="number of features", ylabel=scoring, title=title)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return png(fig)


def comparison_boxplot(scores, order: list[str], metric: str, title: str, stopped: dict | None = None) -> bytes:
    """The classic algorithm-comparison figure: one box of fold scores per model, best mean on top; each label says
    how many scores the box holds, and a model that racing stopped says so."""
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(order) + 1.8), layout="constrained")
    data = [scores.loc[scores["model"] == m, metric] for m in order]
    labels = [f"{m} ({len(d)}{', stopped' if m in (stopped or {}) else ''})" for m, d in zip(order, data)]
    ax.boxplot(data, orientation="horizontal", tick_labels=labels, showmeans=True,
               meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black"})
    ax.invert_yaxis()
    ax.set(xlabel=f"{metric} per fold (diamond: mean)")
    fit_title(ax, title)
    ax.grid(axis="x", alpha=0.3)
    return png(fig)


def evaluation_figures(y_true, y_pred, scores, classes: list[str], positive: int, title: str) -> dict[str, bytes]:
    """Confusion matrix (truth on rows), ROC and precision-recall curves: one per class for multiclass."""
    from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay

    shown = [positive] if len(classes) == 2 else range(len(classes))
    figures = {"confusion": confusion_figure(y_true, y_pred, classes, title)}
    for name, display in (("roc", RocCurveDisplay), ("precision_recall", PrecisionRecallDisplay)):
        fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
        for c in shown:
            display.from_predictions(y_true == c, scores[:, c], name=str(classes[c]), ax=ax,
                                     plot_chance_level=c == shown[-1])
        if name == "roc":
            ax.set(xlabel="false positive rate (1 - specificity)", ylabel="true positive rate (sensitivity)")
        else:
            ax.set(xlabel="recall (sensitivity)", ylabel="precision")
        ax.grid(alpha=0.3)
        fit_title(ax, f"{'ROC' if name == 'roc' else 'Precision-recall'}\n{title}")
        figures[name] = png(fig)
    return figures


def regression_figures(y_true, y_pred, target: str, title: str) -> dict[str, bytes]:
    """Predicted against actual (on the diagonal: perfect), and residuals against predicted (a pattern, or a
    funnel, shows what the model misses)."""
    residuals = np.asarray(y_true) - np.asarray(y_pred)
    low, high = float(min(np.min(y_true), np.min(y_pred))), float(max(np.max(y_true), np.max(y_pred)))
    fig, ax = plt.subplots(figsize=(5.5, 5), layout="constrained")
    ax.scatter(y_true, y_pred, s=14, alpha=0.7, color="tab:blue")
    ax.plot([low, high], [low, high], color="grey", linestyle="--", label="perfect prediction")
    ax.set(xlabel=f"actual {target}", ylabel=f"predicted {target}", title=f"Predicted vs actual\n{title}")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    figures = {"predicted_vs_actual": png(fig)}
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    ax.scatter(y_pred, residuals, s=14, alpha=0.7, color="tab:orange")
    ax.axhline(0, color="grey", linestyle="--")
    ax.set(xlabel=f"predicted {target}", ylabel="residual (actual - predicted)", title=f"Residuals\n{title}")
    ax.grid(alpha=0.3)
    figures["residuals"] = png(fig)
    return figures


def importance_figure(table: pd.DataFrame, score: str, title: str) -> bytes:
    """Horizontal bars of the top columns with their spread over the repeats (± 1 std)."""
    top = table.head(SHOWN).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(top) + 1.5), layout="constrained")
    ax.barh(top["feature"], top["importance"], xerr=top["std"], color="tab:blue", ecolor="grey", capsize=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(xlabel=f"drop in test {score} when the column is shuffled (± 1 std over repeats)", title=title)
    ax.grid(axis="x", alpha=0.3)
    return png(fig)


def coefficient_figure(table: pd.DataFrame, about: str) -> bytes:
    """The largest coefficients, signed: on standardised features, their sizes compare."""
    value = "coefficient" if "coefficient" in table else [c for c in table if c.startswith("coefficient_")][0]
    top = table.head(SHOWN).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(top) + 1.5), layout="constrained")
    ax.barh(top["feature"], top[value], color=np.where(top[value] >= 0, "tab:red", "tab:blue"))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(xlabel=f"{value} ({about})", title="Linear model: coefficients per feature (preprocessed)")
    ax.grid(axis="x", alpha=0.3)
    return png(fig)


def tree_figure(features: list[str], fitted, classes: list | None, depth: int) -> bytes | None:
    """The fitted model, if it is a decision tree, drawn to `depth` levels (deeper nodes folded); else None.
    `features`: the columns it was fitted on (inspection.fitted_parts gives both)."""
    if not hasattr(fitted, "tree_"):
        return None
    fig, ax = plt.subplots(figsize=(min(4 * 2 ** depth, 40), 2.5 * (depth + 1)), layout="constrained")
    from sklearn.tree import plot_tree  # evaluate's alone: sklearn.tree costs every stage 0.1 s

    plot_tree(fitted, max_depth=depth, feature_names=features, filled=True, impurity=False, rounded=True,
              fontsize=8, class_names=[str(c) for c in classes] if classes else None, ax=ax)
    ax.set_title(f"The fitted tree, first {depth} levels of {fitted.get_depth()}")
    return png(fig)


def _bands(ax, x, curve) -> None:
    """A bias_variance.Curve's training and validation means, each with a band of one standard deviation."""
    for mean, std, label, colour in ((curve.train, curve.train_std, "training", "tab:blue"),
                                     (curve.val, curve.val_std, "validation (CV)", "tab:orange")):
        ax.fill_between(x, mean - std, mean + std, alpha=0.2, color=colour)
        ax.plot(x, mean, marker="o", color=colour, label=f"{label} ± 1 std")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")


def learning_figure(curve, scoring: str, title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    _bands(ax, curve.x, curve)
    ax.set(xlabel="training rows", ylabel=scoring, title=title)
    return png(fig)


def validation_figure(curve, param: str, scoring: str, current, title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    _bands(ax, curve.x, curve)
    positive = all(v > 0 for v in curve.x)
    if positive and max(curve.x) / min(curve.x) >= 100:
        ax.set_xscale("log")
    best = int(np.argmax(curve.val))
    ax.plot([curve.x[best]], [curve.val[best]], marker="*", markersize=14, color="tab:red", linestyle="none",
            label=f"best {param} = {curve.x[best]:g}")
    if current is not None:
        ax.axvline(current, color="grey", linestyle=":", label=f"tuned: {current:g}")
    ax.legend(loc="best")
    ax.set(xlabel=param, ylabel=scoring, title=title)
    return png(fig)
