"""The package's imports run one way: no import circle, and no module imports a layer above
its own (the layers of ARCHITECTURE.md, bottom first). Every import counts, including those
inside functions and under ``TYPE_CHECKING``: a circle dodged by a late import is still a
circle. Also no source file over 600 lines."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "mealink"

#: bottom first; a module belongs to the longest prefix listed; it may import its own layer
#: and those below. The same order as ARCHITECTURE.md.
LAYERS: list[tuple[str, ...]] = [
    ("mealink.errors", "mealink.models", "mealink.version", "mealink.datafiles",
     "mealink.environment", "mealink.choices", "mealink.lazy", "mealink.wordforms",
     "mealink.regexes", "mealink.workers"),
    ("mealink.vocabulary",),
    ("mealink.numbering", "mealink.instruments", "mealink.semantic",
     "mealink.data", "mealink.languages"),
    ("mealink.load",),
    ("mealink.parse",),
    ("mealink.annotate",),
    ("mealink.link", "mealink.mandates", "mealink.synergies", "mealink.findings",
     "mealink.workplans", "mealink.reporting", "mealink.versions", "mealink.serialize",
     "mealink.pipeline", "mealink.evaluate"),
    ("mealink.interop",),
    ("mealink.store.engine",),
    ("mealink.store.search", "mealink.store.users", "mealink.store.progress",
     "mealink.store.calendar"),
    ("mealink.store.mandates",),
    ("mealink.store.synergies",),
    ("mealink.store.findings", "mealink.store.workplans"),
    ("mealink.store.corpus",),
    ("mealink.store.review", "mealink.store.reporting", "mealink.store"),
    ("mealink.reports",),
    ("mealink.export",),
    ("mealink", "mealink.web", "mealink.cli"),
]


def module_name(path: Path, root: Path) -> str:
    """'mealink.store.search.keyword' for src/mealink/store/search/keyword.py."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "mealink")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "mealink":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports."""
    paths = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    names = set(paths)
    return {name: imports_of(path, name, names) for name, path in paths.items()}


def layer_of(module: str, layers: list[tuple[str, ...]] = LAYERS) -> int:
    """The index of the layer whose longest prefix names ``module``."""
    best, depth = -1, -1
    for index, prefixes in enumerate(layers):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = index, len(prefix)
    return best


def circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import circles (strongly connected components of more than one module, or a
    module importing itself), each sorted, found by Tarjan's algorithm without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(sorted(component))
    return found


def upward(graph: Mapping[str, Iterable[str]],
           layers: list[tuple[str, ...]] = LAYERS) -> list[str]:
    """'a imports b (layer i below layer j)' for each import of a higher layer."""
    return [f"{a} imports {b} (layer {layer_of(a, layers)} below {layer_of(b, layers)})"
            for a in sorted(graph) for b in sorted(graph[a])
            if layer_of(b, layers) > layer_of(a, layers)]


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"a"}}, [["a"]]),
    ({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}, "d": {"e"}, "e": {"d"}}, [["b", "c"], ["d", "e"]]),
])
def test_circles_are_found(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert sorted(circles(graph)) == expected


def test_upward_imports_are_found() -> None:
    layers = [("p.low",), ("p.mid",), ("p", "p.top")]
    graph = {"p.low.a": {"p.mid.b"}, "p.mid.b": {"p.low.a"}, "p.top": {"p.mid.b"},
             "p.mid.c": {"p"}}
    assert upward(graph, layers) == ["p.low.a imports p.mid.b (layer 0 below 1)",
                                     "p.mid.c imports p (layer 1 below 2)"]


def test_late_and_relative_imports_count(tmp_path: Path) -> None:
    pkg = tmp_path / "mealink"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text("def f():\n    from mealink.sub import deep\n")
    (pkg / "sub" / "__init__.py").write_text("from . import deep\n")
    (pkg / "sub" / "deep.py").write_text("from ..models import f\n")
    graph = import_graph(pkg)
    assert graph["mealink.models"] == {"mealink.sub.deep"}
    assert graph["mealink.sub.deep"] == {"mealink.models"}
    assert circles(graph) == [["mealink.models", "mealink.sub.deep"]]


def test_the_package_has_no_import_circle() -> None:
    assert circles(import_graph()) == []


def test_every_module_has_a_layer() -> None:
    assert [m for m in import_graph() if layer_of(m) < 0] == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert upward(import_graph()) == []


def test_no_source_file_is_over_600_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for folder in ("src", "benchmarks", "tests")
            for p in sorted((ROOT / folder).rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}


def architecture_paths(text: str) -> set[str]:
    """The paths ARCHITECTURE.md names in backticks: `parse/structure.py`, `store/search/`."""
    return {m for m in re.findall(r"`([\w./<> -]+?(?:\.py|/))`", text) if "<" not in m}


def test_architecture_names_only_paths_that_exist() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    files = [f.relative_to(PACKAGE).as_posix() + ("/" if f.is_dir() else "")
             for f in PACKAGE.rglob("*")]
    missing = sorted(p for p in architecture_paths(text)
                     if not (PACKAGE / p).exists() and not (ROOT / p).exists()
                     and not any(f.endswith("/" + p) for f in files))
    assert missing == []


def test_architecture_names_every_package_and_top_module() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = architecture_paths(text)
    parts = [p.name + "/" for p in sorted(PACKAGE.iterdir())
             if p.is_dir() and (p / "__init__.py").exists()]
    parts += [p.name for p in sorted(PACKAGE.glob("*.py")) if p.name != "__init__.py"]
    parts += [f"store/{p.name}/" for p in sorted((PACKAGE / "store").iterdir())
              if p.is_dir() and (p / "__init__.py").exists()]
    assert [p for p in parts if not any(n == p or n.startswith(p) or n.endswith("/" + p)
                                         or n.endswith(p) for n in named)] == []


def test_architecture_lists_the_layers_the_check_holds() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text[text.index("| layer | modules |"):]
    table = table[: table.index("\n\n")]
    listed = set(re.findall(r"`([\w.]+)`", table))
    held = {p.removeprefix("mealink.") for layer in LAYERS for p in layer} - {"mealink"}
    assert listed == held
