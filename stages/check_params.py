"""Stage check_params: validate the whole params.yaml on every change to it.

dvc.yaml makes this stage depend on the whole file (`params.yaml:` with no keys), so an unknown or
misspelt key (`data.datset`) stops a plain `dvc repro` with the "did you mean" line, even when no key
that another stage reads has changed. It writes nothing and takes a fraction of a second.
"""

from __future__ import annotations

from stages.common import paths
from stages.common.runner import run_stage
from stages.params import load_params


def main() -> None:
    load_params()
    print(f"check_params: {paths.PARAMS} is valid")


if __name__ == "__main__":
    run_stage("check_params", main)
