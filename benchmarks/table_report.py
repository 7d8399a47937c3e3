"""The table report's cost next to ingest's own: the census-like table at 10,000 and 1,000,000 rows, ingest run
as `python -m stages.ingest` with `data.table_report` on and off, side by side in one run.

    python -m benchmarks.table_report                    # 10,000 and 1,000,000 rows
    python -m benchmarks.table_report 10000 100000       # other sizes

Prints, per size: ingest's seconds without and with the report, their ratio (the issue's target: at most 1.20 at
1,000,000 rows), and the page's size beside the table's. Above data.report_rows (100,000) the report is drawn
from a seeded sample, so its cost stops growing with the rows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.census import census_table

REPO = Path(__file__).resolve().parents[1]


def ingest_seconds(root: Path, report: bool) -> float:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["data"] |= {"csv": "data/raw/tables/census.csv", "target": "income", "table_report": report}
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "stages.ingest"], cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"ingest failed:\n{done.stdout}{done.stderr}")
    return seconds


def main(sizes: list[int]) -> None:
    print(f"{'rows':>10} {'ingest s':>9} {'+ report s':>11} {'ratio':>6} {'page MB':>8} {'table MB':>9}")
    for rows in sizes:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "data/raw/tables").mkdir(parents=True)
            census_table(rows, seed=0).to_csv(root / "data/raw/tables/census.csv", index=False)
            without = ingest_seconds(root, report=False)
            with_report = ingest_seconds(root, report=True)
            page = (root / "reports/ingest/table.html").stat().st_size / 1e6
            table = (root / "data/interim/dataset.csv").stat().st_size / 1e6
            print(f"{rows:>10,} {without:>9.1f} {with_report:>11.1f} {with_report / without:>6.2f} {page:>8.2f} "
                  f"{table:>9.1f}", flush=True)
            shutil.rmtree(root / "data")


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [10_000, 1_000_000])
