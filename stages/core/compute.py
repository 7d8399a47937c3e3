"""Where compare_models, tune and SFS run their fits (params `compute`).

`local`: joblib's own worker processes on this machine, as many as each stage's n_jobs.
`dask`: the same joblib calls go to a Dask cluster through joblib's Dask backend, so scikit-learn, mlxtend
and our fold loop send the very same tasks (same folds, same seeds) and get the same numbers. The cluster is
a LocalCluster of processes on this machine (`scheduler: local`), or a running `dask scheduler` that
workers on other machines joined (`tcp://host:port`). Under Dask the cluster's threads decide the
parallelism: n_jobs is ignored.

Dask is an optional extra (requirements-dask.lock), imported only here and only for `dask`.
"""

from __future__ import annotations

import importlib.metadata
import logging
from contextlib import ExitStack, contextmanager
from typing import Iterator

from stages.core.errors import PipelineError

CONNECT_S = 5  # an address nobody answers on fails after this, not after Dask's default 30 s
WORKERS_S = 10  # a scheduler without workers: how long to wait for the first one
INSTALL = "install the extra: make dask (or pip install -r requirements-dask.lock)"


@contextmanager
def fits_on(compute, needed: bool = True, *, section: str = "compute") -> Iterator[str]:
    """Run the block's joblib work where `compute` (the validated `<section>` of params.yaml) says: its backend,
    on its scheduler's cluster (local: a LocalCluster of `workers` processes); yields a line for the log.
    `needed=False`: the block fits nothing in parallel this time, so no cluster is started for it."""
    backend, scheduler, workers = compute.backend, compute.scheduler, compute.workers
    if backend == "local" or not needed:
        yield "joblib processes on this machine (n_jobs)"
        return
    try:
        from dask.distributed import Client, LocalCluster
        from joblib import parallel_config
    except ImportError as exc:
        raise PipelineError(f"{section}.backend = 'dask' needs Dask's distributed scheduler ({exc}); {INSTALL}, "
                            f"or set {section}.backend: local") from None
    with ExitStack() as stack:
        if scheduler == "local":
            # processes, one thread each: no GIL contention, and BLAS/OpenMP stay single-threaded as under loky
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(_connect(Client, scheduler, f"{section}.scheduler"))
        _check_cluster(client, scheduler, f"{section}.scheduler")
        threads = client.nthreads()  # per worker
        stack.enter_context(parallel_config(backend="dask"))
        yield (f"Dask at {client.scheduler.address} ({'LocalCluster' if scheduler == 'local' else 'remote'}): "
               f"{len(threads)} workers, {sum(threads.values())} threads")


def _connect(client_type, address: str, key: str):
    try:
        return client_type(address, timeout=f"{CONNECT_S}s")
    except (OSError, TimeoutError) as exc:
        raise PipelineError(
            f"{key} = {address!r}: no Dask scheduler answered there within {CONNECT_S} s "
            f"({type(exc).__name__}); start one there (make dask-scheduler DASK_PORT={address.rsplit(':', 1)[1]}) "
            f"and its workers (make dask-worker SCHEDULER={address}), or set {key}: local"
        ) from None


def _check_cluster(client, address: str, key: str) -> None:
    """A cluster that cannot run our fits fails here, with the fix, rather than hanging or deep inside a task."""
    # the scheduler unpickles the task graph, the workers run it: both must import stages/. Builtins travel
    # by reference, so these probes run even where the project cannot be imported.
    try:
        client.run_on_scheduler(exec, "import stages.core.tabular.models")
    except ImportError as exc:
        raise PipelineError(
            f"{key} = {address!r}: the scheduler cannot import this project ({exc}), and it unpickles "
            "every task; start it from a checkout of the same commit: make dask-scheduler") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_S)
    except TimeoutError:
        raise PipelineError(f"{key} = {address!r}: the scheduler has no workers after {WORKERS_S} s; "
                            f"start some from this project's folder: make dask-worker SCHEDULER={address}") from None
    failed = client.run(exec, "import stages.core.tabular.models", on_error="return")
    for worker, outcome in sorted(failed.items()):
        if isinstance(outcome, BaseException):
            raise PipelineError(
                f"{key} = {address!r}: worker {worker} cannot import this project ({outcome}); start "
                "the worker from a checkout of the same commit, with the same lock installed: make dask-worker "
                f"SCHEDULER={address}") from None
    ours = importlib.metadata.version("scikit-learn")
    theirs = client.run(importlib.metadata.version, "scikit-learn")
    for worker, version in sorted(theirs.items()):
        if version != ours:
            raise PipelineError(
                f"{key} = {address!r}: worker {worker} has scikit-learn {version}, this machine {ours}; "
                "the same models need the same versions: install requirements.lock and requirements-dask.lock there")
