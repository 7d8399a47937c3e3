"""Stage summary, the last: the run in one screen (reports/summary.md, which `make repro` prints) and in one page
(reports/index.html: every stage's headline and figures, each with a sentence of what it shows). It reads only
the other stages' metrics and figures, so it never changes a result."""

from __future__ import annotations

from stages.common import paths
from stages.common.io import read_json, read_table, write_text
from stages.common.runner import run_stage
from stages.core.escaping import fenced
from stages.core.report.captions import LINKS, SECTIONS, sections
from stages.core.report.headlines import headlines, screen
from stages.core.report.page import page

HERE = paths.RUN_PAGE.parent  # figures are linked relative to the page

METRICS = {"preprocess": paths.PREPROCESS_METRICS, "select_features": paths.SELECTION_METRICS,
           "compare_models": paths.COMPARE_METRICS, "tune": paths.TUNE_METRICS,
           "bias_variance": paths.BIAS_VARIANCE_METRICS, "evaluate": paths.EVALUATE_METRICS,
           "train_dnn": paths.DNN_METRICS, "cluster": paths.CLUSTER_METRICS,
           "ingest_images": paths.INGEST_IMAGES_METRICS, "train_cnn": paths.CNN_METRICS,
           "transfer": paths.TRANSFER_METRICS, "nets_from_scratch": paths.SCRATCH_METRICS}


def main() -> None:
    profile = read_json(paths.PROFILE)
    metrics = {stage: read_json(path) for stage, path in METRICS.items() if path.is_file()}
    by_stage = headlines({"ingest": profile} | metrics, profile["task"])
    classes = list(profile.get("class_balance", {}))  # as the table writes them
    lines = screen(by_stage, profile["source"], profile["target"], profile["task"], classes)
    write_text(paths.SUMMARY, "\n".join(fenced(lines)) + "\n")  # the terminal's screen; rendered, never as HTML
    shown = [name for _, _, captions in SECTIONS for name in captions] + [n for pages in LINKS.values() for n in pages]
    made = {name: str(getattr(paths, name).relative_to(HERE)) for name in shown if getattr(paths, name).is_file()}
    comparison = read_table(paths.COMPARISON) if paths.COMPARISON.is_file() else None
    best = read_json(paths.BEST_PARAMS) if paths.BEST_PARAMS.is_file() else None
    write_text(paths.RUN_PAGE, page(f"Run summary: {profile['source']}", lines,
                                    sections(by_stage, made, comparison, best)))
    print(f"summary: {len(metrics)} stages -> {paths.SUMMARY}, {paths.RUN_PAGE}")


if __name__ == "__main__":
    run_stage("summary", main)
