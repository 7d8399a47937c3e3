"""Where every stage reads and writes: the one source of truth that dvc.yaml mirrors.

tests/test_dvc_yaml.py checks dvc.yaml's deps and outs against these names, and the stage tests
check that each stage writes exactly these files.
"""

from pathlib import Path

PARAMS = Path("params.yaml")
RAW_TABLES = Path("data/raw/tables")  # user CSVs, tracked with `dvc add`: only the tabular stages depend on them
RAW_IMAGES = Path("data/raw/images")  # user image folders, tracked with `dvc add`: only the image stages
WEIGHTS_DIR = Path("data/weights")  # local backbone weights for transfer, tracked with `dvc add`

# ingest
DATASET = Path("data/interim/dataset.csv")
PROFILE = Path("reports/ingest/profile.json")
COLUMNS = Path("data/interim/columns.json")  # each column's kind and how it was read
PROFILE_PNG = Path("reports/ingest/profile.png")

# preprocess
TRAIN = Path("data/prepared/train.csv")
TEST = Path("data/prepared/test.csv")
PREPROCESSOR = Path("models/preprocess/preprocessor.joblib")
LABELS = Path("models/preprocess/labels.json")
PREPROCESS_METRICS = Path("reports/preprocess/metrics.json")

# select_features
SELECTED = Path("models/select_features/selected.json")  # what compare_models and tune read
FEATURE_TABLE = Path("reports/select_features/features.csv")
SELECTION_CURVE = Path("reports/select_features/curve.csv")
SELECTION_CURVE_PNG = Path("reports/select_features/curve.png")
SELECTION_METRICS = Path("reports/select_features/metrics.json")

# compare_models
COMPARISON = Path("reports/compare_models/comparison.csv")
COMPARISON_MD = Path("reports/compare_models/comparison.md")
FOLD_SCORES = Path("reports/compare_models/fold_scores.csv")
BOXPLOT_PNG = Path("reports/compare_models/boxplot.png")
COMPARE_METRICS = Path("reports/compare_models/metrics.json")
WINNER = Path("models/compare_models/winner.json")  # what tune reads with tune.model: best

# tune
MODEL = Path("models/tune/model.joblib")  # the whole Pipeline: raw rows in, class codes out
BEST_PARAMS = Path("reports/tune/best_params.json")
CV_RESULTS = Path("reports/tune/cv_results.csv")
TUNE_METRICS = Path("reports/tune/metrics.json")

# bias_variance (beside evaluate: training rows only)
LEARNING_CURVE = Path("reports/bias_variance/learning_curve.csv")  # rows, split (training|validation), score, std
VALIDATION_CURVE = Path("reports/bias_variance/validation_curve.csv")  # value, split, score, std
LEARNING_CURVE_PNG = Path("reports/bias_variance/learning_curve.png")
VALIDATION_CURVE_PNG = Path("reports/bias_variance/validation_curve.png")
BIAS_VARIANCE_METRICS = Path("reports/bias_variance/metrics.json")  # the verdicts, gaps and best value

# evaluate (the only tabular stage that reads the test split)
EVALUATE_METRICS = Path("reports/evaluate/metrics.json")  # headline numbers: what `dvc exp show` lists
# what the task calls for (DVC's outs are fixed, the files are not): two folders whose files dvc.yaml's
# top-level `plots:` draw; a file of the other task is absent, and `dvc plots show` says so
EVALUATE_DETAILS = Path("reports/evaluate/details")  # plot data and per-class values
EVALUATE_FIGURES = Path("reports/evaluate/figures")  # the PNGs
CONFUSION = EVALUATE_DETAILS / "confusion.csv"  # classification: one row per test row: actual, predicted
ROC = EVALUATE_DETAILS / "roc.csv"
PRECISION_RECALL = EVALUATE_DETAILS / "precision_recall.csv"
EVALUATE_PER_CLASS = EVALUATE_DETAILS / "per_class.json"
CONFUSION_PNG = EVALUATE_FIGURES / "confusion.png"
ROC_PNG = EVALUATE_FIGURES / "roc.png"
PRECISION_RECALL_PNG = EVALUATE_FIGURES / "precision_recall.png"
IMPORTANCE = EVALUATE_DETAILS / "importance.csv"  # permutation importance per raw column: importance, std
COEFFICIENTS = EVALUATE_DETAILS / "coefficients.csv"  # linear models: coefficient per feature and its raw column
IMPORTANCE_PNG = EVALUATE_FIGURES / "importance.png"
COEFFICIENTS_PNG = EVALUATE_FIGURES / "coefficients.png"
TREE_PNG = EVALUATE_FIGURES / "tree.png"  # a decision tree winner, drawn
PREDICTIONS = EVALUATE_DETAILS / "predictions.csv"  # regression: one row per test row: actual, predicted, residual
PREDICTED_VS_ACTUAL_PNG = EVALUATE_FIGURES / "predicted_vs_actual.png"
RESIDUALS_PNG = EVALUATE_FIGURES / "residuals.png"

# train_dnn (beside tune: the same split, preprocessing and test rows)
DNN_MODEL = Path("models/train_dnn")  # TableNetwork: network.keras, preprocess.joblib, model.json (raw rows in)
DNN_LIVE_METRICS = Path("reports/train_dnn/live/metrics.json")  # DVCLive: the last epoch's values
DNN_LIVE_PLOTS = Path("reports/train_dnn/live/plots/metrics")  # DVCLive: loss and accuracy (or r2) per epoch
DNN_METRICS = Path("reports/train_dnn/metrics.json")  # evaluate's names, and vs_tuned
DNN_CURVES_PNG = Path("reports/train_dnn/curves.png")

# nets_from_scratch (numpy only; iris and logic gates built in: no data files)
SCRATCH_METRICS = Path("reports/nets_from_scratch/metrics.json")
SCRATCH_DECISIONS_PNG = Path("reports/nets_from_scratch/perceptron.png")  # AND, OR, XOR; XOR with a hidden layer
SCRATCH_DELTA_RULE = Path("reports/nets_from_scratch/delta_rule.csv")  # loss per epoch: stochastic, mini-batch, batch
SCRATCH_DELTA_RULE_PNG = Path("reports/nets_from_scratch/delta_rule.png")
SCRATCH_VANISHING = Path("reports/nets_from_scratch/vanishing.csv")  # gradient norm per layer: sigmoid vs ReLU
SCRATCH_VANISHING_PNG = Path("reports/nets_from_scratch/vanishing.png")
SCRATCH_MOMENTUM = Path("reports/nets_from_scratch/momentum.csv")  # loss per epoch: plain SGD vs momentum
SCRATCH_MOMENTUM_PNG = Path("reports/nets_from_scratch/momentum.png")
SCRATCH_CONFUSION = Path("reports/nets_from_scratch/iris_confusion.csv")  # test rows: actual, predicted
SCRATCH_CONFUSION_PNG = Path("reports/nets_from_scratch/iris_confusion.png")

# cluster (beside the supervised stages: reads ingest's table, all rows)
CLUSTER_ASSIGNMENTS = Path("data/cluster/assignments.csv")  # ingest's table with each row's cluster
CLUSTER_METRICS = Path("reports/cluster/metrics.json")  # headline numbers for `dvc exp show`
CLUSTER_CURVES = Path("reports/cluster/curves.csv")  # per k: inertia, silhouette, Calinski-Harabasz, Davies-Bouldin
CLUSTER_CURVES_PNG = Path("reports/cluster/curves.png")
CLUSTER_CENTRES = Path("reports/cluster/centres.csv")  # each cluster's average row in the original units
CLUSTER_SIZES = Path("reports/cluster/sizes.csv")  # rows per cluster; with classes, the contingency table
CLUSTER_SCATTER_PNG = Path("reports/cluster/scatter.png")  # 2-D PCA map coloured by cluster (and by class)

# ingest_images
DIGITS_DIR = Path("data/images/digits")  # the built-in digits as PNG files, one folder per class
IMAGE_MANIFEST = Path("data/images/manifest.csv")  # path, label, split
IMAGE_LABELS = Path("data/images/labels.json")
IMAGES_TRAIN = Path("data/images/train")  # x.npy (uint8 pixels, read a batch at a time) and y.npy (class codes)
IMAGES_VAL = Path("data/images/val")
IMAGES_TEST = Path("data/images/test")  # read by the image stages' final evaluation only
INGEST_IMAGES_METRICS = Path("reports/ingest_images/metrics.json")
IMAGE_SAMPLES_PNG = Path("reports/ingest_images/samples.png")

# train_cnn
CNN_MODEL = Path("models/train_cnn/model.keras")  # takes uint8 images as ingest_images stores them
CNN_LABELS = Path("models/train_cnn/labels.json")  # its class order, image size, channels and resize mode
CNN_LIVE_METRICS = Path("reports/train_cnn/live/metrics.json")  # DVCLive: the last epoch's values
CNN_LIVE_PLOTS = Path("reports/train_cnn/live/plots/metrics")  # DVCLive: loss and accuracy per epoch
CNN_METRICS = Path("reports/train_cnn/metrics.json")
CNN_PER_CLASS = Path("reports/train_cnn/per_class.json")
CNN_CONFUSION = Path("reports/train_cnn/confusion.csv")
CNN_ROC = Path("reports/train_cnn/roc.csv")  # two classes: the positive class's; more: the micro-average
CNN_CURVES_PNG = Path("reports/train_cnn/curves.png")
CNN_CONFUSION_PNG = Path("reports/train_cnn/confusion.png")
CNN_OUTPUTS = {"labels": CNN_LABELS, "metrics": CNN_METRICS, "per_class": CNN_PER_CLASS, "confusion": CNN_CONFUSION,
               "roc": CNN_ROC, "curves_png": CNN_CURVES_PNG, "confusion_png": CNN_CONFUSION_PNG}  # beside the model

# transfer
TRANSFER_MODEL = Path("models/transfer/model.keras")  # load after `import stages.core.images.backbones` (BackboneInput)
TRANSFER_LABELS = Path("models/transfer/labels.json")  # the classes its head predicts, in order; image format
TRANSFER_LIVE_METRICS = Path("reports/transfer/live/metrics.json")  # DVCLive: the last epoch's values
TRANSFER_LIVE_PLOTS = Path("reports/transfer/live/plots/metrics")  # both phases, one curve; phase.tsv marks them
TRANSFER_METRICS = Path("reports/transfer/metrics.json")
TRANSFER_PER_CLASS = Path("reports/transfer/per_class.json")
TRANSFER_CONFUSION = Path("reports/transfer/confusion.csv")
TRANSFER_ROC = Path("reports/transfer/roc.csv")
TRANSFER_CURVES_PNG = Path("reports/transfer/curves.png")
TRANSFER_CONFUSION_PNG = Path("reports/transfer/confusion.png")
TRANSFER_OUTPUTS = {"labels": TRANSFER_LABELS, "metrics": TRANSFER_METRICS, "per_class": TRANSFER_PER_CLASS,
                    "confusion": TRANSFER_CONFUSION, "roc": TRANSFER_ROC, "curves_png": TRANSFER_CURVES_PNG,
                    "confusion_png": TRANSFER_CONFUSION_PNG}

# summary (the last stage: reads the others' metrics and figures)
SUMMARY = Path("reports/summary.md")  # the run in one screen: what `make repro` prints last
RUN_PAGE = Path("reports/index.html")  # the run in one page, figures linked relative to it
