"""Batch predictions with a saved model, through exactly the preprocessing it was trained with:

    python -m serve.predict tabular new_rows.csv -o predictions.csv
    python -m serve.predict train_cnn photos/ scan.png --top 3 -o predictions.csv

Tables: every input row as given, then `predicted` and `probability_<class>`. The columns are checked against
the training schema. Images (files, and folders searched recursively) are read by the function ingest_images
uses. The output has one row per file: file, predicted, probability, the next classes by probability, and a
note. Without -o the CSV goes to stdout. Notes and errors go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd

from serve.models import KINDS, ImageModel, Missing, TableModel, load
from serve.tables import BadInput, read_rows
from stages.common.io import write_table
from stages.core.errors import PipelineError
from stages.core.escaping import spreadsheet_safe
from stages.core.images.folders import IMAGE_SUFFIXES, files_in
from stages.core.images.pixels import read_images
from stages.params import load_params


def predict_table(model: TableModel, path: Path, na_values: list[str]) -> tuple[pd.DataFrame, list[str]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found") from None
    frame, notes = read_rows(data, str(path), na_values)
    annotated, more = model.annotate(frame, str(path))
    return annotated, notes + more


def image_files(inputs: list[Path]) -> tuple[list[Path], list[str]]:
    """The image files named, and those in the folders named (nested folders too, hidden ones skipped)."""
    files, notes = [], []
    for given in inputs:
        if given.is_dir():
            found = files_in(given)
            images = [p for p in found if p.suffix.lower() in IMAGE_SUFFIXES]
            if len(found) > len(images):
                notes.append(f"{given}: skipped {len(found) - len(images)} file(s) without an image suffix "
                             f"({', '.join(sorted(IMAGE_SUFFIXES))})")
            files += images
        elif given.is_file():
            files.append(given)
        else:
            raise BadInput(f"{given}: no such file or folder")
    if not files:
        raise BadInput(f"no image files in {', '.join(map(str, inputs))}")
    return files, notes


def predict_images(model: ImageModel, files: list[Path], top: int, max_pixels: int | None = None,
                   batch: int = 64) -> pd.DataFrame:
    """One row per file; a file that cannot be read (or declares more than `max_pixels`) keeps its row, with the
    reason in `note`."""
    k = min(top, len(model.classes))
    rows = []
    outcomes_by_chunk = read_images([str(f) for f in files], model.size, model.channels, model.resize,
                                    n_jobs=os.cpu_count() or 1, chunk=batch, limits=(1, max_pixels))
    names = iter(files)
    for pixels, outcomes in outcomes_by_chunk:
        probabilities = iter(model.probabilities(pixels) if len(pixels) else [])
        for outcome in outcomes:
            row = {"file": str(next(names))}
            if isinstance(outcome, Exception):
                rows.append(row | {"note": f"unreadable: {outcome}"})
                continue
            ranked = model.top(next(probabilities), k)
            row |= {"predicted": ranked[0][0], "probability": ranked[0][1]}
            for i, (name, p) in enumerate(ranked[1:], start=2):
                row |= {f"class_{i}": name, f"probability_{i}": p}
            rows.append(row | {"note": outcome or ""})
    columns = ["file", "predicted", "probability"] + [f"{c}_{i}" for i in range(2, k + 1)
                                                      for c in ("class", "probability")] + ["note"]
    return pd.DataFrame(rows, columns=columns)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m serve.predict", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", choices=list(KINDS), help="which saved model answers")
    parser.add_argument("inputs", nargs="+", type=Path, help="a CSV (tabular), or image files and folders")
    parser.add_argument("-o", "--output", type=Path, help="CSV to write (default: stdout)")
    parser.add_argument("--top", type=int, default=5, help="images: classes listed per file (default 5)")
    args = parser.parse_args(argv)
    try:
        params = load_params()
        model = load(args.model)
        if isinstance(model, Missing):
            raise BadInput(model.message)
        if isinstance(model, TableModel):
            if len(args.inputs) != 1:
                raise BadInput(f"the tabular model reads one CSV, got {len(args.inputs)} inputs")
            table, notes = predict_table(model, args.inputs[0], params.data.na_values)
        else:
            tables = [str(p) for p in args.inputs if p.suffix.lower() in (".csv", ".tsv", ".txt")]
            if tables:
                raise BadInput(f"{tables[0]} is a table, but the {args.model} model reads images; give image files "
                               "or folders, or predict rows with the tabular model")
            files, notes = image_files(args.inputs)
            table = predict_images(model, files, max(1, args.top), int(params.images.max_megapixels * 1e6))
            unreadable = int(table["predicted"].isna().sum())
            if unreadable == len(table):
                raise BadInput(f"none of the {len(table)} file(s) could be read as an image, e.g. {table['file'][0]}: "
                               f"{table['note'][0]}")
            if unreadable:
                notes.append(f"{unreadable} of {len(table)} file(s) could not be read; see the note column")
    except (BadInput, PipelineError) as exc:
        print(f"error: predict: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print("interrupted: predict: stopped by Ctrl-C; nothing was written", file=sys.stderr)
        raise SystemExit(130) from None
    for note in notes:
        print(f"note: predict: {note}", file=sys.stderr)
    if args.output:
        try:
            write_table(args.output, table)  # spreadsheet-safe, written whole or not at all
        except (OSError, PipelineError) as exc:
            print(f"error: predict: cannot write {args.output}: {getattr(exc, 'strerror', None) or exc}",
                  file=sys.stderr)
            raise SystemExit(2) from None
    else:
        spreadsheet_safe(table).to_csv(sys.stdout, index=False)
    where = args.output or "stdout"
    print(f"predict: {len(table)} {'rows' if isinstance(model, TableModel) else 'files'} with the {args.model} model "
          f"({model.about.commit}) -> {where}; predicted {tally(table['predicted'])}", file=sys.stderr)


def tally(predicted: pd.Series) -> str:
    """The classes predicted, most frequent first; or the range of predicted values."""
    if pd.api.types.is_float_dtype(predicted):
        return f"{predicted.min():.6g} to {predicted.max():.6g} (median {predicted.median():.6g})"
    counts = predicted.value_counts()
    return ", ".join(f"{name}: {n}" for name, n in counts.head(10).items())


if __name__ == "__main__":
    main()
