"""The one place where a stage's user-facing errors become `error: <stage>: <message>`, exit 2, and where its
output is held to WIDTH characters a line: a longer line wraps at a space, its rest indented, so `make repro`
reads in a terminal. It wraps in a terminal, or at PIPELINE_WIDTH characters where that is set (`make repro`
sets it, for its logs); elsewhere (tests, pipes) lines stay whole. The error line is never wrapped: it stays
one line, for grep and for CI logs.

Ctrl-C is one line too (exit 130): every output is written to a temp file and renamed (stages/common/io.py), and the
temp file is removed on the way out, so the outputs are as they were. An output folder the stage cannot write
(no permission, a read-only or full disk) is one line naming it, exit 2."""

from __future__ import annotations

import errno
import os
import sys
import textwrap
from pathlib import Path
from typing import Callable

from stages.core.errors import PipelineError

WIDTH = 120
# a folder (or disk) the stage cannot write to: the user's to fix, not a bug
UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


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
        _stop(f"error: {name}: {exc}", err, 2)
    except KeyboardInterrupt:
        _stop(f"interrupted: {name}: stopped by Ctrl-C; its outputs are as they were (each is written whole or not "
              "at all); rerun `dvc repro` to finish", err, 130)
    except OSError as exc:
        line = unwritable(exc)
        if line is None:
            raise  # not the user's folder: our bug, with its traceback
        _stop(f"error: {name}: {line}", err, 2)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err


def _stop(line: str, err, code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    print(line, file=err)
    raise SystemExit(code) from None


def unwritable(exc: OSError) -> str | None:
    """The one line for a file or folder the stage may not use (no permission, a read-only or full disk), else
    None. An output is written to a temp file beside it first (stages/common/io.py), so the line names that folder."""
    if exc.errno not in UNWRITABLE:
        return None
    where = Path(exc.filename or ".")
    temp = where.name.startswith(".") and where.name.endswith(".tmp")
    if where.exists() and not temp and where.is_file():
        return f"cannot open {where}: {exc.strerror}; give this user access to it (or run as its owner)"
    folder = where.parent if temp or where.suffix else where
    fix = ("free some space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else
           f"make it writable (e.g. `chmod -R u+w {folder}`), or run as its owner")
    return f"cannot write to {folder}/: {exc.strerror}; {fix}, then rerun `dvc repro`; no output was half-written"
