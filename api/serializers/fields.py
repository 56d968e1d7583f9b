"""Serializer fields shared by several resources."""

from typing import Any

from rest_framework import serializers


class OptionalURLField(serializers.URLField):
    """A URL that may be absent: null in the answer, never `""` (which is not a URI)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]
        return str(value) if value else None
