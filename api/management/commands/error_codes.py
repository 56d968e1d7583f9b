"""`manage.py error_codes`: print the error codes table of docs/api.md (api/error_codes.py)."""

from typing import Any

from django.core.management.base import BaseCommand

from api.error_codes import markdown_table


class Command(BaseCommand):
    help = "Print the Markdown table of every stable API error code (docs/api.md)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(markdown_table(), ending="")
