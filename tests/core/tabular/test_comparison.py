"""compare's plan and result (stages/core/tabular/comparison.py): auto resolved by size, the winner tested
against the runner-up, on hand-made fold scores."""


from types import SimpleNamespace

import pandas as pd
import pytest

from stages.core.errors import PipelineError
from stages.core.tabular.comparison import comparison_result, plan_comparison, summarize, verdict
from stages.core.tabular.tasks import TASKS
from tests.conftest import a_problem


def asked(**changes) -> SimpleNamespace:
    """A compare section as params.yaml gives it: every key auto unless changed."""
    return SimpleNamespace(**{"models": "auto", "metrics": "auto", "sort_by": "auto", "folds": "auto",
                              "repeats": "auto"} | changes)


def fold_table(a: list[float], b: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"model": ["a"] * len(a) + ["b"] * len(b), "accuracy": a + b, "repeat": 1,
                         "fold": [*range(1, len(a) + 1), *range(1, len(b) + 1)], "fit_time": 0.1})


def test_comparison_plan_resolves_auto_and_names_its_section_in_errors():
    task = TASKS["classification"]
    plan = plan_comparison(a_problem(rows=300), asked(), section="compare")
    assert plan.models == list(task.models) and plan.metrics[0] == "accuracy" and plan.sort_by == "accuracy"
    assert (plan.folds, plan.repeats) == (10, 1) and [d.rule for d in plan.decisions] == ["folds", "repeats"]
    large = plan_comparison(a_problem(rows=60_000), asked(metrics=["f1"], sort_by="f1", folds=5, repeats=1),
                            section="compare")
    assert "knn" not in large.models and large.metrics == ["accuracy", "f1"] and (large.folds, large.repeats) == (5, 1)
    assert "knn" in plan_comparison(a_problem(rows=60_000, size_rules=False), asked(folds=5, repeats=1),
                                    section="compare").models
    with pytest.raises(PipelineError, match=r"^mine.sort_by has \['r2'\], which do not score classification"):
        plan_comparison(a_problem(rows=300), asked(sort_by="r2"), section="mine")


def test_comparison_result_tests_the_winner_against_the_runner_up():
    clear = fold_table([0.9, 0.92, 0.91, 0.93], [0.7, 0.72, 0.71, 0.69])
    table = summarize(clear, ["accuracy"], "accuracy")
    result = comparison_result(clear, table, "accuracy", folds=4)
    assert result["winner"]["accuracy"] == pytest.approx(0.915) and list(result["cv_accuracy"]) == ["a", "b"]
    assert result["winner_vs_runner_up"]["difference"] == pytest.approx(0.21)
    assert result["winner_vs_runner_up"]["p_value"] < 0.05
    assert verdict(result, ["a", "b"], "accuracy").startswith("winner a (accuracy 0.9150); vs b: p = ")
    close = fold_table([0.9, 0.8, 0.91, 0.79], [0.85, 0.84, 0.86, 0.83])
    result = comparison_result(close, summarize(close, ["accuracy"], "accuracy"), "accuracy", folds=4)
    assert verdict(result, ["b", "a"], "accuracy").endswith("(not a significant difference)")
    alone = fold_table([0.9, 0.8], [])
    assert "winner_vs_runner_up" not in comparison_result(alone, summarize(alone, ["accuracy"], "accuracy"),
                                                          "accuracy", folds=2)
