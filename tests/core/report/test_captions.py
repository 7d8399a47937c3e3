"""The run page's sections (stages/core/report/captions.py): every figure named is one the stages write, and
a section shows only what the run made."""

from pathlib import Path

import pandas as pd

from stages.common import paths
from stages.core.report.captions import SECTIONS, sections


def test_every_captioned_figure_is_a_png_in_paths_with_one_sentence():
    for _, _, captions in SECTIONS:
        for name, caption in captions.items():
            assert isinstance(getattr(paths, name), Path) and name.endswith("_PNG"), name
            assert caption.endswith(".") and caption[0].isupper(), name


def test_sections_leave_out_what_the_run_did_not_make_and_keep_the_tables():
    comparison = pd.DataFrame({"model": ["knn"], "rank": [1], "accuracy_mean": [0.9], "accuracy_std": [0.01],
                               "accuracy_median": [0.91]})
    shown = sections({"ingest": "569 rows", "tune": "tuned"}, {"PROFILE_PNG": "ingest/profile.png"}, comparison,
                     {"model__C": 1.0})
    assert [s.anchor for s in shown] == ["ingest", "compare_models", "tune"]
    assert [f.src for f in shown[0].figures] == ["ingest/profile.png"]
    assert shown[1].table == [{"model": "knn", "rank": 1, "accuracy_mean": 0.9, "accuracy_std": 0.01}]
    assert shown[2].table == [{"setting": "model__C", "value": "1.0"}] and shown[2].text == "tuned"
    assert sections({}, {}, None, None) == []
