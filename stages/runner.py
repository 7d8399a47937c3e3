"""The one place where a stage's user-facing errors become `error: <stage>: <message>`, exit 2."""

from __future__ import annotations

import sys
from typing import Callable

from stages.core.errors import PipelineError


def run_stage(name: str, main: Callable[[], None]) -> None:
    try:
        main()
    except PipelineError as exc:
        print(f"error: {name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
