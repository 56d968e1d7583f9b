"""What the API's views share: the error response they document, reading a validated input,
and the paginated lists of the signed-in caller's own rows."""

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.permissions import AllowAny

from api.filters import StrictFilterBackend
from api.pagination import StandardPagination
from api.permissions import IsSignedIn

# Every error answers this shape; api/schema/ completes each status with its codes.
ERROR = OpenApiResponse(description='`{"code", "detail", "fields"?}`')
WRITE_ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 422: ERROR}


# A public resource: anyone may list it (a bad filter value is a 400) and read one row. No
# docstring: the schema would take it as every subclass's description (api/schema/ has theirs).
class PublicReadViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    permission_classes = [AllowAny]
    filter_backends = [StrictFilterBackend]


def public_read_schema(rows: Any, detail: Any, row_id: Any, *, summaries: tuple[str, str]) -> Any:
    """Class decorator: the schema of a public ReadOnlyModelViewSet, a filtered list of `rows`
    (400 for a bad filter) and one `detail` by its path parameter `row_id` (404)."""
    list_summary, detail_summary = summaries
    return extend_schema_view(
        list=extend_schema(summary=list_summary, responses={200: rows(many=True), 400: ERROR}),
        retrieve=extend_schema(
            summary=detail_summary, parameters=[row_id], responses={200: detail, 404: ERROR}
        ),
    )


def validated(
    serializer_class: type[serializers.Serializer],
    data: Any,
    **kwargs: Any,  # type: ignore[type-arg]
) -> dict[str, Any]:
    """`data` validated by `serializer_class`: a 400 with the invalid fields otherwise."""
    form = serializer_class(data=data, **kwargs)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


class SignedInListView(generics.ListAPIView):  # type: ignore[type-arg]
    """GET: a page of the caller's rows, narrowed by the query parameters of
    `query_serializer_class` (a 400 for a bad one)."""

    permission_classes = [IsSignedIn]
    pagination_class = StandardPagination
    filter_backends: list[Any] = []
    query_serializer_class: type[serializers.Serializer]  # type: ignore[type-arg]

    def query(self) -> dict[str, Any]:
        """The validated query parameters."""
        return validated(self.query_serializer_class, self.request.query_params)


ListView = TypeVar("ListView", bound=type[SignedInListView])


def list_operation(operation_id: str) -> Callable[[ListView], ListView]:
    """Class decorator: the GET of a SignedInListView in the schema, named `operation_id`, with
    the query parameters of its `query_serializer_class`."""

    def document(view: ListView) -> ListView:
        schema = extend_schema(operation_id=operation_id, parameters=[view.query_serializer_class])
        return extend_schema_view(get=schema)(view)  # type: ignore[no-any-return]

    return document
