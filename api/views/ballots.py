"""Ballot rounds, entries and results (design.md, "Fair allocation"). Each view parses input,
calls one allocation service or selector and renders the result; errors are
allocation.exceptions (and booking's `suspended`) rendered by api.exceptions."""

import datetime as dt
from typing import Any

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from allocation import selectors, services
from allocation.exceptions import BallotNotFoundError, EntryNotFoundError
from api.filters import MAX_DATE, MIN_DATE
from api.ids import MAX_ID, parse_id
from api.pagination import StandardPagination
from api.parsers import JSONParser
from api.permissions import IsSignedIn
from api.serializers.ballots import (
    BallotEntryCreateSerializer,
    BallotEntrySerializer,
    BallotEntryUpdateSerializer,
    BallotResultsSerializer,
    BallotRoundCreateSerializer,
    BallotRoundSerializer,
)
from api.views.base import ERROR, WRITE_ERRORS
from common.auth import signed_in_user
from common.errors import InvalidInputError


def _round_id(pk: str) -> int:
    return parse_id(pk, not_found=BallotNotFoundError)


def _entry_id(pk: str) -> int:
    return parse_id(pk, not_found=EntryNotFoundError)


def _filter_int(request: Request, name: str) -> int | None:
    """An id filter: absent is None; empty, not a whole number or out of 1..MAX_ID is refused
    (as the schema says: the same rule as the other lists' id filters)."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 19) or not (
        0 < int(value) <= MAX_ID
    ):
        raise InvalidInputError(
            _("%(name)s must be a whole number from 1.") % {"name": name},
            code="invalid_filter",
            fields={name: [_("A whole number from 1.")]},
        )
    return int(value)


def _filter_date(request: Request) -> dt.date | None:
    value = request.query_params.get("date")
    if value is None:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None or not MIN_DATE <= parsed <= MAX_DATE:
        raise InvalidInputError(
            _("date must be a date (YYYY-MM-DD) between %(min)s and %(max)s.")
            % {"min": MIN_DATE, "max": MAX_DATE},
            code="invalid_date",
            fields={"date": ["YYYY-MM-DD."]},
        )
    return parsed


class BallotCollectionView(APIView):
    """GET: ballot rounds (public). POST: staff of the venue create one."""

    parser_classes = [JSONParser]
    pagination_class = StandardPagination

    def get_permissions(self) -> list[Any]:
        return [IsSignedIn()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        operation_id="ballots_list",
        parameters=[
            OpenApiParameter("venue", OpenApiTypes.INT),
            OpenApiParameter("date", OpenApiTypes.DATE, description="The play date."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(selectors.STATUSES)),
        ],
        responses={200: BallotRoundSerializer(many=True), 400: ERROR},
    )
    def get(self, request: Request) -> Response:
        rounds = selectors.list_rounds(
            venue_id=_filter_int(request, "venue"),
            date=_filter_date(request),
            status=request.query_params.get("status"),
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(rounds, request, view=self)
        return paginator.get_paginated_response(BallotRoundSerializer(page, many=True).data)

    @extend_schema(
        operation_id="ballots_create",
        request=BallotRoundCreateSerializer,
        responses={201: BallotRoundSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        form = BallotRoundCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        ballot = services.create_round(
            venue_id=data["venue"],
            slot_ids=data["slots"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            draws_at=data["draws_at"],
            releases_at=data["releases_at"],
            pay_by=data.get("pay_by"),
            max_choices=data.get("max_choices"),
            by_user=signed_in_user(request),
        )
        body = BallotRoundSerializer(selectors.get_round(round_id=ballot.pk)).data
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"{request.path}{ballot.pk}/"},
        )


class BallotDetailView(APIView):
    """GET: one round (public)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ballots_retrieve", responses={200: BallotRoundSerializer, 404: ERROR}
    )
    def get(self, request: Request, pk: str) -> Response:
        ballot = selectors.get_round(round_id=_round_id(pk))
        return Response(BallotRoundSerializer(ballot).data)


class BallotEntryCreateView(APIView):
    """POST: enter the round with ranked choices and a party size."""

    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="ballots_entries_create",
        request=BallotEntryCreateSerializer,
        responses={201: BallotEntrySerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        round_id = _round_id(pk)
        form = BallotEntryCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        entry = services.enter_ballot(
            round_id=round_id,
            resident=signed_in_user(request),
            choices=form.validated_data["choices"],
            party_size=form.validated_data["party_size"],
        )
        entry = selectors.get_entry_for(user=signed_in_user(request), entry_id=entry.pk)
        return Response(BallotEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class BallotDrawView(APIView):
    """POST: draw a closed round (staff of the venue); a repeat returns the same outcome."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="ballots_draw",
        request=None,
        responses={200: BallotRoundSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        outcome = services.draw_round(round_id=_round_id(pk), by_user=signed_in_user(request))
        return Response(BallotRoundSerializer(selectors.get_round(round_id=outcome.round.pk)).data)


class BallotResultsView(APIView):
    """GET: a drawn round's public results (no names), enough to recompute the draw."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ballots_results",
        responses={200: BallotResultsSerializer, 404: ERROR, 422: ERROR},
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(selectors.get_results(round_id=_round_id(pk)))


class BallotEntryListView(APIView):
    """GET: your entries, newest first."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="ballot_entries_list",
        parameters=[OpenApiParameter("round", OpenApiTypes.INT)],
        responses={200: BallotEntrySerializer(many=True), 400: ERROR, 401: ERROR},
    )
    def get(self, request: Request) -> Response:
        entries = selectors.list_entries_for(
            user=signed_in_user(request), round_id=_filter_int(request, "round")
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(BallotEntrySerializer(page, many=True).data)


class BallotEntryDetailView(APIView):
    """GET: one of your entries. PATCH: change its choices or party size while open."""

    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="ballot_entries_retrieve", responses={200: BallotEntrySerializer, 404: ERROR}
    )
    def get(self, request: Request, pk: str) -> Response:
        entry = selectors.get_entry_for(user=signed_in_user(request), entry_id=_entry_id(pk))
        return Response(BallotEntrySerializer(entry).data)

    @extend_schema(
        operation_id="ballot_entries_update",
        request=BallotEntryUpdateSerializer,
        responses={200: BallotEntrySerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: str) -> Response:
        entry_id = _entry_id(pk)
        form = BallotEntryUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.change_entry(
            entry_id=entry_id, resident=signed_in_user(request), **form.validated_data
        )
        entry = selectors.get_entry_for(user=signed_in_user(request), entry_id=entry_id)
        return Response(BallotEntrySerializer(entry).data)


class BallotEntryWithdrawView(APIView):
    """POST: withdraw your entry while the round is open (a repeat changes nothing)."""

    permission_classes = [IsSignedIn]

    @extend_schema(
        operation_id="ballot_entries_withdraw",
        request=None,
        responses={200: BallotEntrySerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, pk: str) -> Response:
        entry_id = _entry_id(pk)
        services.withdraw_entry(entry_id=entry_id, resident=signed_in_user(request))
        entry = selectors.get_entry_for(user=signed_in_user(request), entry_id=entry_id)
        return Response(BallotEntrySerializer(entry).data)
