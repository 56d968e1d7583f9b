"""Ballot rounds, entries and results: input (`...CreateSerializer`) and output. The rules
(timetable, choices, party size, who may) are checked by allocation.services, which raise
coded errors; these only parse and render."""

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from allocation.models import BallotEntry, BallotRound
from api.serializers.events import AwareDateTimeField
from api.serializers.fields import StrictIntegerField

MAX_SLOTS = 2000


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


class BallotRoundSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    venue = serializers.IntegerField()
    date = serializers.DateField()
    slots = serializers.ListField(child=serializers.IntegerField())
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    draws_at = serializers.DateTimeField()
    pay_by = serializers.DateTimeField(help_text="Winners of paid slots pay by then.")
    releases_at = serializers.DateTimeField(help_text="Leftover places go first-come then.")
    status = serializers.ChoiceField(choices=BallotRound.Status.choices)
    max_choices = serializers.IntegerField()
    commitment = serializers.CharField(help_text="SHA-256 (hex) of the seed's 64 ASCII chars.")
    seed = serializers.CharField(allow_null=True, help_text="Null until drawn.")
    entries_count = serializers.IntegerField(help_text="Entries not withdrawn.")
    drawn_at = serializers.DateTimeField(allow_null=True)
    algorithm = serializers.CharField()

    def to_representation(self, r: BallotRound) -> dict[str, Any]:
        return {
            "id": r.pk,
            "venue": r.venue_id,
            "date": r.date.isoformat(),
            "slots": sorted(s.pk for s in r.slots.all()),
            "opens_at": _iso(r.opens_at),
            "closes_at": _iso(r.closes_at),
            "draws_at": _iso(r.draws_at),
            "pay_by": _iso(r.pay_by),
            "releases_at": _iso(r.releases_at),
            "status": r.status,
            "max_choices": r.max_choices,
            "commitment": r.commitment,
            "seed": r.public_seed,
            "entries_count": getattr(r, "entries_count", None) or 0,
            "drawn_at": _iso(r.drawn_at),
            "algorithm": r.ALGORITHM,
        }


class BallotRoundCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    venue = StrictIntegerField(min_value=1)
    slots = serializers.ListField(
        child=StrictIntegerField(min_value=1), allow_empty=False, max_length=MAX_SLOTS
    )
    opens_at = AwareDateTimeField()
    closes_at = AwareDateTimeField()
    draws_at = AwareDateTimeField()
    releases_at = AwareDateTimeField()
    pay_by = AwareDateTimeField(required=False, help_text="Default: releases_at.")
    max_choices = StrictIntegerField(required=False, help_text="Default: the venue's policy.")


class BallotEntryCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    choices = serializers.ListField(
        child=StrictIntegerField(),
        allow_empty=False,
        max_length=50,
        help_text="Slot ids, best first.",
    )
    party_size = StrictIntegerField(default=1)


class BallotEntryUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    choices = serializers.ListField(
        child=StrictIntegerField(), allow_empty=False, max_length=50, required=False
    )
    party_size = StrictIntegerField(required=False)


class BallotEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    ticket = serializers.CharField(help_text="Your public pseudonym in the results.")
    choices = serializers.ListField(child=serializers.IntegerField())
    party_size = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BallotEntry.Status.choices)
    tier = serializers.IntegerField(allow_null=True)
    won_slot = serializers.IntegerField(allow_null=True)
    booking = serializers.IntegerField(allow_null=True)
    venue = serializers.IntegerField()
    date = serializers.DateField()
    round_status = serializers.CharField()
    created_at = serializers.DateTimeField()

    def to_representation(self, e: BallotEntry) -> dict[str, Any]:
        return {
            "id": e.pk,
            "round": e.round_id,
            "ticket": e.ticket,
            "choices": list(e.choices),
            "party_size": e.party_size,
            "status": e.outcome,
            "tier": e.drawn_tier,
            "won_slot": e.won_slot_id,
            "booking": e.booking_id,
            "venue": e.round.venue_id,
            "date": e.round.date.isoformat(),
            "round_status": e.round.status,
            "created_at": _iso(e.created_at),
        }


class ResultEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    ticket = serializers.CharField()
    tier = serializers.IntegerField()
    choices = serializers.ListField(child=serializers.IntegerField())
    party_size = serializers.IntegerField()
    won_slot = serializers.IntegerField(allow_null=True)


class ResultSlotSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    exclusive = serializers.BooleanField()
    places = serializers.IntegerField(help_text="Places left at the draw.")


class BallotResultsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Only for the schema: the view returns `allocation.selectors.get_results` as is."""

    round = serializers.IntegerField()
    algorithm = serializers.CharField()
    commitment = serializers.CharField()
    seed = serializers.CharField()
    venue = serializers.IntegerField()
    date = serializers.DateField()
    drawn_at = serializers.DateTimeField()
    slots = ResultSlotSerializer(many=True)
    entries = ResultEntrySerializer(many=True, help_text="In draw order.")
