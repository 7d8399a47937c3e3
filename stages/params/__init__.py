"""params.yaml, validated when a stage starts: the schema (schema.py: each setting defined once; core reads the
validated sections it is handed, never the whole file), reading and validating the file (loading.py), one line per
problem naming its key (errors.py). A stage needs only what is imported here."""

from stages.params.loading import load_params, validate_params

__all__ = ["load_params", "validate_params"]
