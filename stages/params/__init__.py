"""params.yaml, validated when a stage starts: the schema (schema.py), reading and validating the file
(loading.py), one line per problem naming its key (errors.py), and sections as the plain values core
functions take (adapters.py). A stage needs only what is imported here."""

from stages.params.adapters import cnn_settings, compute_on, transfer_recipe, transfer_settings
from stages.params.loading import load_params, validate_params

__all__ = ["cnn_settings", "compute_on", "load_params", "transfer_recipe", "transfer_settings", "validate_params"]
