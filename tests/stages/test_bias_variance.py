"""The course's later tabular lessons: bias and variance (learning and validation curves, and the rule that reads
them, on models built to under- and over-fit), ensembles in the comparison, a decision threshold chosen on
training folds only, and what the final model learned (permutation importance, the tree, the coefficients)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import make_classification, make_moons
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from stages import compare_models, evaluate, ingest, preprocess, select_features, tune
from stages.common import paths
from stages.common.io import read_json, read_object, read_table
from stages.core.errors import PipelineError
from stages.core.report.headlines import headlines
from stages.core.tabular.bias_variance import Curve, complexity, curves, diagnose
from stages.core.tabular.comparison import comparison_result, lesson, summarize, top_members, verdict
from stages.core.tabular.inspection import coefficient_table, importance_table, original_column
from stages.core.tabular.models import COMBINED, NamedClassifier, make_estimator
from stages.core.tabular.selection import Method, SelectFeatures
from stages.core.tabular.sizing import importance_rows, sized_estimator, stacking_at_cost
from stages.core.tabular.threshold import check_threshold, missed_target, rates
from stages.params import validate_params
from tests.conftest import REPO, a_problem, project_of, run_fails, run_stages, set_params

FOLDS = StratifiedKFold(5, shuffle=True, random_state=0)
SETTINGS = SimpleNamespace(sizes=5, n_jobs=1)  # bias_variance's section: 5 sizes, one process

STACKING, IMPORTANCE = "compare.stacking", "evaluate.importance_rows"  # the keys those rules name


def tree_curves(X, y, depth):
    model = Pipeline([("model", DecisionTreeClassifier(max_depth=depth, random_state=0))])
    return curves(model, X, y, FOLDS, "accuracy", ("model__max_depth", [1, 2, 4, 8, 16]), SETTINGS)


def test_a_stump_on_two_moons_under_fits():
    X, y = make_moons(600, noise=0.25, random_state=0)
    learning, validation = tree_curves(X, y, depth=1)
    reading = diagnose(learning, validation, "max_depth", 1)
    assert reading["verdict"] == "under-fitting", reading["line"]
    assert reading["gap"] < 0.05 and reading["best_value"] in (4, 8) and reading["best_validation"] >= 0.88
    assert "under-fitting (high bias)" in reading["line"] and "the tuned model has 1" in reading["line"]


def test_an_unpruned_tree_on_noisy_labels_over_fits_and_the_deep_end_is_named():
    X, y = make_classification(600, n_features=10, n_informative=4, flip_y=0.3, random_state=0)
    learning, validation = tree_curves(X, y, depth=None)
    reading = diagnose(learning, validation, "max_depth", None)
    assert reading["verdict"] == "over-fitting", reading["line"]
    assert reading["training"] == 1.0 and reading["gap"] > 0.2
    assert "over-fitting (high variance)" in reading["line"]
    assert "training >> validation at max_depth 16" in reading["line"] and reading["best_value"] <= 4


def test_a_linear_model_on_linear_data_fits_well():
    X, y = make_classification(600, n_features=5, n_informative=3, n_redundant=0, class_sep=2, random_state=0)
    model = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    learning, validation = curves(model, X, y, FOLDS, "accuracy", ("model__C", [0.01, 0.1, 1, 10]), SETTINGS)
    assert diagnose(learning, validation, "C", 1.0)["verdict"] == "good fit"
    assert learning.x[0] >= 30 and learning.x[-1] == 480  # at least SMALLEST rows, up to a fold's training rows


def constructed(val: list[float], train: list[float]) -> Curve:
    zeros = np.zeros(len(val))
    return Curve(list(range(100, 100 * len(val) + 1, 100)), np.array(train), zeros, np.array(val), zeros)


def test_the_rule_says_more_rows_would_help_only_while_validation_still_rises():
    flat_validation = constructed([0.80, 0.85], [0.86, 0.86])
    rising = diagnose(constructed([0.70, 0.80, 0.84], [0.86, 0.86, 0.86]), flat_validation, "C", None)
    assert rising["rising"] and "validation still rising at the full training size (+0.0400)" in rising["line"]
    flat = diagnose(constructed([0.70, 0.835, 0.84], [0.86, 0.86, 0.86]), flat_validation, "C", None)
    assert not flat["rising"] and "levelled off" in flat["line"]  # +0.005 <= RISE (0.01)
    assert flat["verdict"] == "good fit"  # gap 0.02 <= 0.05; the curve's best 0.85 is within 0.05 of 0.84


def test_the_validation_curve_parameter_defaults_per_model_and_names_the_fix():
    for name, expected in [("decision_tree", "model__max_depth"), ("knn", "model__n_neighbors"),
                           ("svm", "model__C"), ("adaboost", "model__n_estimators")]:
        pipeline = Pipeline([("model", make_estimator(name, 0))])
        assert complexity(name, pipeline, "auto", "auto", 30, section="bias_variance")[1] == expected
    voting = Pipeline([("model", make_estimator("voting", 0, members=[
        ("svm", make_estimator("svm", 0)), ("knn", make_estimator("knn", 0))]))])
    shown, path, values = complexity("voting", voting, "auto", "auto", 30, section="bias_variance")
    assert (shown, path) == ("svm__C", "model__svm__estimator__C")  # soft voting Platt-scales the SVM
    assert path in voting.get_params(deep=True) and values[0] == 0.01
    tree = Pipeline([("model", make_estimator("decision_tree", 0))])
    with pytest.raises(PipelineError, match=r"bias_variance.values = auto knows only decision_tree's default"):
        complexity("decision_tree", tree, "min_samples_leaf", "auto", 30, section="bias_variance")
    with pytest.raises(PipelineError, match=r"bias_variance.param = 'depth': decision_tree has no such parameter"):
        complexity("decision_tree", tree, "depth", [1, 2], 30, section="bias_variance")
    assert complexity("decision_tree", tree, "min_samples_leaf", [1, 5], 30, section="bias_variance")[2] == [1, 5]
    linear = make_estimator("linear_regression", 0, task="regression")
    selected = Pipeline([("select", SelectFeatures(Method("f_test", None), 5)), ("model", linear)])
    assert complexity("linear_regression", selected, "auto", "auto", 20, section="bias_variance") == (
        "k", "select__k", [1, 2, 4, 8, 16, 20])  # no parameter of its own: the features kept
    unselected = Pipeline([("select", SelectFeatures(None)), ("model", linear)])
    with pytest.raises(PipelineError, match="linear_regression has no hyper-parameter that sets how closely it fits"):
        complexity("linear_regression", unselected, "auto", "auto", 20, section="bias_variance")
    stacked = Pipeline([("model", make_estimator("stacking", 0, task="regression", members=[
        ("linear_regression", linear), ("ridge", make_estimator("ridge", 0, task="regression"))]))])
    assert complexity("stacking", stacked, "auto", "auto", 20, section="bias_variance")[1] == "model__ridge__alpha"


def test_combining_is_judged_against_the_best_stand_alone_model_forests_included():
    scores = pd.DataFrame({"model": ["stacking"] * 4 + ["random_forest"] * 4 + ["decision_tree"] * 4,
                           "accuracy": [0.69, 0.70, 0.68, 0.69, 0.69, 0.68, 0.69, 0.68, 0.61, 0.62, 0.61, 0.62],
                           "repeat": 1, "fold": [1, 2, 3, 4] * 3, "fit_time": 0.1})
    table = summarize(scores, ["accuracy"], "accuracy")
    result = comparison_result(scores, table, "accuracy", folds=4)
    assert (result["combined_vs_alone"]["combined"], result["combined_vs_alone"]["alone"]) == (
        "stacking", "random_forest")  # not the best tree alone: that is the lesson below
    assert result["combined_vs_alone"]["difference"] == pytest.approx(0.005)
    line = verdict(result, table["model"].tolist(), "accuracy")
    assert "combined stacking vs the best stand-alone model random_forest: +0.0050" in line
    assert "(not worth combining)" in line and "decision_tree" not in line.split("; combined")[1]
    lessons = result["ensemble_learners_vs_single"]
    assert (lessons["ensemble"], lessons["single"]) == ("random_forest", "decision_tree")
    assert lesson(result, "accuracy").startswith("lesson: ensemble learners vs single learners: random_forest vs "
                                                 "decision_tree +0.0700")
    assert "significantly better" in lesson(result, "accuracy")
    said = headlines({"compare_models": result}, "classification")
    assert "stand-alone random_forest" in said["compare_models"] and "decision_tree" not in said["compare_models"]
    assert said["lessons"].startswith("ensemble learners (bagging, boosting) vs single learners: random_forest")
    assert top_members(["voting", "svm", "knn", "tree"], 3) == ["svm", "knn", "tree"]  # never an ensemble of one
    assert top_members(["svm"], 3) == [] and top_members(["svm", "knn"], 1) == []


@pytest.fixture
def selected(patients_csv):
    workdir = project_of(patients_csv)
    run_stages(workdir, ingest, preprocess, select_features)
    return workdir


def test_compare_adds_voting_and_stacking_of_the_top_models_and_tune_keeps_them(selected, capsys):
    run_stages(selected, compare_models, tune, compare__models=["logistic_regression", "knn", "decision_tree",
                                                                 "bagging"], compare__stacking=True)
    scores, winner = read_table(paths.FOLD_SCORES), read_json(paths.WINNER)
    assert set(scores["model"]) == {"logistic_regression", "knn", "decision_tree", "bagging", "voting", "stacking",
                                    "ensemble_selection"}
    assert (scores.groupby("model").size() == 3).all()  # the same folds for every model
    table = summarize(scores.assign(fit_time=0.0), ["accuracy"], "accuracy")
    singles = [m for m in table["model"] if m not in COMBINED]
    assert winner["members"] == singles[:3]
    judged = read_json(paths.COMPARE_METRICS)
    assert {"combined", "alone", "difference", "p_value"} <= set(judged["combined_vs_alone"])
    assert {"ensemble", "single", "difference", "p_value"} <= set(judged["ensemble_learners_vs_single"])
    out = capsys.readouterr().out
    assert f"voting and stacking of the top 3: {', '.join(singles[:3])}" in out
    for name in ("voting", "stacking"):  # tune has no space for them: it keeps them as compared, k aside
        run_stages(selected, tune, tune__model=name)
        assert f"tune.spaces.{name} is not set: {name} keeps its members" in capsys.readouterr().out
        assert type(read_object(paths.MODEL).pipeline_.named_steps["model"]).__name__.startswith(name.title())
    run_stages(selected, tune, tune__model="ensemble_selection")  # a VotingClassifier with compare's weights
    saved = read_object(paths.MODEL).pipeline_.named_steps["model"]
    assert dict(zip([n for n, _ in saved.estimators], saved.weights)) == winner["ensemble"]
    assert sum(winner["ensemble"].values()) == 25 and set(winner["ensemble"]) <= set(singles)
    assert "tune.spaces.ensemble_selection is not set: ensemble_selection keeps its members" in capsys.readouterr().out
    set_params(selected, compare__models=["knn", "voting"])
    assert "voting and stacking combine" in run_fails(compare_models, capsys)


def test_a_sensitivity_threshold_is_chosen_on_training_folds_and_reported_on_the_test_rows(selected, capsys):
    run_stages(selected, compare_models, tune, evaluate, tune__threshold={"sensitivity": 0.95})
    model = read_object(paths.MODEL)
    cut, tuned = model.threshold_, read_json(paths.TUNE_METRICS)["threshold"]
    assert 0 < cut < 1 and tuned == cut
    metrics = read_json(paths.EVALUATE_METRICS)["threshold"]
    assert metrics["value"] == cut and {"sensitivity", "specificity", "at_0.5"} <= set(metrics)
    assert f"threshold {cut:.4g} (sensitivity >= 0.95)" in capsys.readouterr().out
    # the test rows play no part: other test rows, the same cut
    test = read_table(paths.TEST)
    test.iloc[::-1].assign(**{c: test[c].sample(frac=1, random_state=1).to_numpy() for c in test.columns}).to_csv(
        paths.TEST, index=False)
    run_stages(selected, tune, tune__threshold={"sensitivity": 0.95})
    assert read_object(paths.MODEL).threshold_ == cut


def test_the_threshold_rule_and_its_errors():
    raw = {"best_f1": "best_f1", "fixed": 0.3, "sens": {"sensitivity": 0.95}, "prec": {"precision": 0.9}}
    for value in raw.values():
        assert validate_params(params_with(value)).tune.threshold == value
    for wrong in ({"recall": 0.9}, 1.5, "f1", {"sensitivity": 0.9, "precision": 0.9}):
        with pytest.raises(PipelineError, match=r"tune.threshold.*\{sensitivity: 0.95\}"):
            validate_params(params_with(wrong))
    with pytest.raises(PipelineError, match="needs two classes, but this is 3 classes; set tune.threshold: 0.5"):
        check_threshold({"sensitivity": 0.9}, 3, "classification", "tune.threshold")
    with pytest.raises(PipelineError, match="this is a regression"):
        check_threshold("best_f1", 0, "regression", "tune.threshold")
    check_threshold(0.5, 3, "classification", "tune.threshold")  # the default changes nothing anywhere


def params_with(threshold) -> dict:
    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["tune"]["threshold"] = threshold
    return raw


def test_a_missed_sensitivity_target_says_by_how_much_on_how_many_rows():
    y = np.array([1] * 42 + [0] * 72)
    predicted = y.copy()
    predicted[:3] = 0  # 3 of 42 positives missed: 0.929
    test = rates(y, predicted, positive=1)
    note = missed_target({"sensitivity": 0.95}, test, y, 1, "malignant")
    assert note.startswith("test sensitivity 0.929 missed the 0.95 target by 0.021 on 42 malignant test rows "
                           "(one row is 0.024)")
    assert missed_target({"sensitivity": 0.9}, test, y, 1, "malignant") is None
    assert missed_target(0.3, test, y, 1, "malignant") is None


def test_best_f1_and_a_fixed_cut_move_predictions_the_way_they_say():
    X, y = make_classification(400, n_features=6, weights=[0.85], random_state=0)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    pipeline = Pipeline([("model", LogisticRegression())])
    fixed = NamedClassifier(pipeline, ["no", "yes"], list(X.columns), 0.1, 1, FOLDS).fit(X, np.where(y, "yes", "no"))
    plain = NamedClassifier(pipeline, ["no", "yes"], list(X.columns)).fit(X, np.where(y, "yes", "no"))
    assert fixed.threshold_ == 0.1 and plain.threshold_ is None
    assert (fixed.predict(X) == "yes").sum() > (plain.predict(X) == "yes").sum()
    best = NamedClassifier(pipeline, ["no", "yes"], list(X.columns), "best_f1", 1, FOLDS)
    best.fit(X, np.where(y, "yes", "no"))
    assert 0 < best.threshold_ < 1 and best.threshold_ != 0.5


def test_permutation_importance_is_seeded_and_finds_the_column_that_matters():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"signal": rng.normal(size=300), "noise": rng.normal(size=300),
                      "city": rng.choice(["a", "b"], 300)})
    y = np.where(X["signal"] > 0, "yes", "no")
    pipeline = Pipeline([("model", DecisionTreeClassifier(max_depth=3, random_state=0))])
    model = NamedClassifier(pipeline, ["no", "yes"], ["signal", "noise"]).fit(X, y)
    first, again = importance_table(model, X, y, 5, 0), importance_table(model, X, y, 5, 0)
    assert first.to_csv() == again.to_csv()  # byte for byte
    assert first["feature"].tolist()[0] == "signal" and first.loc[0, "importance"] > 0.3
    assert original_column("city_a", ["city", "cityscape"]) == "city"
    assert original_column("signal", ["signal"]) == "signal"


def test_evaluate_draws_the_tree_and_the_coefficients_of_the_models_that_have_them(selected, capsys):
    run_stages(selected, compare_models, tune, evaluate, compare__models=["decision_tree"], compare__ensemble_top=0)
    assert paths.TREE_PNG.read_bytes().startswith(b"\x89PNG") and not paths.COEFFICIENTS.exists()
    importance = read_table(paths.IMPORTANCE)
    assert list(importance.columns) == ["feature", "importance", "std"]
    assert f"top column by permutation importance: {importance['feature'][0]}" in capsys.readouterr().out
    first = paths.IMPORTANCE.read_bytes()
    run_stages(selected, evaluate)
    assert paths.IMPORTANCE.read_bytes() == first
    run_stages(selected, compare_models, tune, evaluate, compare__models=["logistic_regression"],
               compare__ensemble_top=0)
    coefficients = read_table(paths.COEFFICIENTS)
    assert not paths.TREE_PNG.exists() and set(coefficients["column"]) <= set(read_table(paths.TEST).columns)
    assert coefficients["coefficient"].abs().is_monotonic_decreasing
    model = read_object(paths.MODEL)
    table = coefficient_table(model, list(read_table(paths.TEST).columns), model.classes)
    assert table.equals(coefficients) or np.allclose(table["coefficient"], coefficients["coefficient"])


def test_stacking_joins_only_while_its_fits_are_a_quarter_of_the_comparison_and_bagged_trees_draw_fewer_rows():
    left_out = stacking_at_cost("auto", 3, 9, key=STACKING)  # 3 members x 6 fits per fold against 9 models' 9
    assert left_out.value == "left out"
    assert left_out.line().startswith("compare.stacking = left out: stacking refits its 3 members 6 times per fold, "
                                      "18 fits against the 9 single models' 9 (200% > 25%)")
    assert "compare.stacking: true to stack anyway" in left_out.line()
    assert stacking_at_cost("auto", 2, 48, key=STACKING).value == "on"  # 12 fits <= 25% of 48
    assert stacking_at_cost("auto", 2, 47, key=STACKING).value == "left out"
    assert stacking_at_cost(True, 3, 9, key=STACKING).value == "on"
    assert stacking_at_cost(False, 2, 100, key=STACKING).value == "left out"
    assert stacking_at_cost(True, 3, 9, key=STACKING).reason == "set in params.yaml"
    bagging, [rule] = sized_estimator("bagging", a_problem(rows=60_000), "compare.models")
    assert bagging.max_samples == 50_000 and rule.rule == "bagging"
    assert sized_estimator("bagging", a_problem(rows=50_000), "compare.models")[0].max_samples is None


def test_permutation_importance_reads_a_sample_of_large_test_splits_and_says_so():
    assert importance_rows(10_000, "auto", key=IMPORTANCE).value == "all"
    large = importance_rows(200_000, "auto", key=IMPORTANCE)
    assert large.value == 10_000 and large.line().startswith(
        "evaluate.importance_rows = 10000: 200,000 test rows > 10,000: permutation importance predicts them")
    assert importance_rows(200_000, None, key=IMPORTANCE).line() == "evaluate.importance_rows = all: set in params.yaml"
    assert importance_rows(200_000, 500, key=IMPORTANCE).value == 500
    assert importance_rows(300, 500, key=IMPORTANCE).value == "all"
