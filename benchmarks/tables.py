"""Seeded tables shaped like the public ones our users bring first, for benchmarks/versus_pycaret.py's suite. Each is
made with the quirks of the real file: integer and 1/2 labels, a rare class, `?` for missing, an ID, a name per row,
a many-valued text column. (passenger survival, diabetes screening and red wine grades live in passengers.py and
label_tables.py; the census-like table in census.py.)

    python -m benchmarks.tables houses out.csv      (houses | cars | liver | prestige)
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd


def houses(seed: int = 0) -> pd.DataFrame:
    """506 districts, 13 measurements (a 0/1 river flag, an integer highway index, a tax rate), the median price in
    thousands, capped at 50 as the real table is; the price falls with crime and rooms' shortage, nonlinearly."""
    rng = np.random.default_rng(seed)
    n = 506
    crime = rng.lognormal(-0.5, 1.6, n).round(5)
    rooms = rng.normal(6.3, 0.7, n).round(3)
    lstat = np.clip(rng.gamma(3, 4.2, n), 1.7, 38).round(2)
    frame = pd.DataFrame({
        "CRIM": crime, "ZN": np.where(rng.random(n) < 0.73, 0, rng.choice([12.5, 20, 25, 40, 80], n)),
        "INDUS": rng.uniform(0.5, 27.7, n).round(2), "CHAS": (rng.random(n) < 0.07).astype(int),
        "NOX": rng.uniform(0.39, 0.87, n).round(3), "RM": rooms, "AGE": rng.uniform(3, 100, n).round(1),
        "DIS": rng.lognormal(1.2, 0.5, n).round(4), "RAD": rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 24], n),
        "TAX": rng.integers(187, 712, n), "PTRATIO": rng.uniform(12.6, 22, n).round(1),
        "B": np.clip(rng.normal(380, 60, n), 0.3, 396.9).round(2), "LSTAT": lstat})
    price = (22 + 7.5 * (rooms - 6.3) - 9 * np.log(lstat / 11) - 1.2 * np.log1p(crime) - 0.4 * (frame["PTRATIO"] - 18)
             + 2.5 * frame["CHAS"] + rng.normal(0, 3.2, n))
    frame["MEDV"] = np.clip(price, 5, 50).round(1)
    return frame


def cars(seed: int = 0) -> pd.DataFrame:
    """398 cars: cylinders and model year as integers, horsepower with six `?`, origin as 1/2/3, and the car's name
    (a text column of about 300 values); fuel use in miles per gallon, from weight and power."""
    rng = np.random.default_rng(seed)
    n = 398
    cylinders = rng.choice([3, 4, 5, 6, 8], n, p=[0.01, 0.51, 0.01, 0.21, 0.26])
    displacement = (cylinders * rng.normal(38, 6, n)).round(1)
    horsepower = (displacement * rng.normal(0.55, 0.08, n) + 20).round()
    weight = (1200 + displacement * 7.5 + rng.normal(0, 250, n)).round()
    year = rng.integers(70, 83, n)
    origin = np.where(cylinders >= 6, 1, rng.choice([1, 2, 3], n, p=[0.45, 0.27, 0.28]))
    mpg = 46 - 0.0072 * weight - 0.03 * horsepower + 0.75 * (year - 76) + 1.2 * (origin > 1) + rng.normal(0, 2.8, n)
    makers = ["ford", "chevrolet", "plymouth", "dodge", "amc", "toyota", "datsun", "honda", "vw", "buick", "mazda"]
    names = [f"{makers[i % len(makers)]} model {rng.integers(0, 28)}" for i in range(n)]
    frame = pd.DataFrame({"mpg": np.clip(mpg, 9, 47).round(1), "cylinders": cylinders, "displacement": displacement,
                          "horsepower": horsepower.astype(int).astype(str), "weight": weight.astype(int),
                          "acceleration": rng.normal(15.5, 2.7, n).round(1), "model_year": year, "origin": origin,
                          "car_name": names})
    frame.loc[rng.choice(n, 6, replace=False), "horsepower"] = "?"
    return frame


def liver(seed: int = 0) -> pd.DataFrame:
    """345 men, five blood tests and the drinks per day; the selector column is 1 or 2 (a 1/2 target), 58% 2."""
    rng = np.random.default_rng(seed)
    n = 345
    drinks = np.clip(rng.gamma(1.1, 3.4, n), 0, 20).round(1)
    frame = pd.DataFrame({
        "mcv": rng.normal(90, 4.4, n).round() + (drinks > 6) * 2, "alkphos": rng.normal(70, 18, n).round(),
        "sgpt": rng.lognormal(3.2, 0.5, n).round(), "sgot": rng.lognormal(3.1, 0.35, n).round(),
        "gammagt": (rng.lognormal(3.2, 0.7, n) * (1 + drinks / 8)).round(), "drinks": drinks})
    risk = 0.08 * (frame["mcv"] - 90) + 0.012 * (frame["gammagt"] - 38) + 0.01 * (frame["sgpt"] - 28)
    frame["selector"] = np.where(risk + rng.normal(0, 0.9, n) > -0.25, 2, 1)
    return frame


def prestige(seed: int = 0) -> pd.DataFrame:
    """102 occupations: education in years, income, share of women, a census code (an ID), the occupation type
    (bc, prof, wc; four missing) and the occupation's name; prestige on a 14-87 scale."""
    rng = np.random.default_rng(seed)
    n = 102
    kind = rng.choice(["bc", "prof", "wc"], n, p=[0.45, 0.3, 0.25])
    education = np.where(kind == "prof", rng.normal(14, 1.3, n), np.where(kind == "wc", rng.normal(11, 1, n),
                                                                          rng.normal(8.5, 1.2, n))).round(2)
    income = (rng.lognormal(8.7, 0.45, n) * (1 + (kind == "prof") * 0.5)).round()
    frame = pd.DataFrame({
        "occupation": [f"occupation_{i:03d}" for i in rng.permutation(n)], "education": education,
        "income": income.astype(int), "women": np.clip(rng.beta(0.7, 1.2, n) * 100, 0, 97.5).round(2),
        "census": rng.choice(np.arange(1113, 9517), n, replace=False), "type": kind})
    frame["prestige"] = np.clip(-6.8 + 4.1 * education + 0.0011 * income + 6 * (kind == "prof")
                                + rng.normal(0, 6.5, n), 14, 87).round(1)
    frame.loc[rng.choice(n, 4, replace=False), "type"] = np.nan
    return frame


MAKERS = {"houses": houses, "cars": cars, "liver": liver, "prestige": prestige}

if __name__ == "__main__":
    if len(sys.argv) != 3:  # `make bench` runs every module: this one only writes a table
        print(f"usage: python -m benchmarks.tables {' | '.join(MAKERS)} out.csv")
    else:
        MAKERS[sys.argv[1]]().to_csv(sys.argv[2], index=False)
