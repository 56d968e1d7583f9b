"""The payments app's arrows, read from the source (imports inside functions included):

- `payments/stripe_client.py` is the only module of the project that imports `stripe` (the
  test suite's fake-Stripe helpers aside);
- booking and events never import payments (booking tells it things with signals, events takes
  the payment-due message as a hook), and booking never imports events;
- payments depends only on common, venues, booking and events among the domain apps.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# The project's own code: every top-level package and script except the test suite.
SKIPPED = {"tests", "node_modules", "locale", "static", "staticfiles"}
DOMAIN_APPS = {"common", "venues", "booking", "events", "payments", "checkin"}
DOMAIN_APPS_ABOVE = {"allocation", "waitlist"}
PAYMENTS_MAY_IMPORT = {"common", "venues", "booking", "events", "payments"}


def project_files() -> list[Path]:
    files = [path for path in ROOT.glob("*.py")]
    for top in sorted(ROOT.iterdir()):
        if top.is_dir() and not top.name.startswith(".") and top.name not in SKIPPED:
            files += sorted(top.rglob("*.py"))
    return [path for path in files if ".venv" not in path.parts]


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an `import` statement in the file names, at any depth (inside functions,
    classes, `if TYPE_CHECKING:` blocks); relative imports resolved against the file's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = path.relative_to(ROOT).parent.parts
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from payments import bookings` names the module `payments`; enough here.
    return found


def importers_of(top: str, files: list[Path]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}:{line}"
        for path in files
        for line, module in imported_modules(path)
        if module.split(".")[0] == top
    )


def app_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


def test_only_the_stripe_client_imports_stripe():
    importers = importers_of("stripe", project_files())
    assert [entry.split(":")[0] for entry in importers] == ["payments/stripe_client.py"], importers


@pytest.mark.parametrize("app", ["booking", "events"])
def test_booking_and_events_never_import_payments(app):
    assert importers_of("payments", app_files(app)) == []


def test_booking_never_imports_events():
    assert importers_of("events", app_files("booking")) == []


def test_booking_and_events_never_name_payments_models_in_strings():
    """No `apps.get_model("payments", ...)` or `"payments.Payment"` that would hide an arrow."""
    hidden = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for app in ("booking", "events")
        for path in app_files(app)
        if "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (node.value == "payments" or node.value.startswith("payments."))
    ]
    assert hidden == []


def test_payments_depends_only_on_the_apps_below_it():
    domain = DOMAIN_APPS | DOMAIN_APPS_ABOVE | {"api", "frontend", "rest_framework"}
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in app_files("payments")
        for line, module in imported_modules(path)
        if module.split(".")[0] in domain - PAYMENTS_MAY_IMPORT
    ]
    assert violations == []


def test_the_checker_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    package = tmp_path / "booking"
    package.mkdir()
    module = package / "sample.py"
    module.write_text(
        "def f():\n"
        "    import stripe.error\n"
        "    from payments import bookings\n"
        "class C:\n"
        "    from . import payments\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert imported_modules(module) == [(2, "stripe.error"), (3, "payments"), (5, "booking")]
    assert importers_of("payments", [module]) == ["booking/sample.py:3"]
    assert importers_of("stripe", [module]) == ["booking/sample.py:2"]
