"""Serializer fields shared by several resources."""

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers


class OptionalURLField(serializers.URLField):
    """A URL that may be absent: null in the answer, never `""` (which is not a URI)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]
        return str(value) if value else None


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: DRF's IntegerField also takes "2", 2.0 and true."""

    default_error_messages = {"invalid": gettext_lazy("A whole number is required.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)  # type: ignore[no-any-return]
