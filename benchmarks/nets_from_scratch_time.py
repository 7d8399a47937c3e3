"""nets_from_scratch's wall time with the default params, from one run (target: under a minute on 2 cores).

    python -m benchmarks.nets_from_scratch_time    (from the repo root, inside .venv)

The stage runs as DVC runs it (`python -m stages.nets_from_scratch`) in a scratch folder with the repo's
params.yaml, so the committed reports are not touched. Printed: the whole process (Python, numpy, scikit-learn
and matplotlib start-up included) as a share of the minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET_S = 60.0


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(REPO / "params.yaml", folder)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "stages.nets_from_scratch"], cwd=folder, env=env, check=True,
                       capture_output=True)
        seconds = time.perf_counter() - start
    print(f"nets_from_scratch, default params, {os.cpu_count()} CPUs: {seconds:.1f} s, "
          f"{seconds / BUDGET_S:.2f} of the one-minute target")


if __name__ == "__main__":
    main()
