"""The project's own estimators (stages/core/tabular/models.py) under scikit-learn's estimator checks, and the
approximate RBF SVM against the exact one."""

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.exceptions import NotFittedError
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from stages.core.tabular.models import ApproxRBFSVM


# every check passes; the one scikit-learn skips by itself is check_array_api_input (it runs only with
# SCIPY_ARRAY_API=1: array-API inputs, which no stage passes)
@parametrize_with_checks([ApproxRBFSVM(random_state=0)])
def test_approx_rbf_svm_passes_scikit_learns_estimator_checks(estimator, check):
    check(estimator)


def test_approx_rbf_svm_scores_near_the_exact_svm_and_refuses_to_predict_unfitted():
    X, y = make_moons(600, noise=0.2, random_state=0)
    approx = ApproxRBFSVM(random_state=0).fit(X[:400], y[:400]).score(X[400:], y[400:])
    exact = SVC().fit(X[:400], y[:400]).score(X[400:], y[400:])
    assert approx > 0.9 and abs(approx - exact) < 0.03
    with pytest.raises(NotFittedError):
        ApproxRBFSVM().predict(X)
    with pytest.raises(ValueError, match="X has 5 features, but ApproxRBFSVM is expecting 2"):
        ApproxRBFSVM(random_state=0).fit(X, y).predict(np.zeros((3, 5)))
