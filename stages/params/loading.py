"""params.yaml read as DVC reads it (YAML 1.2's booleans) and validated against the schema, every problem
in one line."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError, create_model

from stages.common import paths
from stages.core.errors import PipelineError
from stages.params.errors import describe, one_line
from stages.params.schema import Params, Section


class Yaml12Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser where PyYAML has it
    """YAML 1.2's booleans, true and false only, as DVC reads them: `dvc exp run -S data.positive_class=yes`
    writes `yes` back unquoted, and YAML 1.1's rules would read it (and no, on, off) as a boolean."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))


def load_params(path: Path = paths.PARAMS, sections: tuple[str, ...] | None = None) -> Params:
    """params.yaml validated: every section (check_params, whose stage runs on any change to the file), or the
    `sections` a stage reads (their validators alone are built; the others wait for check_params)."""
    try:
        raw = yaml.load(Path(path).read_text(), Loader=Yaml12Loader)  # noqa: S506 (a SafeLoader)
    except FileNotFoundError:
        raise PipelineError(f"{path} not found; run from the project root") from None
    except yaml.YAMLError as exc:
        raise PipelineError(f"{path} is not valid YAML: {one_line(exc)}") from None
    return validate_params(raw or {}, source=str(path), sections=sections)


@functools.cache
def _sections_of(sections: tuple[str, ...]) -> type[Section]:
    """A Params with only these sections, each with its own field and validator."""
    return create_model("Params", __base__=Section, **{name: (Params.model_fields[name].annotation,
                                                              Params.model_fields[name]) for name in sections})


def validate_params(raw: Any, source: str = "params.yaml", sections: tuple[str, ...] | None = None) -> Params:
    if not isinstance(raw, dict):
        raise PipelineError(f"{source} must be a mapping of sections, not {type(raw).__name__}")
    try:
        if sections is None:
            return Params.model_validate(raw)
        return _sections_of(tuple(sections)).model_validate({k: raw[k] for k in sections if k in raw})
    except ValidationError as exc:
        problems = [describe(err) for err in exc.errors()]
        raise PipelineError(f"{source}: " + "; ".join(problems)) from None
