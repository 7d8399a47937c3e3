"""params.yaml validation: every mistake named by its key, with what is allowed."""

import pytest
import yaml

from stages import ingest
from stages.core.errors import PipelineError
from stages.params import load_params, validate_params
from tests.conftest import REPO, run_fails, set_params


def repo_params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text())


def problem(**changes) -> str:
    raw = repo_params()
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = raw
        for key in parents:
            node = node[key]
        node[leaf] = value
    with pytest.raises(PipelineError) as exc:
        validate_params(raw)
    return str(exc.value)


def test_repo_params_are_valid():
    params = validate_params(repo_params())
    assert params.data.dataset == "breast_cancer"
    assert params.data.test_size == 0.2
    assert params.seed == 42


def test_misspelt_key_suggests_the_closest():
    raw = repo_params()
    raw["data"]["datset"] = raw["data"].pop("dataset")
    with pytest.raises(PipelineError) as exc:
        validate_params(raw)
    assert "unknown key `data.datset`; did you mean `data.dataset`?" in str(exc.value)


def test_misspelt_section_suggests_the_closest():
    raw = repo_params()
    raw["preproces"] = raw.pop("preprocess")
    message = str(pytest.raises(PipelineError, validate_params, raw).value)
    assert "unknown key `preproces`; did you mean `preprocess`?" in message
    assert "missing key `preprocess`" in message


def test_unknown_key_with_no_near_match_lists_the_valid_ones():
    valid = ("dataset, csv, target, task, positive_class, sep, header, columns, decimal, thousands, na_values, "
             "kinds, drop, case_sensitive_classes, merge_classes, duplicates, rare_classes, test_size")
    assert f"unknown key `data.flavour`; valid keys in `data`: {valid}" in problem(data__flavour="red")


def test_wrong_type_names_key_and_value():
    message = problem(data__test_size="big")
    assert "`data.test_size` = 'big'" in message
    assert "valid number" in message


@pytest.mark.parametrize(
    "value, bound", [(0, "greater than 0"), (1, "less than 1"), (1.5, "less than 1"), (-0.2, "greater than 0")]
)
def test_test_size_outside_open_unit_interval(value, bound):
    message = problem(data__test_size=value)
    assert f"`data.test_size` = {value!r}" in message
    assert bound in message


def test_unknown_dataset_lists_the_choices():
    message = problem(data__dataset="mnist")
    assert "`data.dataset` = 'mnist' is not allowed" in message
    for name in ("breast_cancer", "iris", "wine", "digits"):
        assert name in message


def test_unknown_scaler_lists_the_choices():
    assert "`preprocess.scale` = 'zscore' is not allowed; choose one of standard, minmax, robust or none" in problem(
        preprocess__scale="zscore"
    )


def test_missing_key_is_named():
    raw = repo_params()
    del raw["data"]["test_size"]
    assert "missing key `data.test_size`" in str(pytest.raises(PipelineError, validate_params, raw).value)


def test_invalid_yaml_is_one_line(workdir):
    (workdir / "params.yaml").write_text("data: [unclosed\n")
    with pytest.raises(PipelineError, match=r"params.yaml is not valid YAML"):
        load_params()


def test_stage_reports_params_error_on_one_line(workdir, capsys):
    set_params(workdir, data__test_size="big")
    err = run_fails(ingest, capsys)
    assert "`data.test_size` = 'big'" in err
    assert not (workdir / "data" / "interim").exists()


@pytest.mark.parametrize("key", ["compare__n_jobs", "tune__n_jobs", "features__sfs__n_jobs"])
def test_zero_processes_is_rejected_before_any_work(key):
    message = problem(**{key: 0})
    dotted = key.replace("__", ".")
    assert f"`{dotted}` = 0: 0 processes cannot run anything; use a count >= 1, or -1 for all cores" in message


def test_all_cores_is_allowed():
    raw = repo_params()
    raw["compare"]["n_jobs"] = -1
    assert validate_params(raw).compare.n_jobs == -1


def test_separator_is_one_character():
    assert "`data.sep` = ';;': give one character" in problem(data__sep=";;")


def test_tune_k_takes_a_list_of_counts_or_a_range():
    assert "`tune.k`" in problem(tune__k=[0, 5])
    raw = repo_params()
    raw["tune"]["k"] = {"low": 2, "high": 10}
    assert validate_params(raw).tune.k.high == 10


def test_a_moved_key_says_where_it_went():
    raw = repo_params()
    raw["evaluate"]["positive_class"] = "benign"
    message = str(pytest.raises(PipelineError, validate_params, raw).value)
    assert "unknown key `evaluate.positive_class`: it is now `data.positive_class`" in message
    raw = repo_params()
    raw["transfer"]["target_samples_per_class"] = 20
    message = str(pytest.raises(PipelineError, validate_params, raw).value)
    assert ("unknown key `transfer.target_samples_per_class`: it is now `transfer.pipeline.target_samples_per_class`: "
            "it applies only to the pipeline backbone") in message


def test_network_thresholds_and_source_classes():
    raw = repo_params()
    raw["cnn"]["threshold"] = {"sensitivity": 0.95}
    raw["transfer"]["pipeline"]["source_classes"] = ["cat", 3]
    params = validate_params(raw)
    assert params.cnn.threshold == {"sensitivity": 0.95} and params.transfer.pipeline.source_classes == ["cat", 3]
    assert "`cnn.threshold` = {'recall': 0.9}: give a cut" in problem(cnn__threshold={"recall": 0.9})
    assert "`cnn.threshold` = 0: give a cut" in problem(cnn__threshold=0)
    assert ("`transfer.pipeline.source_classes` = 'first': auto (the first half of the classes"
            in problem(transfer__pipeline__source_classes="first"))


@pytest.mark.parametrize("key, value, said", [("compare__racing", 1.5, "less than 1"),
                                              ("compare__racing", -0.01, "greater than or equal to 0"),
                                              ("compare__stacking", "sometimes", "'sometimes'")])
def test_racing_and_stacking_values_name_the_key(key, value, said):
    message = problem(**{key: value})
    assert f"`{key.replace('__', '.')}` = {value!r}" in message and said in message
