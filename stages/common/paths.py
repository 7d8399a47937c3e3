"""Where every stage reads and writes: stages/common/paths.yaml, the one source of truth that dvc.yaml mirrors, as
constants (paths.TRAIN, paths.MODEL, ...). A table of paths is data, kept as data: the names, the paths and what
each holds are in the YAML file, one per line.

tests/stages/test_dvc_yaml.py checks dvc.yaml's deps and outs against these names, and the stage tests
check that each stage writes exactly these files.
"""

from pathlib import Path

import yaml

# libyaml's parser where PyYAML has it (every stage's start-up reads this file): the same mapping of strings
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
globals().update({name: Path(path) for name, path in
                  yaml.load((Path(__file__).parent / "paths.yaml").read_text(), Loader=_Loader).items()})  # noqa: S506

# what train_cnn and transfer each write beside their model, by role (stages.core.images.results)
CNN_OUTPUTS = {role: globals()[f"CNN_{role.upper()}"]
               for role in ("labels", "metrics", "per_class", "confusion", "roc", "curves_png", "confusion_png")}
TRANSFER_OUTPUTS = {role: globals()[f"TRANSFER_{role.upper()}"] for role in CNN_OUTPUTS}
