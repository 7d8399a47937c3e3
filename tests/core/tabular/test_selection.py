"""Feature selection (stages/core/tabular/selection.py): checks that name their section, the metrics, and
SelectFeatures under scikit-learn's own estimator checks."""


import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stages.core.errors import PipelineError
from stages.core.tabular.selection import Method, SelectFeatures, check_selection, feature_table, selection_metrics
from tests.conftest import toy_rows


def test_selection_checks_name_their_section_and_metrics_read_the_nearest_size():
    X, y = toy_rows()
    with pytest.raises(PipelineError, match=r"^feats.method = 'chi2' tests class counts"):
        check_selection("chi2", "linear_regression", 1, X, y.astype(float), "regression", section="feats")
    with pytest.raises(PipelineError, match=r"^feats.k = 3 but the training data has 2 features"):
        check_selection("f_test", "logistic_regression", 3, X, y, "classification", section="feats")
    curve = pd.DataFrame({"n_features": [1, 2, 4], "cv_score": [0.6, 0.7, 0.8], "cv_std": [0.1, 0.2, 0.3]})
    metrics = selection_metrics(curve, np.array([0.8, 0.9]), k=3, n=4)  # k=3 was not scored: read at 2
    assert (metrics["cv_score_selected"], metrics["cv_score_selected_std"]) == (0.7, 0.2)
    assert metrics["cv_score_all"] == pytest.approx(0.85)
    table = feature_table(pd.DataFrame({"score": [3.0, 1.0, 2.0]}, index=["x", "y", "z"]), ["z", "x"])
    assert table["selected"].tolist() == [True, False, True] and table["selection_order"].tolist()[::2] == [2, 1]


# every check passes (scikit-learn skips check_array_api_input by itself unless SCIPY_ARRAY_API=1: array-API
# inputs, which no stage passes); arrays are taken as well as the pipeline's DataFrames (an array's kept
# columns come back as an array), and bad input (empty, 1-d, sparse, NaN) gets scikit-learn's own errors
@parametrize_with_checks([SelectFeatures(Method("f_test", None), k=2), SelectFeatures()])
def test_select_features_passes_scikit_learns_estimator_checks(estimator, check):
    check(estimator)


def test_select_features_keeps_a_dataframes_names_and_an_arrays_positions():
    X, y = toy_rows()
    X = X.assign(noise=np.random.default_rng(1).normal(size=len(X)))
    step = SelectFeatures(Method("f_test", None), k=1).fit(X, y)
    assert step.features_ == ["a"] and list(step.feature_names_in_) == ["a", "b", "noise"]
    assert list(step.transform(X).columns) == ["a"] and list(step.get_feature_names_out()) == ["a"]
    array = SelectFeatures(Method("f_test", None), k=1).fit(X.to_numpy(), y)
    assert array.features_ == [0] and not hasattr(array, "feature_names_in_")
    assert np.array_equal(array.transform(X.to_numpy()), X[["a"]].to_numpy())
