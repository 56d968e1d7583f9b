"""Third-party OpenAPI linters pass the schema the server serves: Redocly CLI with its
recommended rules (zero errors) and Spectral's `spectral:oas` (zero warnings). Their versions
and configurations are in tests/api/lint/ (installed by scripts/ensure-test-deps.sh); the rules
switched off and the warnings left are explained in docs/api.md ("Linting the schema")."""

import json
import os
import subprocess
from pathlib import Path

import pytest

LINT = Path(__file__).parent / "lint"
BIN = LINT / "node_modules" / ".bin"
ENV = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
# Redocly's recommended warnings the schema keeps on purpose (docs/api.md).
ACCEPTED_REDOCLY_WARNINGS = {
    "info-license",  # the project has not chosen a licence for its API description
    "operation-4xx-response",  # probes and the public key have no client error to give
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema_file(client, tmp_path) -> Path:
    assert (BIN / "redocly").exists(), "run scripts/ensure-test-deps.sh (npm packages)"
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    path = tmp_path / "openapi.json"
    path.write_bytes(response.content)
    return path


def _json_output(stdout: str) -> object:
    """The JSON document in a linter's output (banners and summaries may surround it)."""
    start = min(i for i in (stdout.find("{"), stdout.find("[")) if i >= 0)
    document, _ = json.JSONDecoder().raw_decode(stdout[start:])
    return document


def _lint(tool: str, *args: object) -> object:
    """The JSON report of a linter of tests/api/lint/ run on the schema."""
    run = subprocess.run(
        [BIN / tool, "lint", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        check=False,
    )
    return _json_output(run.stdout)


def test_redocly_recommended_rules_find_no_error(schema_file):
    report = _lint("redocly", schema_file, "--config", LINT / "redocly.yaml", "--format", "json")
    assert isinstance(report, dict)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert errors == [], json.dumps(errors, indent=1)[:5000]
    warnings = {p["ruleId"] for p in report["problems"] if p["severity"] == "warn"}
    assert warnings <= ACCEPTED_REDOCLY_WARNINGS, report["problems"]
    assert report["version"] == "2.77.0"


def test_spectral_oas_rules_find_nothing(schema_file):
    problems = _lint("spectral", "-r", LINT / ".spectral.yaml", "-f", "json", schema_file)
    assert problems == [], json.dumps(problems, indent=1)[:5000]
