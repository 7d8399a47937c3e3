"""pydantic's validation errors as one line each, named by the params key: a misspelt key gets the nearest
valid one, a moved key says where it went, a bad value says what is allowed."""

from __future__ import annotations

import difflib

from pydantic import BaseModel

from stages.params.schema import Params

MOVED = {  # keys of earlier versions: say where they went rather than guess a near name
    "evaluate.positive_class": "it is now `data.positive_class` (compare_models and tune score it too); "
                               "move it there",
    "transfer.target_samples_per_class": "it is now `transfer.pipeline.target_samples_per_class`: it applies only "
                                         "to the pipeline backbone, whose source and target classes share a folder",
}


def describe(err: dict) -> str:
    keys, model = field_path(err["loc"])
    key = ".".join(keys)
    if len(err["loc"]) > len(keys) and type(err["loc"][len(keys)]) is int:  # a list's item: `dnn.units[1]`
        key += f"[{err['loc'][len(keys)]}]"
    if err["type"] == "extra_forbidden" and key in MOVED:
        return f"unknown key `{key}`: {MOVED[key]}"
    if err["type"] == "extra_forbidden":
        fields = list(model.model_fields)
        close = difflib.get_close_matches(keys[-1], fields, n=1, cutoff=0.5)
        parent = ".".join(keys[:-1])
        hint = (
            f"did you mean `{'.'.join([*keys[:-1], close[0]])}`?"
            if close
            else f"valid keys{' in `' + parent + '`' if parent else ''}: {', '.join(fields)}"
        )
        return f"unknown key `{key}`; {hint}"
    if err["type"] == "missing":
        return f"missing key `{key}`; add it (see the README's params table)"
    if err["type"] == "value_error":
        return f"`{key}` = {err['input']!r}: {err['ctx']['error']}"
    if err["type"] == "literal_error":
        allowed = err["ctx"]["expected"].replace("'", "")
        return f"`{key}` = {err['input']!r} is not allowed; choose one of {allowed}"
    return f"`{key}` = {err['input']!r}: {err['msg'][0].lower()}{err['msg'][1:]}"


def field_path(loc: tuple) -> tuple[list[str], type[BaseModel]]:
    """Keep the params keys of a pydantic error location, dropping union-member labels."""
    keys: list[str] = []
    model: type[BaseModel] = Params
    for part in loc:
        if not isinstance(part, str):
            break
        keys.append(part)
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            break
    return keys, model


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
