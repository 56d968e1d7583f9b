from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from api.filters import InvalidFilterError

# Far more pages than any list here has; longer numbers are not page numbers.
MAX_PAGE_DIGITS = 9


def _whole_number(value: str, max_digits: int) -> int | None:
    if value.isascii() and value.isdigit() and len(value) <= max_digits and int(value) > 0:
        return int(value)
    return None


class StandardPagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `?page=` and `?page_size=` (at most 100).

    A `page` or `page_size` that is not a positive whole number is a 400 `invalid_filter` (DRF
    would answer 404, or quietly use the default size); a `page_size` over 100 gives 100, a page
    past the last one is a 404 `not_found`.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = _whole_number(raw, max_digits=MAX_PAGE_DIGITS)
        if size is None:
            raise InvalidFilterError(
                fields={
                    "page_size": [
                        _("A whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return min(size, self.max_page_size)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        raw = request.query_params.get(self.page_query_param)
        if (
            raw is not None
            and raw not in self.last_page_strings
            and _whole_number(raw, max_digits=MAX_PAGE_DIGITS) is None
        ):
            raise InvalidFilterError(fields={"page": [_("A positive whole number (or `last`).")]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        """The bounds the server enforces: whole numbers from 1 (`page` also takes `last`)."""
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number (1 is the first); past the last one: 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 10**MAX_PAGE_DIGITS - 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, default {self.page_size}; over "
                f"{self.max_page_size} gives {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 10**MAX_PAGE_DIGITS - 1},
            },
        ]
