"""docs/api.md keeps the error codes table api/error_codes.py makes, and names every exception
the Schemathesis configuration makes."""

import re
from pathlib import Path

from api.error_codes import error_codes, markdown_table

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "api.md").read_text()


def test_the_error_codes_table_matches_the_code():
    table = re.search(r"<!-- error-codes:start -->\n(.*)<!-- error-codes:end -->", DOC, re.S)
    assert table, "docs/api.md lost its error-codes markers"
    assert table.group(1) == markdown_table(), "regenerate with `python manage.py error_codes`"
    assert len(table.group(1).splitlines()) == len(error_codes()) + 2


def test_every_schemathesis_exception_is_explained():
    config = (ROOT / "tests" / "api" / "schemathesis" / "schemathesis.toml").read_text()
    operations = re.findall(r'include-operation-id = "([a-z_]+)"', config)
    assert operations
    for operation in operations:
        assert f"`{operation}`" in DOC, f"docs/api.md does not explain {operation}"
