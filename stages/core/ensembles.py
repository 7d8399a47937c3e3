"""A combined model in words, the same in compare_models' log and in the run's summary (which must not import
scikit-learn: it is read after every `make repro`)."""

from __future__ import annotations


def ensemble_words(weights: dict[str, int]) -> str:
    """Ensemble selection's members, heaviest first (ties in the order given, the comparison's ranking):
    'ensemble of 3: hist_gradient_boosting ×3, logistic_regression ×2, knn ×1'."""
    ordered = sorted(weights.items(), key=lambda item: -item[1])
    return f"ensemble of {len(weights)}: " + ", ".join(f"{name} ×{w}" for name, w in ordered)
