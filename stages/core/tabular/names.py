"""The tabular branch's names that params.yaml may use, in one module without numpy, pandas or scikit-learn: the
schema validates them (check_params runs in a fraction of a second), and the modules that build what they name
import them from here (tests/core/tabular/test_names.py checks that each builder covers its names)."""

KINDS = ("number", "category", "text", "date", "identifier", "constant", "empty")  # columns.type_columns
BUILTIN_DATASETS = ("breast_cancer", "iris", "wine", "digits", "diabetes")  # datasets.load_builtin
CLUSTER_METHODS = ("kmeans", "minibatch_kmeans", "agglomerative", "gaussian_mixture")  # clustering.make_clusterer

# models.CLASSIFIERS and models.REGRESSORS, the same names where a model exists for both tasks
CLASSIFIER_NAMES = ("logistic_regression", "knn", "decision_tree", "random_forest", "extra_trees", "svm", "rbf_svm",
                    "linear_svm", "hist_gradient_boosting", "xgboost", "bagging", "adaboost")
REGRESSOR_NAMES = ("linear_regression", "ridge", "lasso", "elastic_net", "knn", "decision_tree", "random_forest",
                   "extra_trees", "svr", "hist_gradient_boosting", "xgboost", "bagging", "adaboost")
# built by compare_models from its own models (compare.ensemble_top, compare.ensemble_selection), not from the zoo alone
COMBINED = ("voting", "stacking", "ensemble_selection")
ZOO_NAMES = tuple(dict.fromkeys([*CLASSIFIER_NAMES, *REGRESSOR_NAMES]))  # the models that stand alone
MODEL_NAMES = (*ZOO_NAMES, *COMBINED)  # what tune.model may name

# metric names in params.yaml -> scikit-learn scorer names: (binary, multiclass) for classification
CLASSIFICATION_METRICS = {
    "accuracy": ("accuracy", "accuracy"),
    "balanced_accuracy": ("balanced_accuracy", "balanced_accuracy"),
    "f1": ("f1", "f1_macro"),
    "precision": ("precision", "precision_macro"),
    "recall": ("recall", "recall_macro"),
    "roc_auc": ("roc_auc", "roc_auc_ovr"),
}
REGRESSION_METRICS = {"r2": "r2", "rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error"}
