"""venues depends on nothing: no imports of booking, events or any interface package."""

import ast
from pathlib import Path

import pytest

VENUES = Path(__file__).resolve().parents[2] / "venues"
FORBIDDEN = ("booking", "events", "api", "frontend", "rest_framework")


@pytest.mark.parametrize(
    "path", sorted(VENUES.rglob("*.py")), ids=lambda p: str(p.relative_to(VENUES))
)
def test_venues_module_imports_no_dependent_package(path):
    imported: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append(node.module)
    assert [m for m in imported if m.split(".")[0] in FORBIDDEN] == []
