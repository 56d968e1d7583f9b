"""Dependency rules between the packages (docs/architecture.md), checked on every import statement.

Domain apps never import the HTTP layer (rest_framework, api, frontend); venues depends on no
other domain app; events never imports booking. Imports inside functions count too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = ("common", "venues", "booking", "checkin", "events", "allocation")
INTERFACE_PACKAGES = ("rest_framework", "api", "frontend", "drf_spectacular", "django_filters")
FORBIDDEN = {
    "common": {*INTERFACE_PACKAGES, "venues", "booking", "checkin", "events", "allocation"},
    "venues": {*INTERFACE_PACKAGES, "booking", "checkin", "events", "allocation"},
    "events": {*INTERFACE_PACKAGES, "booking", "checkin", "allocation"},
    "booking": {*INTERFACE_PACKAGES, "checkin", "allocation"},
    "checkin": {*INTERFACE_PACKAGES, "events", "allocation"},
    # allocation → common, venues, booking only (ballots; booking asks it through booking.hooks)
    "allocation": {*INTERFACE_PACKAGES, "events", "checkin", "payments", "waitlist"},
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def python_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_domain_app_imports_no_interface_and_no_app_above_it(app):
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files(app)
        for line, module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN[app]
    ]
    assert violations == []


def test_the_checker_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def f():\n    from rest_framework import serializers\n")
    assert imported_modules(module) == [(2, "rest_framework")]


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
