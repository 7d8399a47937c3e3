"""Bias and variance: the tuned model's training and validation scores as the training set grows (the learning
curve) and as one hyper-parameter grows (the validation curve), on the training rows' folds only, and one line
that reads them.

The reading rule, in the score's units (accuracy, R², ...; scikit-learn's scorers, higher is better):
a gap is GAP = 0.05 x max(1, |training score|), a rise is RISE = GAP / 5.
- over-fitting (high variance): at the full training size, training - validation > GAP;
- under-fitting (high bias): otherwise, when the validation curve's best value scores more than GAP above the
  tuned model's validation score (a setting that fits more would do better);
- a good fit: neither;
- "more rows would help": the validation score still rose by more than RISE over the last step of the learning
  curve; else it has levelled off.
The validation curve adds where it over-fits most (the largest gap above GAP) and its best value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import learning_curve, validation_curve

from stages.core.errors import PipelineError
from stages.core.tabular.models import COMBINED, tunable

LOG = np.logspace(-3, 3, 7).tolist()
DEPTHS = [1, 2, 3, 4, 6, 8, 12, 16]
TREES = [5, 10, 25, 50, 100, 200]
# the hyper-parameter that moves a model between too simple and too flexible, and its range
COMPLEXITY: dict[str, tuple[str, list]] = {
    "logistic_regression": ("C", LOG), "svm": ("C", LOG[1:]), "rbf_svm": ("C", LOG[1:]), "linear_svm": ("C", LOG),
    "svr": ("C", LOG[1:]), "knn": ("n_neighbors", [1, 3, 5, 9, 15, 25, 41]), "decision_tree": ("max_depth", DEPTHS),
    "random_forest": ("max_depth", DEPTHS), "hist_gradient_boosting": ("max_iter", [10, 25, 50, 100, 200, 400]),
    "xgboost": ("n_estimators", [10, 25, 50, 100, 200, 400]), "bagging": ("n_estimators", [1, *TREES[:-1]]),
    "adaboost": ("n_estimators", TREES), "ridge": ("alpha", LOG), "lasso": ("alpha", np.logspace(-4, 1, 6).tolist()),
    "elastic_net": ("alpha", np.logspace(-4, 1, 6).tolist()),
}


def gap_of(score: float) -> float:
    return 0.05 * max(1.0, abs(score))


@dataclass(frozen=True)
class Curve:
    x: list  # training rows, or the hyper-parameter's values
    train: np.ndarray  # mean over folds
    train_std: np.ndarray
    val: np.ndarray
    val_std: np.ndarray

    def table(self, x_name: str) -> pd.DataFrame:
        return pd.DataFrame({x_name: self.x, "training": self.train, "training_std": self.train_std,
                             "validation": self.val, "validation_std": self.val_std})


def _curve(x, train: np.ndarray, val: np.ndarray) -> Curve:
    return Curve(list(x), train.mean(axis=1), train.std(axis=1), val.mean(axis=1), val.std(axis=1))


def curve_pipeline(pipeline):
    """The tuned pipeline as cross-validation scores it: without the Platt scaling added for serving."""
    pipeline = clone(pipeline)
    step = pipeline.named_steps["model"]
    return pipeline.set_params(model=step.estimator) if isinstance(step, CalibratedClassifierCV) else pipeline


def complexity(name: str, pipeline, param: str, values, n_features: int, *, section: str) -> tuple[str, str, list]:
    """(the name shown, the Pipeline parameter, its values) of the validation curve. auto: COMPLEXITY's entry for
    the model; for voting and stacking, that of the best member that has one (e.g. logistic_regression__C); for
    a model with none (linear_regression), the features kept, k, when a selection method is set."""
    prefix, own = tunable(pipeline.named_steps["model"])
    step = pipeline.named_steps["model"]
    if param == "auto":
        if name in COMBINED:
            for member, estimator in step.estimators:
                if member in COMPLEXITY:
                    inside = "estimator__" if isinstance(estimator, CalibratedClassifierCV) else ""
                    shown, default = COMPLEXITY[member]
                    return (f"{member}__{shown}", f"{prefix}{member}__{inside}{shown}",
                            default if values == "auto" else values)
        elif name in COMPLEXITY:
            shown, default = COMPLEXITY[name]
            return shown, prefix + shown, default if values == "auto" else values
        select = pipeline.named_steps["select"]
        if select.method is None or select.method.name == "none":
            raise PipelineError(f"{section}.param = auto: {name} has no hyper-parameter that sets how closely it "
                                f"fits and no features are selected; name one of {', '.join(sorted(own))} in "
                                f"{section}.param with {section}.values, or set features.method")
        ks = sorted({min(2 ** i, n_features) for i in range(n_features.bit_length() + 1)})
        return "k", "select__k", ks if values == "auto" else values
    valid = step.get_params(deep=True) if name in COMBINED else own
    if param not in valid:
        raise PipelineError(f"{section}.param = {param!r}: {name} has no such parameter; its parameters: "
                            f"{', '.join(sorted(p for p in valid if '__' not in p or name in COMBINED)[:30])}")
    if values == "auto":
        if COMPLEXITY.get(name, (None,))[0] != param:
            raise PipelineError(f"{section}.values = auto knows only {name}'s default parameter; give the values of "
                                f"{param}, e.g. {section}.values: [1, 2, 4, 8]")
        values = COMPLEXITY[name][1]
    return param, prefix + param, values


def current_value(pipeline, path: str):
    """The tuned model's own setting of the curve's parameter (None when it is not a plain number)."""
    value = pipeline.get_params(deep=True).get(path)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


SMALLEST = 30  # rows of the learning curve's first size, at least (fewer can miss a class)


def curves(pipeline, X, y, cv, scoring, swept: tuple[str, list], settings) -> tuple[Curve, Curve]:
    """scikit-learn's learning_curve over `settings.sizes` training sizes (10%, or SMALLEST rows, to 100% of each
    fold's training rows, shuffled with the folds' seed) and validation_curve over `swept` = (the parameter's
    pipeline path, its values), on the same folds (`cv`: a seeded splitter). `settings`: the validated
    bias_variance section of params.yaml (sizes, n_jobs)."""
    (path, values), sizes, n_jobs, seed = swept, settings.sizes, settings.n_jobs, cv.random_state
    fold_rows = len(y) * (1 - 1 / cv.get_n_splits())
    low = min(1.0, max(0.1, SMALLEST / fold_rows))
    rows, train, val = learning_curve(pipeline, X, y, train_sizes=np.linspace(low, 1.0, sizes), cv=cv,
                                      scoring=scoring, n_jobs=n_jobs, shuffle=True, random_state=seed)
    v_train, v_val = validation_curve(pipeline, X, y, param_name=path, param_range=values, cv=cv, scoring=scoring,
                                      n_jobs=n_jobs)
    return _curve(rows.tolist(), train, val), _curve(values, v_train, v_val)


def diagnose(learning: Curve, validation: Curve, param: str, current) -> dict:
    """The rule of the module docstring, applied: the verdict, the numbers behind it, and the line."""
    train, val = float(learning.train[-1]), float(learning.val[-1])
    gap, limit = train - val, gap_of(train)
    rise = float(learning.val[-1] - learning.val[-2]) if len(learning.x) > 1 else 0.0
    best = int(np.argmax(validation.val))
    best_value, best_score = validation.x[best], float(validation.val[best])
    if gap > limit:
        verdict = "over-fitting"
        words = (f"training {train:.4f} > validation {val:.4f} at {learning.x[-1]} rows (gap {gap:.4f} > {limit:.3f}): "
                 "over-fitting (high variance); a simpler setting or more rows would help")
    elif best_score - val > limit:
        verdict = "under-fitting"
        words = (f"training {train:.4f} ~ validation {val:.4f}, and {param} {best_value:g} validates at "
                 f"{best_score:.4f}: under-fitting (high bias); a more flexible setting would help")
    else:
        verdict = "good fit"
        words = f"training {train:.4f} and validation {val:.4f} within {limit:.3f}: a good fit"
    rising = rise > limit / 5
    words += ("; validation still rising at the full training size (+{:.4f}): more rows would help".format(rise)
              if rising else "; validation has levelled off: more rows of the same kind would add little")
    gaps = validation.train - validation.val
    worst = int(np.argmax(gaps))
    if gaps[worst] > gap_of(float(validation.train[worst])):
        words += (f"; training >> validation at {param} {validation.x[worst]:g} ({validation.train[worst]:.4f} vs "
                  f"{validation.val[worst]:.4f}): over-fitting there")
    words += f"; {param} {best_value:g} is the best trade-off ({best_score:.4f})"
    if current is not None:
        words += f", the tuned model has {current:g}"
    return {"verdict": verdict, "training": train, "validation": val, "gap": gap, "rising": rising,
            "last_rise": rise, "param": param, "best_value": best_value, "best_validation": best_score,
            "tuned_value": current, "line": words}
