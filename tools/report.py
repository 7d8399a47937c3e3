"""make report: what this branch changes against a base ref, as markdown for a pull request.

    python tools/report.py [--base main] [--out build/report]

Writes <out>/report.md (params diff, metrics diff, changed figures) and <out>/plots/index.html
(`dvc plots diff`). Exits 2 with one line when the base ref does not exist or its metrics cannot be
loaded: DVC itself only warns on stderr, exits 0 and prints '-' for every old value then.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

RUN_IDENTITY = {"GIT_AUTHOR_NAME": "ml-pipeline report", "GIT_AUTHOR_EMAIL": "report@localhost",
                "GIT_COMMITTER_NAME": "ml-pipeline report", "GIT_COMMITTER_EMAIL": "report@localhost"}


class ReportError(Exception):
    pass


def run(*cmd: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def with_git_identity(env: dict) -> dict:
    """git and `dvc exp` refuse to commit without user.name/user.email: lend a run-local one, and say so."""
    configured = all(run("git", "config", key, env=env).stdout.strip() for key in ("user.name", "user.email"))
    if configured or all(env.get(k) for k in RUN_IDENTITY):
        return env
    print("note: report: no git identity is configured; using 'ml-pipeline report <report@localhost>' for this "
          "run (set yours with `git config --global user.name/user.email`)", file=sys.stderr)
    return {**env, **RUN_IDENTITY}


def dvc(*args: str, env: dict) -> str:
    done = run("dvc", *args, env=env)
    if done.returncode:
        raise ReportError(f"`dvc {' '.join(args)}` failed: {' '.join(done.stderr.split())[:300]}")
    return done.stdout


def check_base(base: str, env: dict) -> None:
    if run("git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}", env=env).returncode:
        raise ReportError(f"base ref {base!r} does not exist here; fetch it (git fetch origin {base}) "
                          "or pass another one: make report BASE=<branch, tag or commit>")


def metrics_diff(base: str, env: dict) -> dict:
    done = run("dvc", "metrics", "diff", base, "--json", env=env)
    failed = "failed to load" in done.stderr.lower()
    diff = json.loads(done.stdout or "{}") if done.returncode == 0 else {}
    olds = [v.get("old") for metrics in diff.values() for v in metrics.values()]
    if done.returncode or failed or (olds and all(o is None for o in olds)):
        raise ReportError(f"the metrics of base {base!r} cannot be loaded; run `dvc repro` there and commit "
                          "dvc.lock and reports/ (the metrics live in git), or choose another BASE")
    return diff


def changed_figures(base: str, env: dict) -> list[str]:
    names = run("git", "diff", "--name-only", base, "--", "reports", env=env).stdout.split()
    return sorted(n for n in names if n.endswith(".png"))


def build_report(base: str, out: Path, env: dict) -> str:
    check_base(base, env)
    metrics = metrics_diff(base, env)
    params_md = escaped(dvc("params", "diff", base, "--md", env=env))
    metrics_md = escaped(dvc("metrics", "diff", base, "--md", env=env))
    dvc("plots", "diff", base, "-o", str(out / "plots"), env=env)
    figures = changed_figures(base, env)
    changed = sum(1 for m in metrics.values() for v in m.values() if v.get("old") != v.get("new"))
    lines = [
        f"## Pipeline report: workspace vs `{base}`",
        "",
        "### Params",
        params_md or "No params changed.",
        "",
        f"### Metrics ({changed} changed)",
        metrics_md or "No metric changed.",
        "",
        "### Plots",
        ("Changed figures: " + ", ".join(f"`{f}`" for f in figures)) if figures else "No figure changed.",
        "",
        "All plots, base against workspace: `dvc plots diff` output in the `plots` artifact (index.html).",
        "The run in one page: `reports/index.html` (the `run-page` artifact; open it from a checkout of the branch).",
        "",
    ]
    summary = Path("reports/summary.md")
    if summary.is_file():  # the run in one screen, as `make repro` printed it
        lines += summary_section(summary.read_text())
    return "\n".join(lines)


def escaped(markdown: str) -> str:
    """DVC's Markdown tables with `<`, `>` and `&` escaped: keys and values may hold the user's column names and
    labels, and a pull-request comment must render none of them as HTML."""
    return html.escape(markdown.strip(), quote=False)


def summary_section(text: str) -> list[str]:
    """summary.md, a fenced block already (stages/core/escaping.fenced), folded under a <details>; an older one is
    fenced here, by more backticks than it holds, so nothing in it renders as HTML."""
    text = text.rstrip()
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    block = text if text.startswith("```") else f"{fence}\n{text}\n{fence}"
    return ["<details><summary>The run's summary</summary>", "", block, "", "</details>", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git ref to compare against (default: main)")
    parser.add_argument("--out", default="build/report", type=Path, help="output folder")
    args = parser.parse_args(argv)
    env = with_git_identity(dict(os.environ))
    try:
        text = build_report(args.base, args.out, env)
    except ReportError as exc:
        print(f"error: report: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(text)
    print(f"report: {args.out / 'report.md'}, plots in {args.out / 'plots' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
