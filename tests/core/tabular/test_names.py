"""The names params.yaml may use live in light modules; the builders must cover exactly those names."""

import subprocess
import sys

from stages.core.images.names import APPLICATIONS, BACKBONES
from stages.core.tabular import clustering, columns, datasets, models, tasks
from stages.core.tabular.names import (
    BUILTIN_DATASETS,
    CLASSIFICATION_METRICS,
    CLASSIFIER_NAMES,
    CLUSTER_METHODS,
    KINDS,
    REGRESSOR_NAMES,
)


def test_each_builder_covers_its_names():
    assert tuple(models.CLASSIFIERS) == CLASSIFIER_NAMES
    assert tuple(models.REGRESSORS) == REGRESSOR_NAMES
    assert tuple(datasets._LOADERS) == BUILTIN_DATASETS
    assert clustering.METHODS == CLUSTER_METHODS
    assert columns.KINDS == KINDS
    assert tasks.CLASSIFICATION_METRICS is CLASSIFICATION_METRICS
    assert BACKBONES == ("pipeline", *APPLICATIONS)


def test_params_validate_without_pandas_or_sklearn():
    """check_params validates params.yaml in a fraction of a second: neither pandas, scikit-learn nor numpy loads."""
    code = ("import sys; from stages.params import load_params; load_params(); "
            "print(sorted(m for m in ('pandas', 'sklearn', 'numpy', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_stage_validates_only_the_sections_it_reads(tmp_path):
    """Each section's validator is built when it first validates; a stage loads its own sections (a mistake in
    another is check_params' to report), with the same one-line errors."""
    import pytest
    import yaml

    from stages.core.errors import PipelineError
    from stages.params import load_params

    raw = yaml.safe_load(open("params.yaml"))
    raw["cnn"]["epochs"] = "many"  # not compare's problem
    raw["compare"]["racing"] = 2
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(raw))
    params = load_params(path, sections=("seed", "tune"))
    assert params.seed == raw["seed"] and params.tune.stop_early is True and not hasattr(params, "compare")
    with pytest.raises(PipelineError, match=r"compare\.racing") as caught:
        load_params(path, sections=("seed", "compare"))
    assert "cnn" not in str(caught.value)
    with pytest.raises(PipelineError, match=r"cnn\.epochs"):
        load_params(path)
