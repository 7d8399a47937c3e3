"""The GitHub Actions workflows cannot run here: check that they parse and do what the README says."""

import tomllib

import yaml

from tests.conftest import REPO


def load(name):
    workflow = yaml.safe_load((REPO / ".github/workflows" / name).read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on:` as true
    steps = workflow["jobs"][next(iter(workflow["jobs"]))]["steps"]
    return workflow, triggers, steps


def step(steps, uses=None, run=None):
    found = [s for s in steps if (uses and s.get("uses", "").startswith(uses)) or (run and run in s.get("run", ""))]
    assert found, uses or run
    return found[0]


def test_pull_request_workflow_tests_reproduces_reports_and_comments():
    workflow, triggers, steps = load("pr-report.yml")
    assert "pull_request" in triggers
    assert workflow["permissions"]["pull-requests"] == "write"
    assert step(steps, uses="actions/checkout@")["with"]["fetch-depth"] == 0  # the base's history
    assert step(steps, uses="actions/setup-python@")["with"]["cache"] == "pip"
    order = [i for i, s in enumerate(steps) for cmd in ("make test", "make repro", "make report")
             if cmd in s.get("run", "")]
    assert order == sorted(order) and len(order) == 3
    assert "BASE=origin/${{ github.base_ref }}" in step(steps, run="make report")["run"]
    comment = step(steps, run="gh pr comment")
    assert "--edit-last" in comment["run"] and "build/report/report.md" in comment["run"]
    assert comment["env"]["GH_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert step(steps, uses="actions/upload-artifact@")["with"]["path"] == "build/report/plots"


def test_ci_workflow_runs_the_ci_script_and_checks_reproduction():
    _, triggers, steps = load("ci.yml")
    assert "push" in triggers
    assert step(steps, run="bash .ci/run")
    reproduced = step(steps, run="make repro")["run"]
    assert "tools/check_reproduced.py" in reproduced and "git status --porcelain" in reproduced


def test_ci_script_installs_the_browser_the_page_test_needs_and_requires_it():
    script = (REPO / ".ci/run").read_text()
    assert "apt-get install -y -qq chromium chromium-driver" in script
    assert "export REQUIRE_BROWSER=1" in script and script.rstrip().endswith("make test")


def test_ci_script_checks_that_make_repro_leaves_git_clean_before_the_suite():
    script = (REPO / ".ci/run").read_text()
    lines = [line for line in script.splitlines() if not line.startswith("#")]
    repro, clean, suite = (next(i for i, line in enumerate(lines) if text in line)
                           for text in ("make repro", 'test -z "$(git status --porcelain)"', "make test"))
    assert repro < clean < suite and "tools/check_reproduced.py" in lines[repro + 1]


def test_ci_script_lints_with_the_configured_ruff_before_the_suite():
    script = [line for line in (REPO / ".ci/run").read_text().splitlines() if not line.startswith("#")]
    assert script.index("make lint") < script.index("make test")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["ruff"]
    assert config["line-length"] == 120 and set(config["lint"]["select"]) == {"F", "E", "W", "I", "B", "PLR0913"}
    assert config["lint"]["pylint"]["max-args"] == 7  # signatures a reader can hold, in stages/ and serve/ too


def test_the_parameter_rule_catches_an_eighth_parameter(tmp_path):
    """The configured ruff flags a function of 8 parameters (keyword-only ones count) and passes one of 7."""
    import shutil
    import subprocess

    ruff = shutil.which("ruff") or str(REPO / ".venv/bin/ruff")
    (tmp_path / "seven.py").write_text("def f(a, b, c, d, e, f, *, g):\n    return a\n")
    (tmp_path / "eight.py").write_text("def f(a, b, c, d, e, f, g, *, h):\n    return a\n")
    run = subprocess.run([ruff, "check", "--config", str(REPO / "pyproject.toml"), "--output-format", "concise",
                          str(tmp_path)], capture_output=True, text=True)
    assert "eight.py:1:5: PLR0913 Too many arguments in function definition (8 > 7)" in run.stdout
    assert "seven.py" not in run.stdout
    assert "ruff check ." in (REPO / "Makefile").read_text()
