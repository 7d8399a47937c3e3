"""The run page's sections in order: each stage's title and what each of its figures shows, a sentence each. A
figure is named by its constant in stages/common/paths.yaml, the one place that knows where files are."""

from __future__ import annotations

import pandas as pd

from stages.core.report.page import Figure, Section

SECTIONS = [
    ("ingest", "The data", {"PROFILE_PNG": "The target's classes (or its distribution) and each column's missing "
                            "values, as ingest read them."}),
    ("select_features", "Feature selection", {"SELECTION_CURVE_PNG": "Cross-validated score against the number of "
                                              "features kept; the chosen k is marked."}),
    ("compare_models", "Comparing models", {"BOXPLOT_PNG": "Each model's score on every repeated CV fold of the "
                                            "training split: the box is the middle half, the line "
                                            "the median."}),
    ("tune", "Tuning", {}),
    ("bias_variance", "Bias and variance", {
        "LEARNING_CURVE_PNG": "Training and validation scores as the training rows grow: a gap is variance, two low "
                              "curves are bias.",
        "VALIDATION_CURVE_PNG": "The same scores as one hyper-parameter grows; the tuned value is dotted."}),
    ("lessons", "Ensemble learners", {}),
    ("evaluate", "The test split", {
        "CONFUSION_PNG": "Test rows by actual and predicted class.",
        "ROC_PNG": "True against false positive rate as the cut moves; the diagonal is chance.",
        "PRECISION_RECALL_PNG": "Precision against recall as the cut moves.",
        "PREDICTED_VS_ACTUAL_PNG": "Predicted against actual values; the diagonal is a perfect model.",
        "RESIDUALS_PNG": "The errors against the predicted values: a pattern means something unmodelled.",
        "IMPORTANCE_PNG": "How much the test score drops when each column is shuffled.",
        "COEFFICIENTS_PNG": "The linear model's coefficient per encoded feature.",
        "TREE_PNG": "The fitted decision tree's first levels."}),
    ("train_dnn", "A dense network on the table", {"DNN_CURVES_PNG": "Training and validation loss per epoch; the "
                                                   "kept epoch is marked."}),
    ("cluster", "Clustering", {
        "CLUSTER_CURVES_PNG": "Inertia (the elbow) and silhouette against the number of clusters k.",
        "CLUSTER_SCATTER_PNG": "The rows on two principal components, coloured by cluster."}),
    ("ingest_images", "The images", {"IMAGE_SAMPLES_PNG": "A few training images of each class, as the networks "
                                     "see them."}),
    ("train_cnn", "A network trained from scratch", {
        "CNN_CURVES_PNG": "Training and validation loss and accuracy per epoch.",
        "CNN_CONFUSION_PNG": "Test images by actual and predicted class."}),
    ("transfer", "Transfer learning", {
        "TRANSFER_CURVES_PNG": "Loss and accuracy per epoch: the frozen backbone, then fine-tuning.",
        "TRANSFER_CONFUSION_PNG": "Test images by actual and predicted class."}),
    ("nets_from_scratch", "Networks from scratch", {
        "SCRATCH_DECISIONS_PNG": "A perceptron's decision regions on AND, OR and XOR, and XOR with a hidden layer.",
        "SCRATCH_DELTA_RULE_PNG": "The delta rule's loss per epoch, updating per row, per batch, per epoch.",
        "SCRATCH_VANISHING_PNG": "Gradient size per layer: sigmoid vanishes, ReLU does not.",
        "SCRATCH_MOMENTUM_PNG": "Plain gradient descent against momentum."}),
]


# pages a stage writes beside its figures, linked from its section with what they show
LINKS = {"ingest": {"TABLE_REPORT": "Every column's distribution, missing cells and most frequent values, and the "
                                    "associations between columns, under each column's kind as ingest decided it "
                                    "(skrub's TableReport; opens offline)."}}


def sections(lines: dict[str, str], made: dict[str, str], comparison: pd.DataFrame | None,
             best: dict | None) -> list[Section]:
    """A section per stage that has a headline, a figure, a table or a page; `made`: the figures and pages the run
    made (the other task's are left out), by constant name, as links relative to the page; `comparison`: compare's
    ranked table, `best`: tune's best params, when they exist."""
    tables = {"compare_models": [], "tune": []}
    if comparison is not None:
        columns = [c for c in comparison.columns if c in ("model", "rank", "scores") or c.endswith(("_mean", "_std"))]
        tables["compare_models"] = comparison[columns].to_dict("records")
    if best is not None:
        tables["tune"] = [{"setting": k, "value": str(v)} for k, v in best.items()]
    out = []
    for stage, title, captions in SECTIONS:
        shown = [Figure(made[name], caption) for name, caption in captions.items() if name in made]
        pages = [Figure(made[name], text) for name, text in LINKS.get(stage, {}).items() if name in made]
        table = tables.get(stage, [])
        if shown or table or lines.get(stage) or pages:
            out.append(Section(stage, title, lines.get(stage, ""), shown, table, pages))
    return out
