"""Racing's first look and threshold, measured on the suite: how many fits a rule saves, and what it costs.

Each suite table (and seed) runs compare_models with every model on every fold of 10 x 3 (compare.racing: 0,
compare.repeats: 3). Racing is then replayed on those fold scores with the stage's own functions (race_batches,
race): after `look` folds, and after each repeat, a model behind the leader at p < threshold stops. For each rule:

- fits: the share of the single models' fits it runs, against every model on every fold of 10 x 1;
- loss: the winner's shortfall, its mean over all 30 folds against the best model's (0 when it picks the same);
- stopped best: how often it stopped the model with the best 30-fold mean.

The same for 10 x 1 without racing (the repeats' worth). Per rule, the mean over tables and seeds, and the worst.

    python -m benchmarks.racing --seeds 42 1 2          (from the repo root, inside .venv)
"""

from __future__ import annotations

import argparse
import shutil

import numpy as np
import pandas as pd
import yaml

from benchmarks.versus_pycaret import SUITE, project, repro
from stages.core.tabular.comparison import race, race_batches
from stages.core.tabular.folds import Fold
from stages.core.tabular.names import COMBINED

SMALL = ("passengers", "pima", "wine", "houses", "cars", "liver", "prestige", "breast_cancer")
LOOKS = (3, 4, 5, 10)  # 10: after the first repeat only (the rule before)
THRESHOLDS = (0.001, 0.01, 0.05, 0.1)


def replay(scores: pd.DataFrame, sort_by: str, lower: bool, look: int, p: float, repeats: int) -> tuple[str, int, set]:
    """(the winner, the fits run, the models stopped) of racing at (look, p) over `repeats` repeats of 10 folds."""
    k = int(scores["fold"].max())
    folds = [Fold(r, f, None, None) for r in range(1, repeats + 1) for f in range(1, k + 1)]
    batches = race_batches(folds, look) if p > 0 else [folds]
    running, seen, fits, stopped = set(scores["model"]), set(), 0, set()
    folds_of_row = pd.Series(list(zip(scores["repeat"], scores["fold"])))

    def scored_so_far() -> pd.DataFrame:
        return scores[scores["model"].isin(running) & folds_of_row.isin(seen)]

    for i, batch in enumerate(batches):
        seen |= {(f.repeat, f.fold) for f in batch}
        fits += len(running) * len(batch)
        if i == len(batches) - 1:
            break
        now = set(race(scored_so_far(), sort_by, k, p))
        running, stopped = running - now, stopped | now
    part = scored_so_far()
    means = part.groupby("model")[sort_by].mean()
    return (means.idxmin() if lower else means.idxmax()), fits, stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="+", default=list(SMALL), choices=list(SUITE))
    parser.add_argument("--seeds", nargs="+", type=int, default=[42])
    args = parser.parse_args()
    rows = []
    for name in args.tables:
        make, target = SUITE[name]
        table = make() if make else None
        for seed in args.seeds:
            root = project(name, table, target, seed=seed, **{"compare.racing": 0, "compare.repeats": 3,
                                                              "compare.folds": 10})
            repro(root, "compare_models")
            scores = pd.read_csv(root / "reports/compare_models/fold_scores.csv")
            scores = scores[~scores["model"].isin(COMBINED)].reset_index(drop=True)
            sort_by = yaml.safe_load((root / "models/compare_models/winner.json").read_text())["sort_by"]
            lower = sort_by in ("rmse", "mae")
            full = scores.groupby("model")[sort_by].mean()
            best = full.idxmin() if lower else full.idxmax()
            every = scores["model"].nunique() * 10
            rules = [(10, 0, 1), (10, 0, 3), *[(lk, t, 1) for lk in LOOKS if lk < 10 for t in THRESHOLDS],
                     *[(lk, t, 3) for lk in LOOKS for t in THRESHOLDS]]
            for look, p, repeats in rules:
                winner, fits, stopped = replay(scores, sort_by, lower, look, p, repeats)
                loss = abs(full[best] - full[winner])
                rows.append({"table": name, "seed": seed, "rule": f"10x{repeats}" + (f", look {look}, p < {p}" if p
                             else ", no racing"), "fits": fits / every, "loss": loss, "stopped_best": best in stopped})
            print(f"{name} seed {seed}: {scores['model'].nunique()} models, best over 30 folds {best} "
                  f"({full[best]:.4f})", flush=True)
            shutil.rmtree(root)
    frame = pd.DataFrame(rows)
    summary = frame.groupby("rule", sort=False).agg(fits=("fits", "mean"), mean_loss=("loss", "mean"),
                                                    worst_loss=("loss", "max"), stopped_best=("stopped_best", "sum"))
    print(f"over {frame.groupby(['table', 'seed']).ngroups} table-seeds; fits: share of 10 x 1 without racing")
    print(summary.to_string(float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
