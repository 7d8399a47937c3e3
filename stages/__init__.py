"""The pipeline's stages: `python -m stages.<name>`, one per dvc.yaml stage, over pure functions in stages/core/.

Imported before numpy in every stage process, so it can pin OpenBLAS's kernels: OpenBLAS picks them by CPU, and
an AVX-512 server (SkylakeX kernels) rounds matrix products differently in the last bit from an AVX2 laptop
(Haswell kernels): chi2 scores, logistic regression, every probability downstream. On any x86-64 machine with
AVX2 the Haswell kernels give the committed results byte for byte; a value already set in the environment wins.
"""

import os
import platform


def _has_avx2() -> bool:
    try:
        with open("/proc/cpuinfo") as cpu:
            return any(line.startswith("flags") and " avx2" in line for line in cpu)
    except OSError:
        return False


if platform.machine() in ("x86_64", "AMD64") and _has_avx2():
    os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
