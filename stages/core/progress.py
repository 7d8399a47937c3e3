"""Progress with time left, by tqdm: one updating line in a terminal; in a log or CI (no terminal) a plain line
after LOG_SECONDS, then at twice the previous interval up to LOG_MAX_SECONDS, each with tqdm's estimate of the time
left: a stage prints about as many lines on a slow machine as on a fast one, a long one never hundreds, and work done
within LOG_SECONDS nothing (the stage's own line says what it did).

Writes to stderr: stdout keeps the stages' one-line results.
"""

from __future__ import annotations

import contextlib
import sys

from joblib import parallel
from tqdm.auto import tqdm

LOG_SECONDS = 10.0  # without a terminal: the first line after this long, the next after twice as long, ...
LOG_MAX_SECONDS = 120.0  # ... and then one line this often
FORMAT = "{desc}: {n_fmt}/{total_fmt} {unit} [{elapsed} elapsed, {remaining} left]"


class _Lines:
    """A file for tqdm without a terminal: each refresh becomes one line (tqdm redraws with a carriage return)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


class _LogBar(tqdm):
    """tqdm for a log: each line printed doubles the interval to the next one (up to LOG_MAX_SECONDS)."""

    def display(self, *args, **kwargs):
        shown = super().display(*args, **kwargs)
        self.mininterval = min(self.mininterval * 2, LOG_MAX_SECONDS)
        return shown


def bar(total: int, desc: str, unit: str = "fits", stream=None) -> tqdm:
    """A progress bar for `total` steps of the stage `desc`."""
    stream = stream or sys.stderr
    if stream.isatty():
        return tqdm(total=total, desc=desc, unit=unit, file=stream, bar_format=FORMAT.replace("]", "] {bar:20}"),
                    leave=False, dynamic_ncols=True)
    return _LogBar(total=total, desc=desc, unit=unit, file=_Lines(stream), bar_format=FORMAT, mininterval=LOG_SECONDS,
                   delay=LOG_SECONDS, maxinterval=float("inf"), ascii=True, leave=True)


@contextlib.contextmanager
def joblib_progress(progress: tqdm):
    """Advance `progress` by one per finished joblib task inside the block (a search's fits, which run in
    scikit-learn's own Parallel): joblib's parent-side completion hook, not a hand-written counter. Only the
    outermost Parallel counts: a fit run in this process may start its own (a ColumnTransformer's, a forest's)."""
    original_call, original_progress = parallel.Parallel.__call__, parallel.Parallel.print_progress
    outer: list = []  # the Parallel running now at the top level

    def call(self, iterable):
        if outer:
            return original_call(self, iterable)
        outer.append(self)
        try:
            return original_call(self, iterable)
        finally:
            outer.clear()

    def advance(self):
        if outer and self is outer[0]:
            progress.update(self.n_completed_tasks - getattr(self, "_counted", 0))
            self._counted = self.n_completed_tasks
        return original_progress(self)

    parallel.Parallel.__call__, parallel.Parallel.print_progress = call, advance
    try:
        yield progress
    finally:
        parallel.Parallel.__call__, parallel.Parallel.print_progress = original_call, original_progress
        progress.close()
