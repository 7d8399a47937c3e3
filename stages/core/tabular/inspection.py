"""What the final model learned, read on the test split by evaluate: permutation importance of every raw column
(the score lost when that column's values are shuffled, seeded, over repeats), the tree itself for a decision
tree, and the coefficients of a linear model per original column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.core.tabular.models import inner


def importance_table(model, X: pd.DataFrame, y, repeats: int, seed: int) -> pd.DataFrame:
    """Permutation importance of each raw column on these rows: mean and std of the drop in the model's own
    score (accuracy, or R²) over `repeats` seeded shuffles; largest first, ties by name so the order is fixed."""
    from sklearn.inspection import permutation_importance  # imported when used: it pulls in sklearn.ensemble

    found = permutation_importance(model, X, y, n_repeats=repeats, random_state=seed, n_jobs=1)
    table = pd.DataFrame({"feature": X.columns.astype(str), "importance": found.importances_mean,
                          "std": found.importances_std})
    return table.sort_values(["importance", "feature"], ascending=[False, True], kind="stable").reset_index(drop=True)


def fitted_parts(model):
    """The fitted selector's column names and the model itself, inside the saved wrapper."""
    pipeline = model.pipeline_
    return list(pipeline.named_steps["select"].features_), inner(pipeline.named_steps["model"])


def original_column(encoded: str, columns: list[str]) -> str:
    """The raw column an encoded feature came from: itself, or the longest column name it starts with (one-hot
    `city_Paris` -> `city`; a date's `when_year` -> `when`)."""
    if encoded in columns:
        return encoded
    starts = [c for c in columns if encoded.startswith(f"{c}_")]
    return max(starts, key=len) if starts else encoded


def coefficient_table(model, columns: list[str], classes: list | None) -> pd.DataFrame | None:
    """A linear model's coefficients on the scaled, encoded features, with the raw column each came from;
    None for a model without coef_. Multiclass: one column per class."""
    features, fitted = fitted_parts(model)
    coef = getattr(fitted, "coef_", None)
    if coef is None:
        return None
    coef = np.atleast_2d(coef)
    table = pd.DataFrame({"feature": features, "column": [original_column(f, columns) for f in features]})
    if coef.shape[0] == 1:
        table["coefficient"] = coef[0]
        order = table["coefficient"].abs()
    else:
        for name, row in zip(classes, coef, strict=True):
            table[f"coefficient_{name}"] = row
        order = np.abs(coef).sum(axis=0)
    return table.iloc[np.argsort(-np.asarray(order), kind="stable")].reset_index(drop=True)
