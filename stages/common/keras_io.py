"""What the network stages write while they train: DVCLive's logs and the saved Keras model."""

from __future__ import annotations

import sys
from pathlib import Path

from stages.common.io import atomic_path


def live_log(metrics_file: Path):
    """DVCLive for one training run, under metrics_file's folder. dvcyaml=False: dvc.yaml declares the plots
    itself, and no library rewrites it (or params.yaml) at run time."""
    out, err = sys.stdout, sys.stderr  # before the import: its logging set-up (colorama) swaps in the raw streams
    from dvclive import Live

    live = Live(str(Path(metrics_file).parent), dvcyaml=False, save_dvc_exp=False, report=None)
    sys.stdout, sys.stderr = out, err  # the stage's own, wrapped at its width
    return live


def write_keras(path: Path, model) -> None:
    """model.save, byte-reproducible (stages.core.training.saving), written completely or not at all."""
    from stages.core.training.saving import save_keras  # Keras is loaded by then: only the network stages call this

    with atomic_path(path) as tmp:
        save_keras(model, tmp)
