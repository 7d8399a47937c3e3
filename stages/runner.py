"""The one place where a stage's user-facing errors become `error: <stage>: <message>`, exit 2, and where its
output is held to WIDTH characters a line: a longer line wraps at a space, its rest indented, so `make repro`
reads in a terminal. It wraps in a terminal, or at PIPELINE_WIDTH characters where that is set (`make repro`
sets it, for its logs); elsewhere (tests, pipes) lines stay whole. The error line is never wrapped: it stays
one line, for grep and for CI logs."""

from __future__ import annotations

import os
import sys
import textwrap
from typing import Callable

from stages.core.errors import PipelineError

WIDTH = 120


class Wrapped:
    """A text stream whose complete lines are wrapped at WIDTH. A write holding a carriage return (a progress
    bar redrawing itself in a terminal) passes as it is."""

    def __init__(self, stream, width: int = WIDTH):
        self.stream, self.pending, self.width = stream, "", width

    def write(self, text: str) -> int:
        if "\r" in text:
            self.flush_pending()
            return self.stream.write(text)
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            wrapped = textwrap.wrap(line, self.width, subsequent_indent="    ", break_long_words=False,
                                    break_on_hyphens=False) if len(line) > self.width else [line]
            self.stream.write("\n".join(wrapped) + "\n")
        return len(text)

    def flush_pending(self) -> None:
        if self.pending:
            self.stream.write(self.pending)
            self.pending = ""

    def flush(self) -> None:
        self.flush_pending()
        self.stream.flush()

    def __getattr__(self, name):  # isatty, fileno, encoding, ...: the real stream's
        return getattr(self.stream, name)


def run_stage(name: str, main: Callable[[], None]) -> None:
    out, err = sys.stdout, sys.stderr
    width = int(os.environ.get("PIPELINE_WIDTH") or (WIDTH if out.isatty() else 0))
    if width:
        sys.stdout, sys.stderr = Wrapped(out, width), Wrapped(err, width)
    try:
        main()
    except PipelineError as exc:
        sys.stdout.flush()
        sys.stderr.flush()
        print(f"error: {name}: {exc}", file=err)
        raise SystemExit(2) from None
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err
