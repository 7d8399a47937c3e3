"""Stage ingest: one table with features and the target column, the task it sets (classification or
regression, `data.task`), and a profile of it.

Reads `data.dataset` (a bundled scikit-learn dataset) or `data.csv` (a user CSV under data/raw/tables/).
What a real CSV carries by accident is fixed with a note (a saved index, trailing delimiters, spaces
around labels) or stopped with a one-line error (infinities, identifier columns, a regression target).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from stages import paths
from stages.core.datasets import (
    check_header, check_table, detect_delimiter, detect_task, drop_columns, load_builtin, numbers_as_text, profile,
    tidy_csv,
)
from stages.core.errors import PipelineError
from stages.core.tabular_plots import profile_figure
from stages.io import write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage

SNIFF_BYTES = 64 * 1024


def read_user_csv(path: Path, sep: str | None, na_values: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Read the user's CSV, turning every way it can be unreadable into one actionable line; the notes say
    what was detected."""
    where = f"data.csv = '{path}'"
    if not path.resolve().is_relative_to(paths.RAW_TABLES.resolve()):
        raise PipelineError(
            f"{where} is outside {paths.RAW_TABLES}/; move it there and run `dvc add {paths.RAW_TABLES}/{path.name}` "
            "so DVC re-runs the tabular stages when it changes"
        )
    if not path.is_file():
        found = sorted(str(p) for p in paths.RAW_TABLES.glob("*.csv"))
        hint = f"CSVs there: {', '.join(found)}" if found else f"no CSV is in {paths.RAW_TABLES}/ yet"
        raise PipelineError(f"{where}: file not found; {hint}")
    notes = []
    try:
        with path.open(newline="", encoding="utf-8") as f:
            sample = f.read(SNIFF_BYTES)
        if not sample.strip():
            raise PipelineError(f"{where}: the file is empty; it needs a header row and data rows")
        if sep is None:
            sep = detect_delimiter(sample)
            if sep != ",":
                notes.append(f"detected the delimiter {sep!r} (set data.sep to override)")
        header = next(csv.reader(sample.splitlines(), delimiter=sep), [])
        check_header(header, str(path))
        frame = pd.read_csv(path, sep=sep, na_values=na_values, keep_default_na=True, encoding="utf-8")
    except UnicodeDecodeError:
        raise PipelineError(f"{where}: not UTF-8 text; re-save the file as UTF-8 CSV") from None
    except pd.errors.ParserError as exc:
        raise PipelineError(f"{where}: not a readable CSV with delimiter {sep!r} ({' '.join(str(exc).split())}); "
                            "check data.sep") from None
    return frame, notes


def main() -> None:
    data = load_params().data
    notes: list[str] = []
    if data.csv:
        source = data.csv
        frame, notes = read_user_csv(Path(data.csv), data.sep, data.na_values)
        frame, tidied = tidy_csv(frame)
        notes += tidied
    else:
        source = f"sklearn:{data.dataset}"
        frame = load_builtin(data.dataset, data.target, section="data")
    frame = drop_columns(frame, data.drop, source, section="data")
    table = check_table(frame, data.target, source, section="data")
    y = table[data.target] if data.target else None
    task, why = detect_task(y, data.task, data.target, source, section="data")
    notes += numbers_as_text(table.drop(columns=data.target) if data.target else table, section="data")
    report = profile(table, data.target, source, dropped_rows=len(frame) - len(table), notes=notes, task=task,
                     why=why)
    figure = profile_figure(report.get("class_balance"), report["missing"], f"{source}: {report['rows']} rows",
                            target=y)

    write_table(paths.DATASET, table)
    write_json(paths.PROFILE, report)
    write_bytes(paths.PROFILE_PNG, figure)
    for note in notes:
        print(f"note: ingest: {note}")
    print(f"ingest: task {task or 'none'} ({why})")
    print(f"ingest: {len(table)} rows x {table.shape[1]} columns from {source} -> {paths.DATASET}, {paths.PROFILE_PNG}")


if __name__ == "__main__":
    run_stage("ingest", main)
