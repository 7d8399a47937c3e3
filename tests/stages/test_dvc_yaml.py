"""dvc.yaml must say exactly what each stage reads and writes, or DVC re-runs the wrong things.

Each stage is run in a scratch project while its params and file reads are recorded; the files it
writes are found by comparing the directory before and after.
"""

import ast
import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from stages import (
    bias_variance,
    check_params,
    cluster,
    compare_models,
    evaluate,
    ingest,
    ingest_images,
    nets_from_scratch,
    preprocess,
    select_features,
    summary,
    train_cnn,
    train_dnn,
    transfer,
    tune,
)
from stages.common import io, paths
from stages.core.images import folders
from stages.params import load_params
from tests.conftest import REPO, patients, run_ok, set_params

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
TABULAR = ["check_params", "ingest", "preprocess", "select_features", "compare_models", "tune", "bias_variance",
           "evaluate", "cluster", "train_dnn", "summary"]
MODULES = {"check_params": check_params, "ingest": ingest, "preprocess": preprocess, "select_features": select_features,
           "compare_models": compare_models, "tune": tune, "bias_variance": bias_variance, "evaluate": evaluate,
           "cluster": cluster, "train_dnn": train_dnn, "ingest_images": ingest_images, "train_cnn": train_cnn,
           "transfer": transfer, "nets_from_scratch": nets_from_scratch, "summary": summary}


class Recorder:
    """Wraps validated params and notes every leaf key a stage reads, as `section.key`."""

    def __init__(self, model, seen, prefix=""):
        self._model, self._seen, self._prefix = model, seen, prefix

    def __getattr__(self, name):
        value = getattr(self._model, name)
        key = f"{self._prefix}{name}"
        if isinstance(value, BaseModel):
            return Recorder(value, self._seen, key + ".")
        self._seen.add(key)
        return value


def declared(stage, kind):
    return {next(iter(e)) if isinstance(e, dict) else e for e in DVC[stage].get(kind, [])}


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def run_recorded(stage, monkeypatch, workdir):
    """Run a stage; return (params read, files read, files written)."""
    module = MODULES[stage]
    params_read, files_read = set(), set()
    if hasattr(module, "load_params"):  # evaluate reads no params: labels.json says which class is positive
        monkeypatch.setattr(module, "load_params", lambda **kw: Recorder(load_params(**kw), params_read))
    for owner in (module, io, folders):  # the stage's own names, what stages.common.io helpers read on its behalf,
        # and the folder listing ingest_images calls through its module
        for name in ("read_table", "read_object", "read_json", "read_user_csv", "read_image_split", "list_images"):
            if hasattr(owner, name):
                real = getattr(owner, name)
                monkeypatch.setattr(owner, name, lambda p, *a, _real=real, **kw:
                                    files_read.add(str(p)) or _real(p, *a, **kw))
    before = files_under(workdir)
    run_ok(module)
    return params_read, files_read, files_under(workdir) - before


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Every stage, in pipeline order, on built-in data; the tabular stages again on a user CSV and on a
    regression (the image stages read nothing a CSV changes). Once per module."""
    workdir = tmp_path_factory.mktemp("project")
    shutil.copy(REPO / "params.yaml", workdir / "params.yaml")
    for raw in ("tables", "images"):
        (workdir / "data" / "raw" / raw).mkdir(parents=True)
    runs = {stage: [set(), set(), set()] for stage in DVC}
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(workdir)
        # fast: what is read and written does not depend on these values
        set_params(workdir, compare__models=["logistic_regression", "knn"], compare__folds=3, compare__repeats=1,
                   features__cv=3, tune__cv=3, cnn__epochs=1, transfer__epochs=1, transfer__fine_tune_epochs=1,
                   transfer__pipeline__epochs=1, cluster__k_range=[2, 3], cluster__n_init=1, cluster__bootstrap=1,
                   dnn__epochs=2, scratch__epochs=2)
        for setup in ("builtin", "csv", "regression"):
            if setup == "csv":
                patients().to_csv(workdir / "data" / "raw" / "tables" / "patients.csv", index=False)
                set_params(workdir, data__csv="data/raw/tables/patients.csv", data__target="outcome")
            if setup == "regression":
                set_params(workdir, data__csv=None, data__dataset="diabetes", data__target="target",
                           compare__models=["ridge", "knn"])
            for stage in DVC if setup == "builtin" else TABULAR:
                for total, part in zip(runs[stage], run_recorded(stage, monkeypatch, workdir), strict=True):
                    total |= part
    return runs


def test_every_stage_is_a_module_run_with_python_m():
    assert set(DVC) == set(MODULES)
    for stage in DVC:
        assert DVC[stage]["cmd"] == f"python -m stages.{stage}"


def covers(key: str, leaf: str) -> bool:
    """A declared key covers itself and, for a whole section (`cnn`), every key below it."""
    return leaf == key or leaf.startswith(key + ".")


WHOLE_FILE = "params.yaml"  # check_params depends on every key: `params.yaml:` with no list


def test_check_params_depends_on_the_whole_file_and_writes_nothing(recorded):
    assert DVC["check_params"]["params"] == [{WHOLE_FILE: None}]
    assert not any(DVC["check_params"].get(kind) for kind in ("outs", "metrics", "plots"))
    assert recorded["check_params"][2] == set()


def test_params_declared_are_exactly_the_params_read(recorded):
    for stage, (params_read, _, _) in recorded.items():
        if stage == "check_params":
            continue
        keys = declared(stage, "params")
        assert {r for r in params_read if not any(covers(k, r) for k in keys)} == set(), stage
        assert {k for k in keys if not any(covers(k, r) for r in params_read)} == set(), stage


def test_every_param_in_params_yaml_is_read_by_some_stage(recorded):
    def leaves(node, prefix=""):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"]

    keys = set().union(*(declared(stage, "params") for stage in recorded)) - {WHOLE_FILE}
    every = set(leaves(yaml.safe_load((REPO / "params.yaml").read_text())))
    assert {leaf for leaf in every if not any(covers(k, leaf) for k in keys)} == set()


def test_outputs_declared_are_exactly_the_files_written(recorded):
    for stage, (_, _, written) in recorded.items():
        outputs = declared(stage, "outs") | declared(stage, "metrics") | declared(stage, "plots")
        undeclared = {w for w in written if not any(Path(w).is_relative_to(o) for o in outputs)}
        unwritten = {o for o in outputs if not any(Path(w).is_relative_to(o) for w in written)}
        assert (undeclared, unwritten) == (set(), set()), stage


def test_files_read_are_declared_deps(recorded):
    for stage, (_, read, _) in recorded.items():
        deps = declared(stage, "deps")
        own = declared(stage, "outs")  # ingest_images lists the digits it has just exported
        assert read or stage in ("check_params", "nets_from_scratch"), stage  # the lessons' data is built in
        for path in read:
            assert any(Path(path).is_relative_to(d) for d in deps | own), (stage, path)


def core_imports(source: Path) -> set[str]:
    """The stages/core modules a file imports, directly or through other core modules (errors.py and the packages'
    docstring-only __init__.py aside: they change no result)."""
    found: set[str] = set()
    todo = [source]
    while todo:
        for node in ast.walk(ast.parse(todo.pop().read_text())):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("stages.core"):
                continue
            folder = node.module.replace(".", "/")
            if (REPO / folder).is_dir():  # `from stages.core.images import transfer`: modules of a package
                paths = [f"{folder}/{a.name}.py" for a in node.names]
            else:
                paths = [f"{folder}.py"]
            for path in paths:
                if path not in found and path != "stages/core/errors.py":
                    found.add(path)
                    todo.append(REPO / path)
    return found


def test_code_deps_are_the_stage_and_the_core_modules_it_imports():
    for stage in DVC:
        code_deps = {d for d in declared(stage, "deps") if d.endswith(".py")}
        assert code_deps == {f"stages/{stage}.py"} | core_imports(REPO / "stages" / f"{stage}.py"), stage


def test_paths_module_and_dvc_yaml_agree():
    constants = {str(v) for k, v in vars(paths).items() if k.isupper() and isinstance(v, Path)}
    everything = set().union(*(declared(s, k) for s in DVC for k in ("deps", "outs", "metrics", "plots")))
    data_paths = {p for p in everything if not p.endswith(".py")}
    assert data_paths <= constants
    inside = {c for c in constants if any(Path(c).is_relative_to(p) and c != p for p in data_paths)}  # in a folder out
    assert constants - data_paths - inside == {"params.yaml"}


def test_metrics_and_reports_are_committed_to_git_not_cached():
    """Every metric and plot, and every out under reports/, is `cache: false`: git holds it."""
    for stage, spec in DVC.items():
        entries = [(kind, e if isinstance(e, dict) else {e: {}}) for kind in ("metrics", "plots", "outs")
                   for e in spec.get(kind, [])]
        for kind, entry in entries:
            path, options = next(iter(entry.items()))
            if kind != "outs" or path.startswith("reports/"):
                assert (options or {}).get("cache") is False, f"{stage}: {path} should be cache: false"
