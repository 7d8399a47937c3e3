"""dvc.yaml must say exactly what each stage reads and writes, or DVC re-runs the wrong things.

Each stage is run in a scratch project while its params and file reads are recorded; the files it
writes are found by comparing the directory before and after.
"""

import ast
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from conftest import REPO, patients, run_ok, set_params
from stages import compare_models, evaluate, ingest, paths, preprocess, select_features, tune
from stages.params import load_params

DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
MODULES = {"ingest": ingest, "preprocess": preprocess, "select_features": select_features,
           "compare_models": compare_models, "tune": tune, "evaluate": evaluate}


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
    monkeypatch.setattr(module, "load_params", lambda: Recorder(load_params(), params_read))
    for name in ("read_table", "read_object", "read_json", "read_user_csv"):
        if hasattr(module, name):
            real = getattr(module, name)
            monkeypatch.setattr(module, name, lambda p, _real=real: files_read.add(str(p)) or _real(p))
    before = files_under(workdir)
    run_ok(module)
    return params_read, files_read, files_under(workdir) - before


@pytest.fixture
def recorded(workdir, monkeypatch):
    """Every stage, in pipeline order, once on built-in data and once on a user CSV."""
    runs = {stage: [set(), set(), set()] for stage in DVC}
    set_params(workdir, compare__models=["logistic_regression", "knn"], compare__folds=3, compare__repeats=1,
               features__cv=3, tune__cv=3)  # fast: what is read and written does not depend on these values
    for setup in ("builtin", "csv"):
        if setup == "csv":
            patients().to_csv(workdir / "data" / "raw" / "patients.csv", index=False)
            set_params(workdir, data__csv="data/raw/patients.csv", data__target="outcome")
        for stage in DVC:
            for total, part in zip(runs[stage], run_recorded(stage, monkeypatch, workdir), strict=True):
                total |= part
    return runs


def test_every_stage_is_a_module_run_with_python_m():
    assert set(DVC) == set(MODULES)
    for stage in DVC:
        assert DVC[stage]["cmd"] == f"python -m stages.{stage}"


def test_params_declared_are_exactly_the_params_read(recorded):
    for stage, (params_read, _, _) in recorded.items():
        assert declared(stage, "params") == params_read, stage


def test_every_param_in_params_yaml_is_read_by_some_stage(recorded):
    def leaves(node, prefix=""):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"]

    used = set().union(*(params for params, _, _ in recorded.values()))
    every = set(leaves(yaml.safe_load((REPO / "params.yaml").read_text())))
    # a mapping read whole (tune.spaces) covers every leaf below it
    assert {leaf for leaf in every if any(leaf == key or leaf.startswith(key + ".") for key in used)} == every


def test_outputs_declared_are_exactly_the_files_written(recorded):
    for stage, (_, _, written) in recorded.items():
        assert declared(stage, "outs") | declared(stage, "metrics") | declared(stage, "plots") == written, stage


def test_files_read_are_declared_deps(recorded):
    for stage, (_, read, _) in recorded.items():
        deps = declared(stage, "deps")
        assert read, stage
        for path in read:
            assert any(path == d or Path(path).is_relative_to(d) for d in deps), (stage, path)


def test_code_deps_are_the_stage_and_the_core_modules_it_imports():
    for stage in DVC:
        source = REPO / "stages" / f"{stage}.py"
        core = {
            f"stages/core/{node.module.rsplit('.', 1)[-1]}.py"
            for node in ast.walk(ast.parse(source.read_text()))
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stages.core.")
        } - {"stages/core/errors.py"}
        code_deps = {d for d in declared(stage, "deps") if d.endswith(".py")}
        assert code_deps == {f"stages/{stage}.py"} | core, stage


def test_paths_module_and_dvc_yaml_agree():
    constants = {str(v) for k, v in vars(paths).items() if k.isupper() and isinstance(v, Path)}
    everything = set().union(*(declared(s, k) for s in DVC for k in ("deps", "outs", "metrics", "plots")))
    data_paths = {p for p in everything if not p.endswith(".py")}
    assert data_paths <= constants
    assert constants - data_paths == {"params.yaml"}


def test_metrics_and_reports_are_committed_to_git_not_cached():
    """Every metric and plot, and every out under reports/, is `cache: false`: git holds it."""
    for stage, spec in DVC.items():
        entries = [(kind, e if isinstance(e, dict) else {e: {}}) for kind in ("metrics", "plots", "outs")
                   for e in spec.get(kind, [])]
        for kind, entry in entries:
            path, options = next(iter(entry.items()))
            if kind != "outs" or path.startswith("reports/"):
                assert (options or {}).get("cache") is False, f"{stage}: {path} should be cache: false"
