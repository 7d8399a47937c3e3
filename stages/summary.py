"""Stage summary, the last: the run in one screen (reports/summary.md, which `make repro` prints) and in one page
(reports/index.html: every stage's headline and figures, each with a sentence of what it shows). It reads only
the other stages' metrics and figures, so it never changes a result."""

from __future__ import annotations

from pathlib import Path

from stages import paths
from stages.core.report.page import Figure, Section, page
from stages.core.report.summary import headlines, summary
from stages.io import read_json, read_table, write_text
from stages.runner import run_stage

HERE = paths.RUN_PAGE.parent  # figures are linked relative to the page

METRICS = {"preprocess": paths.PREPROCESS_METRICS, "select_features": paths.SELECTION_METRICS,
           "compare_models": paths.COMPARE_METRICS, "tune": paths.TUNE_METRICS,
           "bias_variance": paths.BIAS_VARIANCE_METRICS, "evaluate": paths.EVALUATE_METRICS,
           "train_dnn": paths.DNN_METRICS, "cluster": paths.CLUSTER_METRICS,
           "ingest_images": paths.INGEST_IMAGES_METRICS, "train_cnn": paths.CNN_METRICS,
           "transfer": paths.TRANSFER_METRICS, "nets_from_scratch": paths.SCRATCH_METRICS}

# stage, title, its figures with what each shows; a figure the run did not make (the other task's) is left out
FIGURES = [
    ("ingest", "The data", [(paths.PROFILE_PNG, "The target's classes (or its distribution) and each column's "
                                                "missing values, as ingest read them.")]),
    ("select_features", "Feature selection", [(paths.SELECTION_CURVE_PNG, "Cross-validated score against the "
                                               "number of features kept; the chosen k is marked.")]),
    ("compare_models", "Comparing models", [(paths.BOXPLOT_PNG, "Each model's score on every repeated CV fold of "
                                             "the training split: the box is the middle half, the line the median.")]),
    ("tune", "Tuning", []),
    ("bias_variance", "Bias and variance", [
        (paths.LEARNING_CURVE_PNG, "Training and validation scores as the training rows grow: a gap is "
                                   "variance, two low curves are bias."),
        (paths.VALIDATION_CURVE_PNG, "The same scores as one hyper-parameter grows; the tuned value is dotted.")]),
    ("lessons", "Ensemble learners", []),
    ("evaluate", "The test split", [
        (paths.CONFUSION_PNG, "Test rows by actual and predicted class."),
        (paths.ROC_PNG, "True against false positive rate as the cut moves; the diagonal is chance."),
        (paths.PRECISION_RECALL_PNG, "Precision against recall as the cut moves."),
        (paths.PREDICTED_VS_ACTUAL_PNG, "Predicted against actual values; the diagonal is a perfect model."),
        (paths.RESIDUALS_PNG, "The errors against the predicted values: a pattern means something unmodelled."),
        (paths.IMPORTANCE_PNG, "How much the test score drops when each column is shuffled."),
        (paths.COEFFICIENTS_PNG, "The linear model's coefficient per encoded feature."),
        (paths.TREE_PNG, "The fitted decision tree's first levels.")]),
    ("train_dnn", "A dense network on the table", [(paths.DNN_CURVES_PNG, "Training and validation loss per "
                                                    "epoch; the kept epoch is marked.")]),
    ("cluster", "Clustering", [
        (paths.CLUSTER_CURVES_PNG, "Inertia (the elbow) and silhouette against the number of clusters k."),
        (paths.CLUSTER_SCATTER_PNG, "The rows on two principal components, coloured by cluster.")]),
    ("ingest_images", "The images", [(paths.IMAGE_SAMPLES_PNG, "A few training images of each class, as the "
                                      "networks see them.")]),
    ("train_cnn", "A network trained from scratch", [
        (paths.CNN_CURVES_PNG, "Training and validation loss and accuracy per epoch."),
        (paths.CNN_CONFUSION_PNG, "Test images by actual and predicted class.")]),
    ("transfer", "Transfer learning", [
        (paths.TRANSFER_CURVES_PNG, "Loss and accuracy per epoch: the frozen backbone, then fine-tuning."),
        (paths.TRANSFER_CONFUSION_PNG, "Test images by actual and predicted class.")]),
    ("nets_from_scratch", "Networks from scratch", [
        (paths.SCRATCH_DECISIONS_PNG, "A perceptron's decision regions on AND, OR and XOR, and XOR with a hidden "
                                      "layer."),
        (paths.SCRATCH_DELTA_RULE_PNG, "The delta rule's loss per epoch, updating per row, per batch, per epoch."),
        (paths.SCRATCH_VANISHING_PNG, "Gradient size per layer: sigmoid vanishes, ReLU does not."),
        (paths.SCRATCH_MOMENTUM_PNG, "Plain gradient descent against momentum.")]),
]


def sections(lines: dict[str, str]) -> list[Section]:
    out = []
    for stage, title, figures in FIGURES:
        shown = [Figure(str(path.relative_to(HERE)), caption) for path, caption in figures if Path(path).is_file()]
        table = []
        if stage == "compare_models" and paths.COMPARISON.is_file():
            ranked = read_table(paths.COMPARISON)
            columns = [c for c in ranked.columns if c in ("model", "rank", "scores") or c.endswith(("_mean", "_std"))]
            table = ranked[columns]
            table = table.to_dict("records")
        if stage == "tune" and paths.BEST_PARAMS.is_file():
            table = [{"setting": k, "value": str(v)} for k, v in read_json(paths.BEST_PARAMS).items()]
        if shown or table or lines.get(stage):
            out.append(Section(stage, title, lines.get(stage, ""), shown, table))
    return out


def main() -> None:
    profile = read_json(paths.PROFILE)
    metrics = {stage: read_json(path) for stage, path in METRICS.items() if path.is_file()}
    by_stage = headlines(metrics, profile["task"])
    classes = list(profile.get("class_balance", {}))  # as the table writes them
    lines = summary(by_stage, profile["source"], profile["target"], profile["task"], classes)
    write_text(paths.SUMMARY, "\n".join(lines) + "\n")
    write_text(paths.RUN_PAGE, page(f"Run summary: {profile['source']}", lines, sections(by_stage)))
    print(f"summary: {len(metrics)} stages -> {paths.SUMMARY}, {paths.RUN_PAGE}")


if __name__ == "__main__":
    run_stage("summary", main)
