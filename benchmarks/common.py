"""A built-in dataset's training split, as the default pipeline makes it, rebuilt in memory for the benchmarks."""

from __future__ import annotations

from stages.core.tabular.datasets import load_builtin
from stages.core.tabular.preprocessing import build_preprocessor, encode_labels, feature_types, split

SEED = 42


def training_split(dataset: str = "breast_cancer"):
    """(X raw rows, y codes, unfitted preprocessor): what compare_models and tune start from."""
    train, _ = split(load_builtin(dataset, "target", section="data"), "target", 0.2, SEED, key="data.test_size")
    X = train.drop(columns="target")
    y = encode_labels(train["target"]).transform(train["target"])
    return X, y, build_preprocessor(feature_types(X), "standard", "median", 20)
