"""End to end: the pull-request report (tools/report.py) of a params change against main, and its errors."""

import os
import re
import subprocess
import sys
from pathlib import Path


def test_pull_request_report_shows_the_param_change_and_metric_deltas(project):
    root, sh = project
    sh("git", "checkout", "-q", "-b", "feature")
    params = root / "params.yaml"
    params.write_text(params.read_text().replace("  positive_class: null ", "  positive_class: benign ", 1)  # data.
                      .replace("  repeats: auto ", "  repeats: 1    ", 1)  # compare: 10 folds, not 30
                      .replace("  ensemble_top: 3 ", "  ensemble_top: 0 ", 1))  # and no voting or stacking
    assert "Running stage 'evaluate'" in sh("dvc", "repro", "evaluate").stdout  # train_dnn's run: not the point
    sh("git", "commit", "-qam", "evaluate benign as the positive class")
    sh(sys.executable, "tools/report.py", "--base", "main")
    report = (root / "build/report/report.md").read_text()
    assert re.search(r"\| params.yaml \| data.positive_class +\| - +\| benign +\|", report), report
    # benign's recall is malignant's specificity: the deltas are exact
    recall = re.search(r"\| reports/evaluate/metrics.json +\| recall +\| ([\d.]+) +\| ([\d.]+) +\| ([-\d.]+)", report)
    assert recall and float(recall[1]) < float(recall[2]) and float(recall[3]) > 0, report
    assert "Changed figures:" in report and "reports/evaluate/figures/roc.png" in report
    assert (root / "build/report/plots/index.html").is_file()
    sh("git", "checkout", "-q", "main")


def test_report_against_a_missing_ref_or_a_base_without_metrics_fails_clearly(project):
    root, sh = project
    done = sh(sys.executable, "tools/report.py", "--base", "no-such-branch", check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("error: report: base ref 'no-such-branch' does not exist here; fetch it")
    sh("git", "checkout", "-q", "-b", "no-metrics")
    sh("git", "rm", "-rq", "reports")
    sh("git", "commit", "-qm", "a base whose metrics are gone")
    sh("git", "checkout", "-q", "main")
    done = sh(sys.executable, "tools/report.py", "--base", "no-metrics", check=False)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "error: report: the metrics of base 'no-metrics' cannot be loaded; run `dvc repro` there" in done.stderr


def test_report_lends_a_run_local_git_identity_when_none_is_configured(project, tmp_path):
    root, _ = project
    bare = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env = {**bare, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "tools/report.py", "--base", "main"], cwd=root, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "note: report: no git identity is configured; using 'ml-pipeline report <report@localhost>'" in done.stderr
