"""The messy-input trial: CSVs as they come from Excel, databases and downloads, each through ingest and
preprocess, sorted into what a user would see:

- clear:  stopped with one line that names the culprit (the phrase expected is in it);
- handled: read right (the kinds, values and missing counts expected);
- wrong:  ran but read something wrong, or stopped without the expected words (the worst kind).

    python -m benchmarks.messy_trial          # prints one line per case, then the counts
    python -m benchmarks.messy_trial dates    # only the cases whose name has "dates" in it
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from stages.common.io import read_table

REPO = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(0)
N = 60


def base(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    x = rng.normal(50, 10, n).round(2)
    return pd.DataFrame({"x": x, "colour": rng.choice(["red", "blue", "green"], n),
                         "label": np.where(x + rng.normal(0, 5, n) > 50, "pos", "neg")})


def lines(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def column(values, name="v") -> str:
    """base() plus one column written as given."""
    frame = base(len(values))
    return lines(f"x,colour,label,{name}", [f"{r.x},{r.colour},{r.label},{v}" for r, v in
                                            zip(frame.itertuples(), values)])


def handled(kinds=None, values=None, missing=None, rows=None, task=None, classes=None, target_max=None):
    def check(profile, table):
        problems = []
        if task is not None and profile["task"] != task:
            problems.append(f"task {profile['task']}, not {task}")
        if classes is not None and sorted(profile.get("class_balance", {})) != sorted(classes):
            problems.append(f"classes {sorted(profile.get('class_balance', {}))}, not {sorted(classes)}")
        if target_max is not None and profile.get("target_summary", {}).get("max", 0) > target_max:
            problems.append(f"target max {profile['target_summary']['max']} > {target_max}")
        for c, k in (kinds or {}).items():
            if profile["kinds"].get(c) != k:
                problems.append(f"{c} is {profile['kinds'].get(c)}, not {k}")
        for c, v in (values or {}).items():
            got = table[c].head(len(v)).tolist() if c in table else None
            if got is None or not all((a == b) or (isinstance(a, float) and np.isclose(a, b)) for a, b in zip(got, v)):
                problems.append(f"{c} reads {got}, not {v}")
        for c, m in (missing or {}).items():
            if profile["missing"].get(c) != m:
                problems.append(f"{c} has {profile['missing'].get(c)} missing, not {m}")
        if rows is not None and profile["rows"] != rows:
            problems.append(f"{profile['rows']} rows, not {rows}")
        return problems
    return check


def clear(phrase: str):
    return phrase


b = base()
seq = np.arange(N)
CASES = {
    # numbers
    "decimal commas in a ; file": (lines("x;label", [f"{v:.2f}".replace(".", ",") + f";{c}" for v, c in
                                                     zip(b.x, b.label)]), {}, handled({"x": "number"},
                                                                                      {"x": b.x.tolist()[:3]})),
    "thousands dots with decimal commas": (lines("x;label", [f"1.{100 + i:03d},5;{c}" for i, c in
                                                             zip(seq % 40, b.label)]), {},
                                           handled({"x": "number"}, {"x": [1100.5, 1101.5]})),
    "thousands commas, quoted": (column([f'"{1000 + 37 * (i % 30):,}"' for i in seq]), {},
                                 handled({"v": "number"}, {"v": [1000, 1037]})),
    "thousands spaces": (column([f"{1000 + 37 * (i % 30):,}".replace(",", " ") for i in seq]), {},
                         handled({"v": "number"}, {"v": [1000, 1037]})),
    "percentages": (column([f"{i % 30}.5%" for i in seq]), {}, handled({"v": "number"}, {"v": [0.5, 1.5]})),
    "dollar amounts": (column([f'"${1000 + i % 30:,}.25"' for i in seq]), {}, handled({"v": "number"},
                                                                                      {"v": [1000.25, 1001.25]})),
    "euro suffix, decimal comma": (lines("x;label", [f"{i % 30},50 €;{c}" for i, c in zip(seq, b.label)]), {},
                                   handled({"x": "number"}, {"x": [0.5, 1.5]})),
    "scientific notation": (column([f"{1 + i % 30}e-3" for i in seq]), {}, handled({"v": "number"},
                                                                                   {"v": [0.001, 0.002]})),
    "numbers with a dash for missing": (column(["-" if i % 10 == 0 else str(i % 30) for i in seq]), {},
                                        handled(missing={"v": 0}, kinds={"v": "category"})),
    "numbers with a dash, dash in na_values": (column(["-" if i % 10 == 0 else str(i % 30) for i in seq]),
                                               {"na_values": ["?", "NA", "", "-"]},
                                               handled({"v": "number"}, missing={"v": 6})),
    "negative numbers in parentheses": (column([f"({i % 30})" if i % 2 else str(i % 30) for i in seq]), {},
                                        handled({"v": "number"}, {"v": [0, -1]})),
    "1.234 in a comma-decimal file": (lines("x;y;label", [f"{v:.2f}".replace(".", ",") + f";1.{200 + i % 30};{c}"
                                                          for i, v, c in zip(seq, b.x, b.label)]), {},
                                      handled({"y": "number"}, {"y": [1200, 1201]})),
    # missing values
    "comma-space file with ' ?'": (lines("x, colour, label", [f"{r.x}, {'?' if i % 6 == 0 else r.colour}, {r.label}"
                                                              for i, r in enumerate(b.itertuples())]), {},
                                   handled(missing={"colour": 10})),
    "NA and empty cells": (column(["NA" if i % 5 == 0 else ("" if i % 7 == 0 else str(i % 30)) for i in seq]), {},
                           handled({"v": "number"}, missing={"v": 19})),
    "NULL and n/a markers": (column(["NULL" if i % 5 == 0 else ("n/a" if i % 7 == 0 else str(i % 30))
                                     for i in seq]), {}, handled({"v": "number"}, missing={"v": 19})),
    "missing target values": (lines("x,label", [f"{r.x},{'' if i % 10 == 0 else r.label}" for i, r in
                                                enumerate(b.itertuples())]), {}, handled(rows=54)),
    # identifiers and many-valued text
    "integer ID in file order": (column(list(range(1, N + 1)), "id"), {}, handled({"id": "identifier"})),
    "shuffled customer numbers": (column(list(RNG.permutation(N) * 13 + 100_000), "customer_no"), {},
                                  handled({"customer_no": "identifier"})),
    "text IDs": (column([f"P{i:05d}" for i in seq], "patient"), {}, handled({"patient": "identifier"})),
    "UUIDs": (column([f"{RNG.integers(1 << 60):x}-4a2b" for _ in seq], "uuid"), {}, handled({"uuid": "identifier"})),
    "ticket-like codes (100 for 120 rows)": (column([f"T{RNG.integers(0, 100)}" for _ in range(120)], "ticket"), {},
                                             handled({"ticket": "text"})),
    "names, one per row, quoted": (column([f'"Person {i}, Mr."' for i in seq], "name"), {},
                                   handled({"name": "identifier"})),
    "names with an unquoted comma": (column([f"Person {i}, Mr." for i in seq], "name"), {},
                                     clear("an unquoted ',' inside a value")),
    "mostly empty cabin": (column([f'"C{i}"' if i % 4 == 0 else "" for i in seq], "cabin"), {},
                           handled(missing={"cabin": 45})),
    "floats all distinct (a measurement)": (column(list(RNG.normal(0, 1, N).round(6))), {},
                                            handled({"v": "number"})),
    # dates
    "ISO dates with repeats": (column([f"2021-0{1 + i % 9}-1{i % 10}" for i in seq], "d"), {},
                               handled({"d": "date"})),
    "unique ISO dates": (column([str(pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(i))).split()[0]
                                 for i in seq], "d"), {}, handled({"d": "date"})),
    "day-first dates": (column([f"{13 + i % 15}/0{1 + i % 9}/2021" for i in seq], "d"), {},
                        handled({"d": "date"}, {"d": ["2021-01-13", "2021-02-14"]})),
    "month-first dates": (column([f"0{1 + i % 9}/{13 + i % 15}/2021" for i in seq], "d"), {},
                          handled({"d": "date"}, {"d": ["2021-01-13", "2021-02-14"]})),
    "date and time": (column([f"2021-03-0{1 + i % 9} 1{i % 10}:30:00" for i in seq], "t"), {},
                      handled({"t": "date"})),
    "dates with gaps": (column(["" if i % 5 == 0 else f"2021-0{1 + i % 9}-15" for i in seq], "d"), {},
                        handled({"d": "date"}, missing={"d": 12})),
    # header and layout
    "headerless numeric file": (lines(f"{b.x[0]},{b.colour[0]},{b.label[0]}",
                                      [f"{r.x},{r.colour},{r.label}" for r in b.itertuples()][1:]), {},
                                clear("the first row looks like data")),
    "headerless, named in data.columns": (lines(f"{b.x[0]},{b.colour[0]},{b.label[0]}",
                                                [f"{r.x},{r.colour},{r.label}" for r in b.itertuples()][1:]),
                                          {"header": False, "columns": ["x", "colour", "label"]}, handled(rows=N)),
    "header with spaces": (lines(" x , colour , label ", [f"{r.x},{r.colour},{r.label}" for r in b.itertuples()]),
                           {}, handled({"x": "number"})),
    "duplicate column names": (lines("x,x,label", [f"{r.x},{r.x},{r.label}" for r in b.itertuples()]), {},
                               clear("duplicate column names")),
    "byte-order mark (Excel)": ("\ufeff" + lines("x,colour,label", [f"{r.x},{r.colour},{r.label}"
                                                                    for r in b.itertuples()]), {},
                                handled({"x": "number"})),
    "tab-separated": (lines("x\tcolour\tlabel", [f"{r.x}\t{r.colour}\t{r.label}" for r in b.itertuples()]), {},
                      handled({"x": "number"})),
    "pipe-separated": (lines("x|colour|label", [f"{r.x}|{r.colour}|{r.label}" for r in b.itertuples()]), {},
                       handled({"x": "number"})),
    "whitespace-aligned": (lines("x   colour   label", [f"{r.x:8.2f}   {r.colour:6s}   {r.label}"
                                                         for r in b.itertuples()]), {}, handled({"x": "number"})),
    "trailing comma on data rows only": (lines("x,colour,label", [f"{r.x},{r.colour},{r.label}," for r in
                                                                  b.itertuples()]), {}, clear("fields but the header")),
    "one row with an extra field": (lines("x,colour,label", [f"{r.x},{r.colour},{r.label}" + (",9" if i == 30 else "")
                                                             for i, r in enumerate(b.itertuples())]), {},
                                    clear("row")),
    "a short row": (lines("x,colour,label", [f"{r.x},{r.colour},{r.label}" if i != 30 else f"{r.x},{r.colour}"
                                             for i, r in enumerate(b.itertuples())]), {}, handled(rows=N - 1)),
    "trailing commas everywhere": (lines("x,colour,label,", [f"{r.x},{r.colour},{r.label}," for r in
                                                             b.itertuples()]), {}, handled({"x": "number"})),
    "saved pandas index": (base().to_csv(), {}, handled({"x": "number"})),
    # targets
    "yes/no target": (lines("x,label", [f"{r.x},{'yes' if r.label == 'pos' else 'no'}" for r in b.itertuples()]),
                      {"positive_class": "yes"}, handled()),
    "True/False target": (lines("x,label", [f"{r.x},{r.label == 'pos'}" for r in b.itertuples()]), {},
                          handled()),
    "padded target labels": (lines("x,label", [f"{r.x}, {r.label} " for r in b.itertuples()]), {}, handled()),
    "target in data.drop": (base().to_csv(index=False), {"drop": ["label"]}, clear("data.drop names the target")),
    "wrong target name": (base().to_csv(index=False), {"target": "Label"}, clear("has no target column 'Label'")),
    # columns
    "an empty column": (column([""] * N, "empty"), {}, handled({"empty": "empty"})),
    "a constant column": (column(["same"] * N, "k"), {}, handled({"k": "constant"})),
    "infinity in a number column": (column(["inf" if i == 3 else str(i % 30) for i in seq]), {},
                                    clear("+inf or -inf")),
    "latin-1 file": (None, {}, handled({"colour": "category"}, {"colour": ["vert\u00e9", "rouge\u00e9"]})),
}

# the second trial: 52 files none of the cases above covered; those that were read wrong or misleadingly
k = base()
ids = RNG.permutation(N)
amount = (k.x * 100).round(0)
SPELLINGS = {"pos": ["yes", "Yes ", "YES"], "neg": ["no", "No", "NO"]}
KOREAN = {"pos": "양성", "neg": "음성"}
CASES |= {
    # rows
    "a Total row under a regression table": (lines("x,colour,y", [f"{r.x},{r.colour},{a:.0f}" for r, a in
                                                                   zip(k.itertuples(), amount)] + [",Total,99999"]),
                                             {"target": "y"}, handled(rows=N, task="regression", target_max=9_999)),
    "합계 row at the end": (lines("x,지역,label", [f"{r.x},{r.colour},{r.label}" for r in k.itertuples()]
                                + [f"{k.x.sum():.2f},합계,"]), {}, handled(rows=N)),
    "every row twice": (lines("x,colour,label", [f"{r.x},{r.colour},{r.label}" for r in k.itertuples()] * 2), {},
                        handled(rows=N)),
    "header repeated mid-file": (lines("x,colour,label", [f"{r.x},{r.colour},{r.label}" for r in k.itertuples()][:30]
                                       + ["x,colour,label"] + [f"{r.x},{r.colour},{r.label}"
                                                               for r in k.itertuples()][30:]), {},
                                 handled({"x": "number"}, rows=N)),
    "title row above the header": ("Sales report 2021\n" + base().to_csv(index=False), {},
                                   clear("look like a title above the header")),
    "units row under the header": (lines("x,colour,label", ["cm,,"] + [f"{r.x},{r.colour},{r.label}"
                                                                       for r in k.itertuples()]), {},
                                   clear("looks like units under the header (cm)")),
    # labels
    "yes/Yes /YES/no/No/NO target": (lines("x,label", [f"{r.x},{SPELLINGS[r.label][i % 3]}"
                                                      for i, r in enumerate(k.itertuples())]), {},
                                     handled(classes=["yes", "no"])),
    "'-' and N/A as a missing target": (lines("x,label", [f"{r.x},{ {0: '-', 5: 'N/A'}.get(i % 10, r.label)}"
                                                         for i, r in enumerate(k.itertuples())]), {},
                                        handled(rows=N - 12, classes=["pos", "neg"])),
    "numeric target with two text cells": (lines("x,y", [f"{r.x},{'unknown' if i in (7, 40) else f'{a:.0f}'}"
                                                         for i, (r, a) in enumerate(zip(k.itertuples(), amount))]),
                                           {"target": "y"}, handled(rows=N - 2, task="regression")),
    # codes are not quantities
    "zip codes with leading zeros": (column([f"0{2134 + i % 7}" for i in seq], "zip"), {},
                                     handled({"zip": "category"}, {"zip": ["02134", "02135"]})),
    "phone numbers": (column([f"010{RNG.integers(10**7, 10**8)}" for _ in seq], "phone"), {},
                      handled({"phone": "identifier"})),
    "a shuffled 16-digit 회원번호": (column([4_000_000_000_000_000 + int(i) * 7919 for i in ids], "회원번호"),
                                 {}, handled({"회원번호": "identifier"})),
    "a shuffled 번호 1..N": (column([int(i) + 1 for i in ids], "번호"), {}, handled({"번호": "identifier"})),
    "a shuffled 1..N without an ID name": (column([int(i) + 1 for i in ids], "seq"), {},
                                           handled({"seq": "identifier"})),
    # numbers
    "trailing-minus numbers": (column([f"{i % 30}.25-" if i % 2 else f"{i % 30}.25" for i in seq]), {},
                               handled({"v": "number"}, {"v": [0.25, -1.25]})),
    "37,700원": (column([f'"{1000 * (1 + i % 40):,}원"' for i in seq]), {},
                handled({"v": "number"}, {"v": [1000, 2000]})),
    "($1,000.50) in accounting parentheses": (column([f'"(${1000 + i % 30:,}.50)"' if i % 2 else
                                                      f'"${1000 + i % 30:,}.50"' for i in seq]), {},
                                              handled({"v": "number"}, {"v": [1000.5, -1001.5]})),
    "1 000,5 with U+202F in a ; file": (lines("x;label", [f"{1 + i % 9}\u202f{100 + i % 30},5;{c}" for i, c in
                                                         zip(seq, b.label)]), {}, handled({"x": "number"},
                                                                                          {"x": [1100.5, 2101.5]})),
    "0,125 in a ; file": (lines("x;label", [f"0,{125 + i % 30};{c}" for i, c in zip(seq, b.label)]), {},
                          handled({"x": "number"}, {"x": [0.125, 0.126]})),
    # dates
    "Korean dates 2021년 9월 2일": (column([f"2021년 {1 + i % 12}월 {1 + i % 28}일" for i in seq], "날짜"), {},
                                 handled({"날짜": "date"}, {"날짜": ["2021-01-01", "2021-02-02"]})),
    "오전/오후 times": (column([f"{['오후', '오전'][i % 2]} {1 + i % 11}:36:00" for i in seq], "시간"), {},
                     handled({"시간": "date"}, {"시간": ["1900-01-01 13:36:00", "1900-01-01 02:36:00"]})),
    "02-Sep-2021": (column([f"{1 + i % 28:02d}-{['Jan', 'Sep', 'Dec'][i % 3]}-2021" for i in seq], "d"), {},
                    handled({"d": "date"}, {"d": ["2021-01-01", "2021-09-02"]})),
    "time-zoned ISO times": (column([f"2021-09-{1 + i % 28:02d}T10:00:00{['+09:00', 'Z'][i % 2]}" for i in seq],
                                    "t"), {},
                             handled({"t": "date"}, {"t": ["2021-09-01 01:00:00", "2021-09-02 10:00:00"]})),
    "mixed date formats": (column([["2021-09-02", "09/03/2021", '"Sep 4, 2021"'][i % 3] for i in seq], "d"), {},
                           handled({"d": "date"}, {"d": ["2021-09-02", "2021-09-03", "2021-09-04"]})),
    # columns
    "Age and age ": (lines("Age,age ,label", [f"{r.x},{r.x},{r.label}" for r in k.itertuples()]), {},
                     clear("'Age' and 'age ' are the same name once trimmed and case-folded")),
    # encodings and containers
    "CP949 Korean Excel export": (("case.csv", lines("지역,x,결과", [
        f"{['부산', '서울'][i % 2]},{r.x},{KOREAN[r.label]}" for i, r in enumerate(k.itertuples())]).encode("cp949")),
                                  {"target": "결과"}, handled({"지역": "category"}, {"지역": ["부산", "서울"]})),
    "UTF-16 Unicode text": (("case.txt", lines("x\tcolour\tlabel", [f"{r.x}\t{r.colour}\t{r.label}"
                                                                   for r in k.itertuples()]).encode("utf-16")), {},
                            handled({"x": "number"}, rows=N)),
    "a .csv.gz": (("case.csv.gz", __import__("gzip").compress(base().to_csv(index=False).encode(), mtime=0)), {},
                  handled({"x": "number"}, rows=N)),
    "an .xlsx workbook": (("case.xlsx", None), {}, handled({"x": "number"}, {"x": base().x.tolist()[:3]}, rows=N)),
    "an old .xls": (("case.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)), {},
                    clear("not a format ingest reads")),
}


# the third trial: column quirks an older trial read wrong, blank lines, and labels that are HTML or formulas
SCRIPT, FORMULA, HTML_COLUMN = "<script>alert(1)</script>", "=1+1", "<img src=x onerror=alert(1)>"
CASES |= {
    "'.' for missing (a SAS or Stata export)": (column(["." if i % 10 == 3 else f"{i % 30}.5" for i in seq]), {},
                                                handled({"v": "number"}, {"v": [0.5, 1.5]}, missing={"v": 6})),
    "em and en dashes for missing": (column(["\u2014" if i % 10 == 0 else "\u2013" if i % 10 == 5 else f"{i % 30}.5"
                                             for i in seq]), {}, handled({"v": "number"}, missing={"v": 12})),
    "Unix seconds in an event log": (column([1_600_000_000 + 3600 * int(i) for i in seq], "logged"), {},
                                     handled({"logged": "date"}, {"logged": ["2020-09-13 12:26:40"]})),
    "Unix milliseconds, shuffled, named created_at": (column([1_600_000_000_000 + 86_400_000 * int(i) for i in ids],
                                                             "created_at"), {}, handled({"created_at": "date"})),
    "blank lines and a row of empty cells": (lines("x,colour,label", [f"{r.x},{r.colour},{r.label}" for r in
                                                                      k.itertuples()][:20] + ["", ",,"]
                                                   + [f"{r.x},{r.colour},{r.label}" for r in k.itertuples()][20:]),
                                             {}, handled({"x": "number"}, rows=N)),
    "labels and a column name that are HTML or a formula": (
        lines(f"x,{HTML_COLUMN},label", [f"{r.x},{r.colour},{SCRIPT if r.label == 'pos' else FORMULA}"
                                         for r in k.itertuples()]), {},
        handled({HTML_COLUMN: "category"}, classes=[SCRIPT, FORMULA])),
}


def run_case(name: str, text: str | None, data: dict, expect) -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="messy-"))
    try:
        (folder / "data/raw/tables").mkdir(parents=True)
        path = folder / "data/raw/tables/case.csv"
        if isinstance(text, tuple):  # (file name, its bytes): another container or encoding
            path = path.with_name(text[0])
            if text[1] is None:
                base().to_excel(path, index=False)
            else:
                path.write_bytes(text[1])
        elif text is None:
            path.write_bytes(lines("x,colour,label", [f"{r.x},{'rouge' if i % 2 else 'vert'}é,{r.label}"
                                                      for i, r in enumerate(base().itertuples())]).encode("latin-1"))
        else:
            path.write_text(text, encoding="utf-8")
        params = yaml.safe_load((REPO / "params.yaml").read_text())
        params["data"].update({"csv": f"data/raw/tables/{path.name}", "target": "label", **data})
        (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        for stage in ("ingest", "preprocess"):
            done = subprocess.run([sys.executable, "-m", f"stages.{stage}"], cwd=folder, env=env, capture_output=True,
                                  text=True)
            if done.returncode:
                err = done.stderr.strip()
                one = err.count("\n") == 0 and err.startswith("error: ")
                if isinstance(expect, str) and expect in err and one:
                    return "clear", err[:150]
                return "wrong", f"stopped ({'one line' if one else 'traceback'}): {err.splitlines()[-1][:150]}"
        if isinstance(expect, str):
            return "wrong", f"ran, but should have stopped with {expect!r}"
        profile = json.loads((folder / "reports/ingest/profile.json").read_text())
        problems = expect(profile, read_table(folder / "data/interim/dataset.csv"))  # as preprocess reads it
        notes = "; ".join(profile["notes"])[:150]
        return ("wrong", "; ".join(problems)) if problems else ("handled", notes or "plain")
    finally:
        shutil.rmtree(folder)


def main() -> None:
    from benchmarks.fault_trial import FAULTS

    counts = {"clear": 0, "handled": 0, "wrong": 0}
    only = sys.argv[1] if len(sys.argv) > 1 else ""  # a part of the case names to run: python -m ... "dates"
    cases = {name: case for name, case in CASES.items() if only.casefold() in name.casefold()}
    faults = {name: case for name, case in FAULTS.items() if only.casefold() in name.casefold()}
    runs = [(name, lambda case=case, name=name: run_case(name, *case)) for name, case in cases.items()]
    runs += list(faults.items())  # saved files, folders, Ctrl-C, image folders, prediction rows, hostile text
    for name, run in runs:
        outcome, why = run()
        counts[outcome] += 1
        print(f"{outcome:8s} {name}: {why}", flush=True)
    print(f"{len(cases) + len(faults)} cases: {counts['clear']} clear, {counts['handled']} handled, "
          f"{counts['wrong']} wrong")


if __name__ == "__main__":
    main()
