"""The end-to-end modules' common start: what `git clone` would give, reproduced once with the Quickstart's
`make repro`, then copied into each module, so every module starts from the same fresh project and
pytest-xdist can spread them over its workers.

The repro starts in the background as soon as the end-to-end tests are collected (by the first worker to get
there), so it runs while the other tests do; the e2e modules run last and wait for it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

GIT_ID = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.com",
          "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.com"}
HERE = Path(__file__).parent
REPRO_MINUTES = 40  # how long a module waits for the shared repro before it gives up


def shell(folder: Path):
    """sh(*cmd, check=True) in `folder`, with this venv's tools first on PATH and a git identity."""
    env = {**os.environ, **GIT_ID, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def sh(*cmd, check=True):
        done = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
        if check and done.returncode:
            pytest.fail(f"{' '.join(cmd)} (in {folder.name}) exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done
    return sh


def shared_folder(config) -> Path:
    """One folder for the whole run: under xdist, the parent of the workers' own temp folders."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def clone_of_repo(root: Path) -> None:
    """The tracked and not-ignored files, committed in a new repo."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    sh = shell(root)
    sh("git", "init", "-q", "-b", "main")
    sh("git", "add", "-A")
    sh("git", "commit", "-qm", "clone")


def pytest_collection_modifyitems(config, items):
    """The end-to-end modules last: by then the shared repro has had the other tests' time to finish."""
    items.sort(key=lambda item: Path(item.fspath).is_relative_to(HERE))


def pytest_collection_finish(session):
    """Start the shared repro, once per run, if any end-to-end test is to run."""
    if not any(Path(item.fspath).is_relative_to(HERE) for item in session.items):
        return
    folder = shared_folder(session.config) / "e2e"
    folder.mkdir(exist_ok=True)
    try:
        os.close(os.open(folder / "started", os.O_CREAT | os.O_EXCL))  # the first worker here builds it
    except FileExistsError:
        return
    clone_of_repo(folder / "clone")
    env = {**os.environ, **GIT_ID, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    script = (f"make --no-print-directory repro VENV={Path(sys.executable).parent.parent} "
              f"> {folder / 'repro.out'} 2> {folder / 'repro.err'}; echo $? > {folder / 'repro.exit'}")
    subprocess.Popen(["sh", "-c", script], cwd=folder / "clone", env=env, start_new_session=True)


def reproduced(config) -> tuple[Path, str, str]:
    """The shared reproduced project, once its repro has ended: (its folder, make's stdout, stderr)."""
    folder = shared_folder(config) / "e2e"
    for _ in range(REPRO_MINUTES * 60):
        if (folder / "repro.exit").is_file() and (folder / "repro.exit").read_text().strip():
            break
        time.sleep(1)
    else:
        pytest.fail(f"the shared `make repro` did not end within {REPRO_MINUTES} minutes")
    out, err = (folder / "repro.out").read_text(), (folder / "repro.err").read_text()
    if (folder / "repro.exit").read_text().strip() != "0":
        pytest.fail(f"the shared `make repro` failed:\n{out}\n{err}")
    return folder / "clone", out, err


@pytest.fixture(scope="module")
def project(request, tmp_path_factory):
    """This module's own copy of the reproduced project (its tests change it in turn): (root, sh)."""
    built, _, _ = reproduced(request.config)
    root = tmp_path_factory.mktemp("clone") / "project"
    shutil.copytree(built, root, symlinks=True)
    return root, shell(root)


@pytest.fixture(scope="module")
def repro_output(request) -> tuple[str, str]:
    """What the shared `make repro` printed: (stdout, stderr)."""
    return reproduced(request.config)[1:]
