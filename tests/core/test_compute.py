"""compute.backend: dask. The same fits on a Dask cluster (a LocalCluster, or a scheduler and workers started
as separate processes, as on several machines) give the local backend's outputs byte for byte; a scheduler
nobody answers on, or a worker that cannot import the project, stops the stage with one line."""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from joblib import Parallel, delayed

from stages import compare_models, ingest, preprocess, select_features, tune
from stages.core import compute
from stages.core.compute import fits_on
from stages.core.errors import PipelineError
from stages.params import validate_params
from stages.params.schema import ComputeParams
from tests.conftest import FAST, REPO, patients, run_fails, run_ok, set_params

FITTING = (select_features, compare_models, tune)
LOCAL_CLUSTER = ComputeParams(backend="dask", scheduler="local", workers=2)


def outputs(root: Path) -> dict[str, bytes]:
    """What select_features, compare_models and tune write, but comparison.md: it shows fit times."""
    found = {}
    for folder in ("reports/select_features", "reports/compare_models", "reports/tune", "models/select_features",
                   "models/compare_models", "models/tune"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.name != "comparison.md":
                found[str(path.relative_to(root))] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """A CSV project through tune on the local backend (loky, n_jobs=2), SFS as the selection: the reference."""
    root = tmp_path_factory.mktemp("compute")
    shutil.copy(REPO / "params.yaml", root / "params.yaml")
    (root / "data/raw/tables").mkdir(parents=True)
    patients(160).to_csv(root / "data/raw/tables/patients.csv", index=False)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(root)
        set_params(root, **{**FAST, "features__sfs__n_jobs": 2, "compare__n_jobs": 2, "tune__n_jobs": 2},
                   data__csv="data/raw/tables/patients.csv", data__target="outcome", features__method="sfs")
        for stage in (ingest, preprocess, *FITTING):
            run_ok(stage)
    return root, outputs(root)


@pytest.fixture
def project(local_run, monkeypatch):
    root, reference = local_run
    monkeypatch.chdir(root)
    yield root, reference
    set_params(root, compute__backend="local", compute__scheduler="local")


def test_a_local_dask_cluster_gives_the_local_backends_outputs_byte_for_byte(project, capsys):
    root, reference = project
    set_params(root, compute__backend="dask", compute__scheduler="local", compute__workers=2)
    capsys.readouterr()
    for stage in FITTING:
        run_ok(stage)
    log = capsys.readouterr().out
    assert log.count("(LocalCluster): 2 workers, 2 threads") == 3, log  # SFS, compare_models, tune
    produced = outputs(root)
    assert produced.keys() == reference.keys() and len(produced) >= 10
    assert [name for name in produced if produced[name] != reference[name]] == []


def test_fits_run_in_the_workers_whatever_n_jobs_says():
    from distributed import get_client

    with fits_on(LOCAL_CLUSTER):
        workers = set(get_client().run(os.getpid).values())
        ran = set(Parallel(n_jobs=1)(delayed(os.getpid)() for _ in range(8)))  # n_jobs=1 would stay here
    assert len(workers) == 2 and ran <= workers and os.getpid() not in ran


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_nobody_answers_on_stops_the_stage_in_seconds_with_one_line(project, capsys):
    root, reference = project
    address = f"tcp://127.0.0.1:{free_port()}"
    set_params(root, compute__backend="dask", compute__scheduler=address)
    start = time.perf_counter()
    message = run_fails(compare_models, capsys)
    assert time.perf_counter() - start < 20  # Dask's own default would wait 30 s
    assert f"compute.scheduler = '{address}': no Dask scheduler answered there within 5 s" in message
    assert "make dask-scheduler DASK_PORT=" in message and "compute.scheduler: local" in message
    assert outputs(root) == reference  # nothing half-written


@contextmanager
def started(*args, cwd: Path):
    """A `dask scheduler` or `dask worker` process, as on another machine; stopped at the end of the block."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen([sys.executable, "-m", *args, "--no-dashboard"], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(address: str, workers: int) -> None:
    from distributed import Client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with Client(address, timeout="2s") as client:
                if workers:
                    client.wait_for_workers(workers, timeout=30)
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the scheduler at {address} did not get {workers} workers")


def test_a_scheduler_and_workers_started_apart_give_the_same_outputs_and_one_without_the_project_is_named(
        project, capsys, tmp_path, monkeypatch):
    root, reference = project
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = ("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1])
    worker = ("distributed.cli.dask_worker", address, "--nworkers", "2", "--nthreads", "1")
    # `python -m` from the project's folder: both import stages/, as with `make dask-scheduler` and `make dask-worker`
    set_params(root, compute__backend="dask", compute__scheduler=address)
    with started(*scheduler, cwd=tmp_path):  # a scheduler on a machine without the project
        wait_for(address, 0)
        message = run_fails(compare_models, capsys)
    assert f"compute.scheduler = '{address}': the scheduler cannot import this project" in message
    assert "start it from a checkout of the same commit: make dask-scheduler" in message

    with started(*scheduler, cwd=REPO):
        wait_for(address, 0)
        monkeypatch.setattr(compute, "WORKERS_S", 1)
        message = run_fails(compare_models, capsys)
    assert message.endswith(f"the scheduler has no workers after 1 s; start some from this project's folder: "
                            f"make dask-worker SCHEDULER={address}")

    with started(*scheduler, cwd=REPO), started(*worker, cwd=REPO):
        wait_for(address, 2)
        capsys.readouterr()
        run_ok(compare_models)
        assert f"fitting on Dask at {address} (remote): 2 workers, 2 threads" in capsys.readouterr().out
        assert outputs(root) == reference

        # a worker on a machine without the project: named, with the fix, before any fit is sent
        with started("distributed.cli.dask_worker", address, "--nthreads", "1", cwd=tmp_path):
            wait_for(address, 3)
            message = run_fails(compare_models, capsys)
    assert f"compute.scheduler = '{address}': worker tcp://127.0.0.1:" in message
    assert "cannot import this project (No module named 'stages')" in message
    assert f"from a checkout of the same commit, with the same lock installed: make dask-worker SCHEDULER={address}" \
        in message


def test_without_the_dask_extra_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # what an install without the extra sees
    with pytest.raises(PipelineError) as exc:
        with fits_on(LOCAL_CLUSTER):
            pass
    assert "compute.backend = 'dask' needs Dask's distributed scheduler" in str(exc.value)
    assert "make dask" in str(exc.value) and "compute.backend: local" in str(exc.value)


def test_local_backend_or_no_parallel_work_starts_no_cluster():
    from distributed import get_client

    for params, needed in ((ComputeParams(backend="local", scheduler="local", workers=2), True),
                           (LOCAL_CLUSTER, False)):
        with fits_on(params, needed=needed) as where:
            assert where == "joblib processes on this machine (n_jobs)"
            with pytest.raises(ValueError):  # no Dask client anywhere
                get_client()


@pytest.mark.parametrize("scheduler", ["localhost:8786", "tcp://10.0.0.5", "http://10.0.0.5:8786", ""])
def test_a_scheduler_that_is_not_an_address_is_named(scheduler):
    import yaml

    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["compute"]["scheduler"] = scheduler
    with pytest.raises(PipelineError) as exc:
        validate_params(raw)
    assert f"`compute.scheduler` = {scheduler!r}: use local (a LocalCluster" in str(exc.value)
    assert "tcp://10.0.0.5:8786" in str(exc.value)
