"""Which class is which, by name: how a label from params.yaml or a form finds its class, and the positive class
binary metrics are about. pandas alone, so that reading a table (ingest's labels) loads no metrics."""

from __future__ import annotations

import pandas as pd

from stages.core.errors import PipelineError, plain


def same_class(label, name) -> bool:
    """A label and a name from params.yaml or a form are one class when they read alike (1 and '1', True and
    'True'): the one way every stage and serve finds a class by name."""
    return str(plain(label)).strip() == str(plain(name)).strip()


def positive_class(wanted, y_train, *, key: str):
    """The class binary metrics are about, as the labels write it (1, True, 'malignant'): as asked (found by
    same_class, so YAML's 1 or '1' both name label 1), or the rarer class of the training split (in medicine the
    sick, whom a missed case costs most). None for multiclass data: macro averages."""
    counts = pd.Series(y_train).value_counts()
    if len(counts) != 2:
        if wanted is not None:
            raise PipelineError(f"{key} = {plain(wanted)!r} needs two classes, but {len(counts)} are "
                                "here (multiclass metrics are macro averages); set it to null")
        return None
    if wanted is None:  # a tie goes to the second class, as scikit-learn's pos_label=1 would
        return plain(min(sorted(counts.index, reverse=True), key=lambda name: counts[name]))
    found = [c for c in counts.index if same_class(c, wanted)]
    if not found:
        raise PipelineError(f"{key} = {plain(wanted)!r} is not a class; choose one of "
                            f"{', '.join(sorted(str(c) for c in counts.index))} (or null: the rarer class)")
    return plain(found[0])


def positive_code(classes: list, positive) -> int | None:
    """The positive class's code among `classes` (None: multiclass, no positive class)."""
    return None if positive is None else next(i for i, c in enumerate(classes) if same_class(c, positive))
