"""No import cycles: inside hotline/content/, and between the packages of hotline/.

Read from the source with `ast`, so imports inside functions count too: a cycle hidden in a
function still decides which module must load first, and moving that import to the top of its
file would fail at start-up. Imports under `if TYPE_CHECKING:` are read by the type checker only
and do not count.

Between packages, each `views` module (the Flask layer: it answers requests and may use every
package) counts on its own, and so does `hotline/__init__.py` (the app factory), so a package's
domain code and its web view need not be split into two folders. Imports allowed against that
rule are listed in ALLOWED with the reason, as import-linter's `ignore_imports` would.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hotline"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}

ALLOWED = {
    # Inside a function: a routes-only app from the voice blueprint lets the renderer build its
    # addresses with url_for outside a request (hotline check, caller time). The addresses are
    # the routes, so the renderer depends on them by nature.
    ("hotline.voice.offline", "hotline.voice.views"),
}


def imported(path: Path) -> Iterator[str]:
    """Every hotline module `path` imports, wherever in the file the import is."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([node.module] if node.module else [])])
            # `from hotline.content import schema` imports the module hotline.content.schema.
            targets = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
            targets = targets or [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith("hotline") and target != name:
                yield target


def graph(group: dict[str, str]) -> dict[str, set[str]]:
    """Edges between groups of modules (module -> group name; modules left out are ignored)."""
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        if name not in group:
            continue
        for target in imported(path):
            if (name, target) in ALLOWED:
                continue
            if target in group and group[target] != group[name]:
                edges.setdefault(group[name], set()).add(group[target])
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_imports_inside_functions_and_relative_ones() -> None:
    load = set(imported(PACKAGE / "content" / "load.py"))
    assert "hotline.content.validate" in load  # imported inside load_content
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_cycle_inside_the_content_package() -> None:
    content = {name: name for name in MODULES if name.startswith("hotline.content.")}
    assert cycles(graph(content)) == []


def package_of(name: str) -> str:
    if name == "hotline" or name.endswith(".views"):
        return name
    return ".".join(name.split(".")[:2])


def test_no_cycle_between_packages() -> None:
    packages = {name: package_of(name) for name in MODULES}
    assert cycles(graph(packages)) == []
