from stages.core.ensembles import ensemble_words


def test_the_heaviest_member_comes_first_and_equals_keep_the_ranking():
    words = ensemble_words({"logistic_regression": 2, "knn": 1, "hist_gradient_boosting": 3, "svm": 2})
    assert words == "ensemble of 4: hist_gradient_boosting ×3, logistic_regression ×2, svm ×2, knn ×1"
