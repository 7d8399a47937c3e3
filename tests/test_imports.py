"""The house's imports: the tabular stages start fast (importing TensorFlow/Keras costs seconds, and the web app's
Flask and waitress belong to serve/ alone), core imports only downwards, and the tests mirror core's modules."""

import ast
import subprocess
import sys

from tests.conftest import REPO

TABULAR = ["stages.ingest", "stages.preprocess", "stages.select_features", "stages.compare_models", "stages.tune",
           "stages.evaluate", "stages.cluster", "stages.nets_from_scratch"]


def test_tabular_stages_import_neither_deep_learning_frameworks_nor_the_web_app():
    code = (
        f"import sys; import {', '.join(TABULAR)}; "
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'tensorflow', 'keras', 'jax', 'torch', 'flask', 'waitress'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# stages/core's layers: the shared root beneath everything, training beneath the two branches that train networks
ALLOWED = {"": set(), "training": {""}, "tabular": {"", "training"}, "images": {"", "training"}, "lessons": {""},
           "report": {""}}


def core_graph() -> dict[str, set[str]]:
    """module -> the stages.* modules it imports (anywhere in the file, also inside functions)."""
    import ast
    from pathlib import Path

    graph = {}
    for path in Path("stages/core").rglob("*.py"):
        module = ".".join(path.with_suffix("").parts).removesuffix(".__init__")
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("stages"):
                package = Path(*node.module.split(".")).is_dir()
                found |= {f"{node.module}.{a.name}" for a in node.names} if package else {node.module}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("stages")}
        graph[module] = found
    return graph


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[2] if len(parts) > 3 else ""


def test_core_imports_only_itself_and_only_downwards_without_cycles():
    graph = core_graph()
    assert {"stages.core.tabular.models", "stages.core.images.networks", "stages.core.lessons.numpy_nets",
            "stages.core.training.runtime", "stages.core.evaluation"} <= set(graph)
    for module, imports in graph.items():
        outside = {m for m in imports if not m.startswith("stages.core")}
        assert not outside, f"{module} imports {outside}: core takes plain values, never paths or params"
        upward = {m for m in imports if package_of(m) not in ALLOWED[package_of(module)] | {package_of(module)}}
        assert not upward, f"{module} ({package_of(module) or 'root'}) imports {upward}"

    def visit(module, trail):
        assert module not in trail, f"import cycle: {' -> '.join([*trail, module])}"
        for imported in graph.get(module, ()):
            visit(imported, [*trail, module])

    for module in graph:
        visit(module, [])


def test_every_core_module_is_imported_by_a_test_laid_out_like_the_code():
    """tests/core/<branch>/test_<module>.py mirrors stages/core/<branch>/<module>.py; whatever the layout, each core
    module is imported by some test."""
    imported = set()
    for test in (REPO / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(test.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
    modules = [p.relative_to(REPO).with_suffix("").as_posix().replace("/", ".")
               for p in (REPO / "stages/core").rglob("*.py") if p.name != "__init__.py"]
    assert [m for m in modules if m not in imported] == []
    unmirrored = [p.relative_to(REPO).as_posix() for p in (REPO / "tests/core").rglob("test_*.py")
                  if not (REPO / "stages" / p.relative_to(REPO / "tests").parent / f"{p.stem[5:]}.py").is_file()]
    assert unmirrored == []
