"""Where every stage reads and writes: the one source of truth that dvc.yaml mirrors.

tests/test_dvc_yaml.py checks dvc.yaml's deps and outs against these names, and the stage tests
check that each stage writes exactly these files.
"""

from pathlib import Path

PARAMS = Path("params.yaml")
RAW_DIR = Path("data/raw")  # user CSVs, tracked with `dvc add`

# ingest
DATASET = Path("data/interim/dataset.csv")
PROFILE = Path("reports/ingest/profile.json")
PROFILE_PNG = Path("reports/ingest/profile.png")

# preprocess
TRAIN = Path("data/prepared/train.csv")
TEST = Path("data/prepared/test.csv")
PREPROCESSOR = Path("models/preprocess/preprocessor.joblib")
LABELS = Path("models/preprocess/labels.json")
PREPROCESS_METRICS = Path("reports/preprocess/metrics.json")

# select_features
SELECTED = Path("models/select_features/selected.json")  # what compare_models and tune read
FEATURE_TABLE = Path("reports/select_features/features.csv")
SELECTION_CURVE = Path("reports/select_features/curve.csv")
SELECTION_CURVE_PNG = Path("reports/select_features/curve.png")
SELECTION_METRICS = Path("reports/select_features/metrics.json")
