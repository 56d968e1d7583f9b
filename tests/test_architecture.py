"""Dependency rules between the packages (docs/architecture.md), checked on the source itself.

The import graph of every project package is built by parsing each module with `ast`: every
`import` and `from ... import`, at module level or inside a function or class, relative ones
resolved, plus the dependencies Python's import statements do not show: `apps.get_model("label",
"Model")` / `apps.get_model("label.Model")` and model fields that name their target as a string
(`ForeignKey("label.Model")`, `to="label.Model"`). Migrations are left out: they are history, and
an old migration may still name a model where it used to live.

Checked: (a) no cycle between the domain apps and no cycle between modules (Tarjan's strongly
connected components); (b) each domain app imports only the apps below it (ALLOWED), never `api`,
`frontend`, `config` or an HTTP library. Apps that do not exist yet are simply absent. A
self-test feeds the checker synthetic source to prove that it sees what it claims to see.
"""

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Which domain app may import which (design.md, "Architecture at a glance").
ALLOWED: dict[str, frozenset[str]] = {
    "common": frozenset(),
    "venues": frozenset({"common"}),
    "booking": frozenset({"common", "venues"}),
    "events": frozenset({"common", "venues"}),
    "payments": frozenset({"common", "venues", "booking", "events"}),
    "checkin": frozenset({"common", "venues", "booking"}),
    "allocation": frozenset({"common", "venues", "booking"}),
    "waitlist": frozenset({"common", "venues", "booking"}),
}
DOMAIN_APPS = frozenset(ALLOWED)
# Interfaces and wiring: they may import any domain app, and no domain app may import them.
INTERFACE_PACKAGES = frozenset({"api", "frontend", "config"})
# Third-party packages of the HTTP layer: a domain app that imports one has grown an interface.
HTTP_LIBRARIES = frozenset({"rest_framework", "drf_spectacular", "django_filters"})


@dataclass(frozen=True)
class Dependency:
    source: str  # the importing module, e.g. "booking.services"
    target: str  # the project module it depends on, e.g. "venues.models"
    line: int
    how: str  # "import", "get_model" or "model field"


# --- the graph ----------------------------------------------------------------------------------


def project_packages(root: Path = ROOT) -> list[str]:
    """Top-level packages of the project (a folder with `__init__.py`), tests excluded."""
    return sorted(
        path.parent.name
        for path in root.glob("*/__init__.py")
        if path.parent.name not in {"tests", ".venv"}
    )


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project packages by dotted name (`pkg/__init__.py` is `pkg`)."""
    modules: dict[str, Path] = {}
    for package in project_packages(root):
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def app_labels(modules: dict[str, Path]) -> dict[str, str]:
    """App label → package: a label set in an AppConfig (`label = "x"`), else the package name."""
    labels = {name: name for name in modules if "." not in name}
    for name, path in modules.items():
        if not name.endswith(".apps"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "label" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                labels[node.value.value] = name.split(".")[0]
    return labels


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


MODEL_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def raw_dependencies(
    module: str, source: str, *, is_package: bool
) -> Iterator[tuple[str, int, str]]:
    """(dotted target, line, how) of every dependency written in `source`, not yet resolved to a
    project module: imports anywhere in the file (relative ones made absolute), `get_model`
    calls and string targets of model fields (as "label:<app label>.models")."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, "import"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                # `from pkg import mod` imports the submodule when there is one; resolved later.
                yield f"{target}.{alias.name}", node.lineno, "import"
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            if name == "get_model":
                first = _string(node.args[0]) if node.args else None
                if first is None:
                    continue
                label = first.split(".")[0]
                yield f"label:{label}.models", node.lineno, "get_model"
            elif name in MODEL_FIELDS:
                model = _string(node.args[0]) if node.args else None
                for keyword in node.keywords:
                    if keyword.arg == "to":
                        model = _string(keyword.value)
                if model and "." in model:
                    yield f"label:{model.split('.')[0]}.models", node.lineno, "model field"


def resolve(target: str, modules: Iterable[str], labels: dict[str, str]) -> str | None:
    """The project module that `target` names (the longest known prefix), or None."""
    if target.startswith("label:"):
        label, _, rest = target[len("label:") :].partition(".")
        if label not in labels:
            return None  # auth, contenttypes, ...: not a project app
        target = f"{labels[label]}.{rest}"
    known = set(modules)
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in known:
            return name
        parts.pop()
    return None


def dependencies_of(
    module: str, source: str, *, is_package: bool, modules: Iterable[str], labels: dict[str, str]
) -> list[Dependency]:
    """The project modules that `module` depends on, from its source."""
    modules = list(modules)
    found: dict[Dependency, None] = {}  # ordered, each once (`from x import a, b` is one)
    for raw, line, how in raw_dependencies(module, source, is_package=is_package):
        target = resolve(raw, modules, labels)
        if target is not None and target != module:
            found[Dependency(source=module, target=target, line=line, how=how)] = None
    return list(found)


def external_imports(source: str) -> set[str]:
    """Top-level names of every absolute import in `source` (third-party packages included)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def project_graph(root: Path = ROOT) -> tuple[list[Dependency], dict[str, set[str]]]:
    """Every dependency between project modules, and the top-level names each module imports."""
    files = module_files(root)
    labels = app_labels(files)
    deps: list[Dependency] = []
    external: dict[str, set[str]] = {}
    for module, path in files.items():
        source = path.read_text(encoding="utf-8")
        deps += dependencies_of(
            module,
            source,
            is_package=path.name == "__init__.py",
            modules=files,
            labels=labels,
        )
        external[module] = external_imports(source)
    return deps, external


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one node (the cycles), or a node
    that depends on itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                components.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(components)


def app_of(module: str) -> str:
    return module.split(".")[0]


def rule_violations(
    deps: Iterable[Dependency], external: dict[str, set[str]]
) -> dict[tuple[str, str], list[Dependency | str]]:
    """Arrows the rules forbid, by (importing module, imported module or library)."""
    found: dict[tuple[str, str], list[Dependency | str]] = {}
    for dep in deps:
        source_app, target_app = app_of(dep.source), app_of(dep.target)
        if source_app not in DOMAIN_APPS or source_app == target_app:
            continue
        if target_app not in ALLOWED[source_app]:
            found.setdefault((dep.source, dep.target), []).append(dep)
    for module, names in external.items():
        if app_of(module) in DOMAIN_APPS:
            for name in sorted(names & HTTP_LIBRARIES):
                found.setdefault((module, name), []).append(f"imports {name}")
    return found


def _describe(deps: list[Dependency | str]) -> str:
    return ", ".join(f"line {d.line} ({d.how})" if isinstance(d, Dependency) else d for d in deps)


# --- the rules, on the project --------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> tuple[list[Dependency], dict[str, set[str]]]:
    return project_graph()


def test_domain_apps_import_only_the_apps_below_them(graph):
    deps, external = graph
    violations = rule_violations(deps, external)
    assert violations == {}, "arrows against the rules:\n" + "\n".join(
        f"  {s} -> {t}: {_describe(how)}" for (s, t), how in sorted(violations.items())
    )


def test_domain_apps_form_no_cycle(graph):
    deps, _external = graph
    apps: dict[str, set[str]] = {}
    for dep in deps:
        source_app, target_app = app_of(dep.source), app_of(dep.target)
        if source_app != target_app:
            apps.setdefault(source_app, set()).add(target_app)
    domain = {app: targets & DOMAIN_APPS for app, targets in apps.items() if app in DOMAIN_APPS}
    assert strongly_connected(domain) == []


def test_modules_form_no_cycle(graph):
    deps, _external = graph
    modules: dict[str, set[str]] = {}
    for dep in deps:
        modules.setdefault(dep.source, set()).add(dep.target)
    assert strongly_connected(modules) == []


def test_the_graph_covers_every_project_package(graph):
    deps, external = graph
    packages = set(project_packages())
    assert {"common", "venues", "booking", "events", "api", "frontend"} <= packages
    assert {app_of(module) for module in external} == packages
    # Sanity: a dependency every reader knows is there.
    assert any(d.source == "booking.models" and d.target == "venues.models" for d in deps)


# The events app's writes outgrew one services.py: they are split by concern, with no shim.
HOUSE_FILES = {
    "venues": ("models.py", "selectors.py", "services.py", "exceptions.py"),
    "booking": ("models.py", "selectors.py", "services.py", "exceptions.py"),
    "allocation": ("models.py", "selectors.py", "services.py", "exceptions.py"),
    "events": (
        "models.py",
        "selectors.py",
        "lifecycle.py",
        "registrations.py",
        "feed_tokens.py",
        "exceptions.py",
    ),
}


def test_every_domain_app_has_the_four_house_files():
    for app, names in HOUSE_FILES.items():
        missing = [name for name in names if not (ROOT / app / name).exists()]
        assert missing == [], f"{app} lacks {missing}"
    assert not (ROOT / "events" / "services.py").exists()


# --- the checker, on synthetic source: it must see what it claims to see --------------------

SYNTHETIC_MODULES = [
    "venues",
    "venues.models",
    "venues.selectors",
    "booking",
    "booking.models",
    "booking.rules",
    "booking.management",
    "booking.management.commands",
    "booking.management.commands.sync",
    "events",
    "events.models",
]
SYNTHETIC_LABELS = {"venues": "venues", "booking": "booking", "events": "events"}


def _deps(module: str, source: str, *, is_package: bool = False) -> set[tuple[str, str, str]]:
    found = dependencies_of(
        module, source, is_package=is_package, modules=SYNTHETIC_MODULES, labels=SYNTHETIC_LABELS
    )
    return {(d.target, d.how, str(d.line)) for d in found}


def test_the_checker_sees_an_import_inside_a_function():
    source = "import datetime\n\ndef f():\n    from booking.models import Slot\n    return Slot\n"
    assert _deps("venues.selectors", source) == {("booking.models", "import", "4")}


def test_the_checker_resolves_relative_imports():
    assert _deps("venues.selectors", "from .models import Venue\n") == {
        ("venues.models", "import", "1")
    }
    assert _deps("booking.management.commands.sync", "from ...rules import local_tz\n") == {
        ("booking.rules", "import", "1")
    }
    assert _deps("booking", "from . import rules\n", is_package=True) == {
        ("booking.rules", "import", "1")
    }


def test_the_checker_sees_a_model_named_in_a_string():
    source = (
        "from django.apps import apps\n"
        "from django.db import models\n"
        "def f():\n"
        '    return apps.get_model("booking", "Slot")\n'
        "class Fee(models.Model):\n"
        '    event = models.ForeignKey("events.Event", on_delete=models.CASCADE)\n'
        '    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)\n'
        '    slot = models.OneToOneField(to="booking.Slot", on_delete=models.CASCADE)\n'
    )
    assert _deps("venues.models", source) == {
        ("booking.models", "get_model", "4"),
        ("events.models", "model field", "6"),
        ("booking.models", "model field", "8"),
    }
    assert _deps("venues.models", 'apps.get_model("booking.Slot")\n') == {
        ("booking.models", "get_model", "1")
    }


def test_the_rules_refuse_an_upward_arrow_and_an_http_library():
    upward = Dependency(source="venues.selectors", target="booking.models", line=4, how="import")
    sideways = Dependency(source="booking.rules", target="events.models", line=1, how="import")
    allowed = Dependency(source="booking.rules", target="venues.models", line=1, how="import")
    interface = Dependency(source="common.mail", target="api.urls", line=1, how="import")
    violations = rule_violations(
        [upward, sideways, allowed, interface], {"events.feeds": {"rest_framework", "django"}}
    )
    assert set(violations) == {
        ("venues.selectors", "booking.models"),
        ("booking.rules", "events.models"),
        ("common.mail", "api.urls"),
        ("events.feeds", "rest_framework"),
    }


def test_tarjan_finds_cycles_through_any_number_of_nodes():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"a"}}) == [["a"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []
