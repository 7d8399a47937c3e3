"""The README is a map: short, and every link on it (and on the docs/ pages it leads to) resolves."""

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # a `# comment` in a code block is no heading
    return {slug(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check offline
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target} (no heading '{anchor}')")
    return broken


def test_readme_is_a_map_of_at_most_300_lines_with_the_two_command_quickstart():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 300
    quickstart = text.split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in quickstart.strip().splitlines()] == ["make repro", "make test"]


def commands(page: Path) -> list[str]:
    """The commands in a page's bash blocks, comments dropped."""
    blocks = re.findall(r"```bash\n(.*?)```", page.read_text(), flags=re.S)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_korean_quickstart_is_linked_from_the_top_and_short():
    readme = (REPO / "README.md").read_text()
    assert "[README.ko.md](README.ko.md)" in readme.split("## Quickstart", 1)[0]
    korean = (REPO / "README.ko.md").read_text()
    assert len(korean.splitlines()) <= 80 and "[README.md](README.md)" in korean
    sections = re.findall(r"^## (.+)$", korean, flags=re.M)
    assert sections == ["두 개의 명령", "내 CSV", "내 이미지 폴더", "실험", "모델 서빙"]
    assert "CP949" in korean  # Excel's Korean exports


def test_the_korean_quickstart_runs_exactly_the_readmes_commands():
    korean, readme = commands(REPO / "README.ko.md"), commands(REPO / "README.md")
    assert korean[:2] == readme[:2] == ["make repro", "make test"]
    assert [c for c in korean if c not in readme] == []
    assert {c.split()[0] for c in korean} >= {"make", "dvc", "python", "cp", "source"}


@pytest.mark.parametrize("page", ["README.md", "README.ko.md", *sorted(p.relative_to(REPO).as_posix()
                                                       for p in (REPO / "docs").glob("*.md"))])
def test_every_link_resolves(page):
    assert broken_links(REPO / page) == []


def test_every_readme_section_links_its_docs_page():
    text = (REPO / "README.md").read_text()
    sections = re.split(r"^## ", text, flags=re.M)[2:]  # after the title and the Quickstart
    for section in sections:
        name = section.splitlines()[0]
        assert any(t.startswith(("docs/", "params.yaml", "stages/")) for t in LINK.findall(section)), name


def test_slugs_follow_github():
    assert slug("Bias and variance, ensembles, a threshold") == "bias-and-variance-ensembles-a-threshold"
    assert slug("Regression: a numeric target") == "regression-a-numeric-target"
    assert slug("`compare_models` in depth") == "compare_models-in-depth"
