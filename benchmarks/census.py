"""A census-like income table, generated and seeded: the size and shape of the classic adult table (6 numeric
and 8 categorical columns of 3-40 levels, about 24% positive, a nonlinear signal), for benchmarks at real size.

    python -m benchmarks.census 32500 data/raw/tables/census.csv     (rows, where to write it)
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

LEVELS = {  # column -> number of levels (the adult table's, roughly)
    "workclass": 8, "education": 16, "marital_status": 7, "occupation": 14, "relationship": 6, "race": 5,
    "sex": 3, "native_country": 40,
}


def census_table(rows: int, seed: int = 0, extra_numeric: int = 0) -> pd.DataFrame:
    """`rows` people with an `income` column (>50K or <=50K). Skewed level frequencies, heavy-tailed money
    columns, and a target that depends on interactions (age x hours, education x occupation), not on a line.
    `extra_numeric`: that many more numeric columns of noise (a wider table, e.g. 30 columns at 16)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.integers(17, 91, rows),
        "fnlwgt": rng.lognormal(12, 0.5, rows).round(),
        "education_num": rng.integers(1, 17, rows),
        "capital_gain": np.where(rng.random(rows) < 0.08, rng.lognormal(8, 1.2, rows), 0.0).round(),
        "capital_loss": np.where(rng.random(rows) < 0.05, rng.lognormal(7, 0.4, rows), 0.0).round(),
        "hours_per_week": np.clip(rng.normal(40, 12, rows), 1, 99).round(),
    })
    effects = {}
    for column, levels in LEVELS.items():
        weights = rng.dirichlet(np.full(levels, 0.7))  # a few common levels, a long tail
        codes = rng.choice(levels, rows, p=weights)
        frame[column] = pd.Series([f"{column[:3]}_{c}" for c in range(levels)]).to_numpy()[codes]
        effects[column] = rng.normal(0, 0.8, levels)[codes]
    prime = np.exp(-((frame["age"] - 48) / 14) ** 2)  # earnings peak in mid-life
    logit = (
        2.2 * prime * (frame["hours_per_week"] > 35) + 0.35 * (frame["education_num"] - 10)
        + effects["occupation"] * (frame["education_num"] > 9) + effects["marital_status"] + effects["relationship"]
        + 0.5 * effects["workclass"] + 0.3 * effects["native_country"] + 0.3 * effects["race"] + effects["sex"]
        + 2.5 * (frame["capital_gain"] > 5000) + 1.2 * (frame["capital_loss"] > 1500) - 0.85
    )
    for i in range(extra_numeric):
        frame[f"measure_{i + 1}"] = rng.normal(0, 1, rows).astype(np.float32).round(3)
    frame["income"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), ">50K", "<=50K")
    return frame


if __name__ == "__main__":
    table = census_table(int(sys.argv[1]))
    table.to_csv(sys.argv[2], index=False)
    print(f"{len(table)} rows, {table['income'].eq('>50K').mean():.1%} positive -> {sys.argv[2]}")
