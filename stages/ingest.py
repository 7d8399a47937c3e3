"""Stage ingest: one table with features and the target column, the task it sets (classification or
regression, `data.task`), and a profile of it.

Reads `data.dataset` (a bundled scikit-learn dataset) or `data.csv` (a user CSV under data/raw/tables/).
What a real CSV carries by accident is fixed with a note (a saved index, trailing delimiters, spaces
around labels) or stopped with a one-line error (infinities, a first row of data, rows wider than the header).
Every column is then typed on all its rows (stages/core/tabular/columns.py): locale numbers read as numbers, dates,
identifiers and empty columns dropped with a note, many-valued text marked for target encoding; the kinds go
to data/interim/columns.json for preprocess and serve.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stages.common import paths
from stages.common.io import tracked_input, write_bytes, write_data, write_json, write_text
from stages.common.runner import run_stage
from stages.core.errors import PipelineError, listed
from stages.core.tabular import datasets
from stages.core.tabular.reading import read_like_ingest
from stages.params import load_params


def read_user_csv(path: Path, data) -> tuple[pd.DataFrame, list[str], str]:
    """Read the user's CSV as serve reads new rows, turning every way it can be unreadable into one actionable
    line; the notes say what was detected and tidied. Returns the table, the notes and the file's decimal mark."""
    where = f"data.csv = '{path}'"
    tracked_input(path, paths.RAW_TABLES, "data.csv")
    if not path.is_file():
        found = sorted(str(p) for p in paths.RAW_TABLES.iterdir() if p.is_file() and not p.name.endswith(".dvc")
                       and p.name != ".gitignore") if paths.RAW_TABLES.is_dir() else []
        hint = f"tables there: {listed(found)}" if found else f"no table is in {paths.RAW_TABLES}/ yet"
        raise PipelineError(f"{where}: file not found; {hint}")
    return read_like_ingest(path.read_bytes(), path.name, where, data, section="data")


def main() -> None:
    params = load_params(sections=("seed", "data"))
    data = params.data
    notes: list[str] = []
    decimal = "."
    if data.csv:
        source = data.csv
        frame, notes, decimal = read_user_csv(Path(data.csv), data)
    else:
        source = f"sklearn:{data.dataset}"
        frame = datasets.load_builtin(data.dataset, data.target, section="data")
    frame = datasets.drop_columns(frame, data.drop, source, data.target, section="data")
    if data.target is not None and data.target not in frame.columns:
        datasets.check_table(frame, data.target, source, section="data")  # the error that names the columns
    duplicates = data.duplicates
    duplicates = duplicates if data.csv and data.target is not None else None  # the bundled tables are curated
    frame, kinds, said, unlabelled = datasets.labelled_rows(frame, data, source, decimal, duplicates, section="data")
    notes += said
    table = datasets.check_table(frame, data.target, source, section="data")
    y = table[data.target] if data.target else None
    detected = task, why = datasets.detect_task(y, data.task, data.target, source, section="data")
    notes += datasets.numbers_as_text(table.drop(columns=data.target) if data.target else table, section="data")
    report = datasets.profile(table, data.target, source, unlabelled, notes, detected,
                              kinds={str(c): k.kind for c, k in kinds.items()})
    from stages.core.tabular.plots import profile_figure  # matplotlib: after the table is read and typed
    from stages.core.tabular.table_report import table_page

    figure = profile_figure(report.get("class_balance"), report["missing"], f"{source}: {report['rows']} rows",
                            target=y)

    page, said = table_page(table, kinds, data, source, params.seed)
    report["table_report"] = str(paths.TABLE_REPORT) if data.table_report else None  # the summary names it

    write_data(paths.DATASET, table)
    write_json(paths.PROFILE, report)
    write_json(paths.COLUMNS, {str(c): k.record() for c, k in kinds.items()})
    write_bytes(paths.PROFILE_PNG, figure)
    write_text(paths.TABLE_REPORT, page)
    for line in [f"note: ingest: {note}" for note in notes] + said:
        print(line)
    print(f"ingest: task {task or 'none'} ({why})")
    print(f"ingest: {len(table)} rows x {table.shape[1]} columns from {source} -> {paths.DATASET}, "
          f"{paths.PROFILE_PNG}, {paths.TABLE_REPORT}")


if __name__ == "__main__":
    run_stage("ingest", main)
