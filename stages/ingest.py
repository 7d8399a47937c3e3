"""Stage ingest: one table with features and the class column, plus a profile of it.

Reads `data.dataset` (a bundled scikit-learn dataset) or `data.csv` (a user CSV under data/raw/).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from stages import paths
from stages.core.datasets import check_header, check_table, load_builtin, profile
from stages.core.errors import PipelineError
from stages.core.plots import profile_figure
from stages.io import write_bytes, write_json, write_table
from stages.params import load_params
from stages.runner import run_stage


def read_user_csv(path: Path) -> pd.DataFrame:
    """Read the user's CSV, turning every way it can be unreadable into one actionable line."""
    where = f"data.csv = '{path}'"
    if not path.resolve().is_relative_to(paths.RAW_DIR.resolve()):
        raise PipelineError(
            f"{where} is outside {paths.RAW_DIR}/; move it there and run `dvc add {paths.RAW_DIR}/{path.name}` "
            "so DVC re-runs the pipeline when it changes"
        )
    if not path.is_file():
        found = sorted(str(p) for p in paths.RAW_DIR.glob("*.csv"))
        hint = f"CSVs there: {', '.join(found)}" if found else f"no CSV is in {paths.RAW_DIR}/ yet"
        raise PipelineError(f"{where}: file not found; {hint}")
    try:
        with path.open(newline="") as f:
            header = next(csv.reader(f), None)
        if not header:
            raise PipelineError(f"{where}: the file is empty; it needs a header row and data rows")
        check_header(header, str(path))
        return pd.read_csv(path)
    except UnicodeDecodeError:
        raise PipelineError(f"{where}: not UTF-8 text; re-save the file as UTF-8 CSV") from None
    except pd.errors.ParserError as exc:
        raise PipelineError(f"{where}: not a readable CSV ({' '.join(str(exc).split())})") from None


def main() -> None:
    data = load_params().data
    if data.csv:
        source = data.csv
        frame = read_user_csv(Path(data.csv))
    else:
        source = f"sklearn:{data.dataset}"
        frame = load_builtin(data.dataset, data.target)
    table = check_table(frame, data.target, source)
    report = profile(table, data.target, source, dropped_rows=len(frame) - len(table))
    figure = profile_figure(report["class_balance"], report["missing"], f"{source}: {report['rows']} rows")

    write_table(paths.DATASET, table)
    write_json(paths.PROFILE, report)
    write_bytes(paths.PROFILE_PNG, figure)
    print(f"ingest: {len(table)} rows x {table.shape[1]} columns from {source} -> {paths.DATASET}, {paths.PROFILE_PNG}")


if __name__ == "__main__":
    run_stage("ingest", main)
