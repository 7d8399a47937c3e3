"""A seeded passenger-like table with the columns that trip up a typing step: an integer ID in file order, a
name per row, a ticket column of about 600 values shared by travelling groups, a mostly empty cabin, and the
plain features (sex, class, age with gaps, fare). Survival depends on sex, class, age and, through the group,
the ticket; the ID and the name carry nothing.

    python -m benchmarks.passengers out.csv [rows]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

TITLES = {"male": ("Mr", "Master"), "female": ("Mrs", "Miss")}
SURNAMES = ("Smith", "Andersson", "Brown", "Kelly", "Olsen", "Johnson", "Murphy", "Novak", "Berg", "Rossi",
            "Dubois", "Kim", "Silva", "Nilsson", "Walsh", "Petrov", "Horvat", "Jensen", "Moreau", "Lee")


def passengers(rows: int = 891, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = max(1, round(rows * 1.18))  # drawn with repeats: about 600 tickets for 891 passengers
    group = np.sort(rng.integers(0, groups, rows))
    group_class = rng.choice([1, 2, 3], groups, p=[0.24, 0.21, 0.55])
    group_luck = rng.normal(0, 0.8, groups)  # a group's shared fate (a lifeboat, a deck)
    pclass = group_class[group]
    sex = rng.choice(["male", "female"], rows, p=[0.65, 0.35])
    age = np.clip(rng.normal(30, 14, rows), 0.5, 80).round(1)
    child = age < 14
    fare = (np.array([0, 85.0, 21.0, 13.0])[pclass] * rng.lognormal(0, 0.4, rows)).round(4)
    logit = (1.3 * (sex == "female") - 0.9 * (pclass - 2) + 1.0 * child - 0.01 * (age - 30) - 0.6
             + group_luck[group])
    survived = (rng.uniform(size=rows) < 1 / (1 + np.exp(-2 * logit))).astype(int)
    prefix = np.array(["PC ", "", "A/5 ", "STON/O2. ", "", "C.A. "])[(group * 7 + pclass) % 6]
    ticket = np.char.add(prefix.astype(str), (10_000 + group * 37 % 90_000).astype(str))
    cabin = np.where((pclass == 1) & (rng.uniform(size=rows) < 0.8) | (rng.uniform(size=rows) < 0.04),
                     np.char.add(np.array(list("ABCDEFG"))[group % 7], (group % 120 + 1).astype(str)), None)
    title = np.where(sex == "male", np.where(child, "Master", "Mr"), np.where(child | (age < 22), "Miss", "Mrs"))
    names = [f"{SURNAMES[g % len(SURNAMES)]}-{g}, {t}. Person {i}" for i, (g, t) in enumerate(zip(group, title))]
    frame = pd.DataFrame({
        "PassengerId": np.arange(1, rows + 1),
        "Survived": np.where(survived == 1, "yes", "no"),
        "Pclass": pclass,
        "Name": names,
        "Sex": sex,
        "Age": age,
        "Ticket": ticket,
        "Fare": fare,
        "Cabin": cabin,
        "Embarked": rng.choice(["S", "C", "Q"], rows, p=[0.72, 0.19, 0.09]),
    })
    frame.loc[rng.uniform(size=rows) < 0.2, "Age"] = np.nan  # a fifth of the ages unknown
    return frame


if __name__ == "__main__":
    passengers(int(sys.argv[2]) if len(sys.argv) > 2 else 891).to_csv(sys.argv[1], index=False)
