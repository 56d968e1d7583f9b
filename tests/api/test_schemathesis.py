"""Schemathesis (PyPI), a third-party tool, tries the whole schema against the live server.

Every check of its own (server errors; status code, content type, header and response schema
conformance; positive and negative data; ignored auth; unsupported methods; ...) on every
operation, anonymous and signed in, with its stateful phase following the schema's links.
Zero failures; the few rules OpenAPI cannot state are listed in schemathesis/schemathesis.toml
and explained in docs/api.md. Runs in this process (click's runner) against pytest-django's
live server on PostgreSQL, with the demo data loaded.
"""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.core.management import call_command
from django.db import connections
from rest_framework.authtoken.models import Token
from schemathesis.cli import schemathesis as cli

from tests.factories import UserFactory

CONFIG = Path(__file__).parent / "schemathesis" / "schemathesis.toml"
PHASES = "examples,coverage,fuzzing,stateful"
EXAMPLES = "3"  # per operation and phase: both runs together stay under three minutes

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def demo(transactional_db, live_server):  # type: ignore[no-untyped-def]
    # The live server answers each request in a thread of its own: with persistent
    # connections each thread would leave one open (PostgreSQL's limit, and a test database
    # that cannot be dropped).
    database = connections.settings["default"]
    max_age = database.get("CONN_MAX_AGE", 0)
    database["CONN_MAX_AGE"] = 0
    call_command("load_demo", verbosity=0)
    yield live_server
    database["CONN_MAX_AGE"] = max_age


def run_schemathesis(url: str, tmp_path: Path, *extra: str) -> tuple[int, str, dict]:
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/api/schema/?format=json",
            "--checks",
            "all",
            "--phases",
            PHASES,
            "--max-examples",
            EXAMPLES,
            "--seed",
            "14",
            "--workers",
            "2",
            "--suppress-health-check",
            "all",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
            *extra,
        ],
        catch_exceptions=False,
    )
    events = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    return result.exit_code, result.output, {"events": len(events)}


def assert_every_phase_ran(output: str) -> None:
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅\s+{phase}", output), f"{phase} did not pass:\n{output[-5000:]}"


def test_schemathesis_finds_nothing_anonymous(demo, tmp_path):
    code, output, report = run_schemathesis(demo.url, tmp_path)
    assert code == 0, output[-20000:]
    assert report["events"] > 0
    assert_every_phase_ran(output)


def test_schemathesis_finds_nothing_signed_in(demo, tmp_path):
    resident = UserFactory(username="st-resident")
    token = Token.objects.create(user=resident)
    code, output, _ = run_schemathesis(
        demo.url, tmp_path, "--header", f"Authorization: Token {token.key}"
    )
    assert code == 0, output[-20000:]
    assert_every_phase_ran(output)
