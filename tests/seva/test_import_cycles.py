"""No import circle between the project's modules (STYLE.md: arrows go one way).

The graph is read from the source with `ast`: every `import` and `from ... import`, at module level
and inside functions alike (an import inside a function hides a circle, it does not remove it). An
edge goes to the most specific project module named: `from ingestion.doors import search` points at
`ingestion.doors.search`, `from ingestion.inbox import inbox_store` at `ingestion.inbox`. A package's
own `__init__` importing its submodules is not a circle, so importing a submodule adds no edge to its
parent packages. Scope: every Python file of the repository (product apps, devtools, settings,
tests, benchmarks, scripts, migrations), third-party packages aside.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIPPED_DIRS = {".venv", "node_modules", "staticfiles", "__pycache__"}


def project_modules(root: Path) -> dict[str, Path]:
    modules = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if SKIPPED_DIRS.intersection(relative.parts) or any(part.startswith(".") for part in relative.parts):
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules[".".join(parts)] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    def project_module(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {project_module(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module
                targets |= {project_module(f"{source}.{alias.name}") for alias in node.names}
        graph[module] = targets - {None, module}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each a circle of imports."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(module: str) -> None:
        index[module] = lowlink[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                lowlink[module] = min(lowlink[module], lowlink[target])
            elif target in on_stack:
                lowlink[module] = min(lowlink[module], index[target])
        if lowlink[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_of_the_project_imports_itself_through_others():
    modules = project_modules(ROOT)
    graph = import_graph(modules)

    assert import_cycles(graph) == []
    # The scan saw the project, function-level imports included.
    assert {"ingestion.pipeline", "tickets.services.intake", "devtools.simulator", "tests.conftest"} <= set(modules)
    assert "ingestion.files" in graph["tests.conftest"]  # imported inside a fixture


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "doors.py").write_text("from app.inbox import store\n")
    (tmp_path / "app" / "inbox.py").write_text("def store():\n    from app import tasks\n")
    (tmp_path / "app" / "tasks.py").write_text("from . import doors\n")
    (tmp_path / "app" / "leaf.py").write_text("import app.tasks\n")

    graph = import_graph(project_modules(tmp_path))

    assert import_cycles(graph) == [["app.doors", "app.inbox", "app.tasks"]]
