"""The API's JSON parser: DRF's, refusing bodies nested deeper than any request of the API needs.

Python's `json` recurses once per level: a body such as `[[[[...]]]]` 100,000 levels deep raises
RecursionError inside the parser (DRF catches only ValueError, so it became an HTML 500), and a
body a few thousand levels deep parses but then breaks whatever walks it recursively (copying,
validating, rendering an error). The deepest real body (an event's `links`) is 3 levels deep, so
anything past `MAX_DEPTH` is a 400 `malformed_request` before any view sees it.
"""

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
TOO_DEEP = f"JSON 嵌套过深（最多 {MAX_DEPTH} 层）。JSON nested deeper than {MAX_DEPTH} levels."


def nesting_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` (parsed JSON) nests objects and arrays deeper than `limit` levels.

    Iterative, so that the check itself cannot run out of stack.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """`rest_framework.parsers.JSONParser` with a bound on nesting (400 `malformed_request`)."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nesting_exceeds(data):
            raise ParseError(TOO_DEEP)
        return data
