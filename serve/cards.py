"""The wording of the model cards: what each model predicts, from what, and how it scored against its
baseline, in words a user reads on the page and in the predict command's log."""

from __future__ import annotations

# what a built-in table's rows are about, for "benign or malignant tumour from 30 measurements"
SUBJECTS = {"breast_cancer": "tumour", "iris": "iris flower", "wine": "wine", "digits": "handwritten digit",
            "diabetes": "disease progression a year on"}
MAJORITY = "for always answering the most frequent class"  # the baseline a classifier's test accuracy must beat
WORDS = "no one two three four five six seven eight nine ten eleven twelve".split()


def either(classes: list) -> str:
    """'a or b', 'a, b or c'; past four, how many and a few of them (labels as written: 0 or 1, True or False)."""
    classes = [str(c) for c in classes]
    if len(classes) <= 4:
        return " or ".join([", ".join(classes[:-1]), classes[-1]] if len(classes) > 1 else classes)
    return f"one of {len(classes)} classes ({', '.join(classes[:3])}, …, {classes[-1]})"


def table_predicts(labels: dict, source: str) -> str:
    """What the tabular model predicts, from what: its classes (or the target) and its input columns."""
    subject = SUBJECTS.get(source.removeprefix("sklearn:")) if source.startswith("sklearn:") else None
    inputs = [*labels["numeric"], *labels["categorical"], *labels.get("date", []), *labels.get("text", [])]
    things = "measurements" if subject and not labels["categorical"] else "columns"
    classes = labels["classes"]
    if labels["task"] == "classification" and subject:  # "benign or malignant tumour", "a handwritten digit, one of"
        what = f"{either(classes)} {subject}" if len(classes) <= 4 else f"a {subject}, {either(classes)}"
    elif labels["task"] == "classification":
        what = f"{labels['target']!r}: {either(classes)}"
    else:
        what = subject or f"the number {labels['target']!r}"
    return f"{what}, from {len(inputs)} {things}"


def image_predicts(classes: list[str], digits: bool, transfer: bool) -> str:
    """What an image network predicts: a digit, or which classes it knows (all it can answer)."""
    if digits and classes == [str(d) for d in range(10)]:
        return "a handwritten digit 0–9"
    count = WORDS[len(classes)] if len(classes) < len(WORDS) else str(len(classes))
    if transfer:
        return (f"the {count} classes this transfer model knows: {', '.join(classes)}; any other image is "
                "answered with one of them")
    return f"one of {count} classes: {', '.join(classes)}"


def score_words(score_name: str, score: float | None, baseline: float | None, against: str) -> str:
    """'test accuracy 98.2%, against 63.2% for always answering ...'; empty without the metrics."""
    if score is None:
        return ""
    shown = (lambda v: f"{v:.1%}") if score_name == "accuracy" else (lambda v: f"{v:.3f}")
    return f"test {score_name} {shown(score)}" + (f", against {shown(baseline)} {against}" if baseline is not None
                                                  else "")
