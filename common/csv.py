"""CSV exports that spreadsheets open as data, never as formulas (OWASP "CSV Injection").

Excel, LibreOffice Calc and Google Sheets read a cell that starts with `=`, `+`, `-` or `@` (and,
after trimming, a tab or line break) as a formula: a resident called `=HYPERLINK("http://evil",
"click")` would become a live link, or worse, in the staff member's spreadsheet. Every CSV the
project writes goes through `csv_line`/`safe_cell`, which put a single quote in front of such a
text cell, as OWASP recommends: spreadsheets show the text, and the quote, as text.

Numbers (int, Decimal, float) are written as numbers: a negative amount stays a number.
"""

import csv
from collections.abc import Iterable
from typing import Any

# OWASP CSV Injection: =, +, -, @, tab, carriage return; also line feed and NUL (ASVS 1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")


def safe_cell(value: Any) -> Any:
    """`value`, with a `'` in front when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


_writer = csv.writer(_Echo())


def csv_line(row: Iterable[Any]) -> str:
    """One CSV line (RFC 4180 quoting, CRLF) of `row` with every cell passed through safe_cell."""
    line: str = _writer.writerow([safe_cell(cell) for cell in row])
    return line
