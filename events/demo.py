"""Demo events for the quick start (`manage.py load_demo` calls `load`). Idempotent.

Everything is marked `is_demo`, published with registration open, and dated relative to today
so that it is always upcoming: running `load` again creates what is missing and moves events
that are already over to new dates. Events go through events.lifecycle like an organiser's.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import TextIOBase
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from events import lifecycle
from events.models import Event, Organisation
from venues.models import Venue

ORGANISER_USERNAME = "organiser"
ORGANISER_PASSWORD = "organiser12345"


@dataclass(frozen=True)
class DemoEvent:
    org: str
    title_zh: str
    title_en: str
    category: str
    day: int  # days from today
    start: dt.time
    hours: float
    description_zh: str
    description_en: str
    location_zh: str = ""
    location_en: str = ""
    latitude: str | None = None
    longitude: str | None = None
    venue: str = ""  # "tennis", "smart_gym", "esports" : a demo venue of that kind if present
    rrule: str = ""
    exdate_occurrence: int | None = None  # skip this occurrence (0-based) as an EXDATE
    capacity: int | None = 100
    price: str = "0.00"
    links: list[dict[str, str]] = field(default_factory=list)


ORGANISATIONS = {
    "bureau": (
        "demo-luohu-culture-sports-bureau",
        "罗湖区文化广电旅游体育局",
        "Luohu District Culture, Radio, Television, Tourism and Sports Bureau",
    ),
    "mind": (
        "demo-luohu-mind-sports-association",
        "罗湖区智力运动协会",
        "Luohu Mind Sports Association",
    ),
}

MIND_SPORTS = [
    ("围棋", "Go", 5),
    ("中国象棋", "Xiangqi", 12),
    ("国际象棋", "Chess", 19),
    ("桥牌", "Bridge", 26),
    ("五子棋", "Gomoku", 33),
]

EVENTS = [
    DemoEvent(
        org="bureau",
        title_zh="梧桐山登高赛",
        title_en="Wutong Mountain Climbing Race",
        category="race",
        day=10,
        start=dt.time(7, 30),
        hours=5,
        description_zh="从梧桐山北门出发，登顶大梧桐（海拔 943.7 米）。请穿登山鞋，自备饮用水。",
        description_en="From the north gate of Wutong Mountain to the summit of Big Wutong "
        "(943.7 m). Wear hiking shoes and bring water.",
        location_zh="梧桐山风景区北门",
        location_en="Wutong Mountain Scenic Area, north gate",
        latitude="22.580000",
        longitude="114.200000",
        capacity=2000,
        links=[{"label": "路线 Route", "url": "https://www.szwts.com/"}],
    ),
    DemoEvent(
        org="bureau",
        title_zh="中国网球巡回赛·罗湖站",
        title_en="China Tennis Tour – Luohu",
        category="tennis",
        day=14,
        start=dt.time(9, 0),
        hours=9,
        description_zh="中国网球巡回赛分站赛，观众免费入场，需提前报名。",
        description_en="A stop of the China Tennis Tour. Free for spectators; register first.",
        location_zh="罗湖网球中心",
        location_en="Luohu Tennis Centre",
        latitude="22.556000",
        longitude="114.128000",
        venue="tennis",
        capacity=300,
    ),
    DemoEvent(
        org="bureau",
        title_zh="深圳国际标准舞全国公开赛",
        title_en="Shenzhen International Standard Dance National Open",
        category="dance",
        day=21,
        start=dt.time(13, 0),
        hours=8,
        description_zh="全国标准舞与拉丁舞选手同场竞技，设少儿、青年与成人组别。",
        description_en="Ballroom and Latin dancers from across China; junior, youth and adult "
        "divisions.",
        location_zh="罗湖体育馆",
        location_en="Luohu Gymnasium",
        latitude="22.553000",
        longitude="114.121000",
        capacity=500,
    ),
    *[
        DemoEvent(
            org="mind",
            title_zh=f"罗湖智力运动日·{zh}",
            title_en=f"Luohu Mind Sports Day: {en}",
            category="mind_sports",
            day=day,
            start=dt.time(9, 0),
            hours=8,
            description_zh=f"{zh}公开赛，欢迎各年龄段棋友报名参加。",
            description_en=f"An open {en} tournament for players of every age.",
            location_zh="罗湖区青少年活动中心",
            location_en="Luohu Youth Activity Centre",
            latitude="22.548000",
            longitude="114.118000",
            capacity=64,
        )
        for zh, en, day in MIND_SPORTS
    ],
    DemoEvent(
        org="bureau",
        title_zh="罗湖电竞公开赛（周赛）",
        title_en="Luohu Esports Open (weekly series)",
        category="esports",
        day=6,
        start=dt.time(14, 0),
        hours=4,
        description_zh="每周一轮，共八轮；第四周因场地检修停赛一次。报名即参加整个系列赛。",
        description_en="One round a week, eight rounds; no round in week four (maintenance). "
        "Registration covers the whole series.",
        location_zh="罗湖电竞馆",
        location_en="Luohu Esports Arena",
        latitude="22.545000",
        longitude="114.113000",
        venue="esports",
        rrule="FREQ=WEEKLY;COUNT=8",
        exdate_occurrence=3,
        capacity=128,
    ),
    DemoEvent(
        org="bureau",
        title_zh="全民健身·智能健身房每周公益课",
        title_en="Mass Fitness: weekly free class at the smart gym",
        category="fitness",
        day=2,
        start=dt.time(19, 0),
        hours=1,
        description_zh="教练带领的免费体能课，适合初学者。扫码入场。",
        description_en="A free coached fitness class for beginners. Scan the code to enter.",
        location_zh="洪湖公园智能健身房",
        location_en="Honghu Park smart gym",
        latitude="22.563000",
        longitude="114.120000",
        venue="smart_gym",
        rrule="FREQ=WEEKLY;COUNT=12",
        capacity=20,
    ),
    DemoEvent(
        org="bureau",
        title_zh="罗湖粤剧周",
        title_en="Luohu Cantonese Opera Week",
        category="culture",
        day=17,
        start=dt.time(19, 30),
        hours=2.5,
        description_zh="连续七晚粤剧经典折子戏演出，岭南文化艺术季活动之一。",
        description_en="Seven evenings of classic Cantonese opera scenes, part of the Lingnan "
        "culture & arts season.",
        location_zh="深圳大剧院",
        location_en="Shenzhen Grand Theatre",
        latitude="22.545000",
        longitude="114.108000",
        rrule="FREQ=DAILY;COUNT=7",
        capacity=800,
    ),
]


def load(*, stdout: TextIOBase) -> None:
    """Create (or refresh) the demo organisations, the `organiser` user and the demo events."""
    organiser = _organiser()
    organisations = {
        key: _organisation(*spec, member=organiser) for key, spec in ORGANISATIONS.items()
    }
    created = refreshed = 0
    for spec in EVENTS:
        organisation = organisations[spec.org]
        existing = Event.objects.filter(
            organisation=organisation, title_zh=spec.title_zh, is_demo=True
        ).first()
        if existing is None:
            _create(spec, organisation=organisation, organiser=organiser)
            created += 1
        elif _is_over(existing) and existing.status != Event.Status.CANCELLED:
            _refresh(spec, existing, organiser=organiser)
            refreshed += 1
    stdout.write(
        f"events: {created} demo event(s) created, {refreshed} moved to new dates, "
        f"organiser login {ORGANISER_USERNAME} / {ORGANISER_PASSWORD}\n"
    )


def _organiser() -> Any:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=ORGANISER_USERNAME, defaults={"email": "organiser@example.com"}
    )
    if created:
        user.set_password(ORGANISER_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _organisation(slug: str, name_zh: str, name_en: str, *, member: Any) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        slug=slug,
        defaults={"name_zh": name_zh, "name_en": name_en, "is_approved": True, "is_demo": True},
    )
    organisation.members.add(member)
    return organisation


def _venue_for(kind: str) -> Venue | None:
    venues = Venue.objects.filter(is_active=True).order_by("id")
    if kind == "tennis":
        return (
            venues.filter(Q(slug__icontains="tennis") | Q(sports__code="tennis")).distinct().first()
        )
    if kind == "smart_gym":
        return venues.filter(kind=Venue.Kind.SMART_GYM).first()
    if kind == "esports":
        return venues.filter(kind=Venue.Kind.ESPORTS_STUDIO).first()
    return None


def _times(spec: DemoEvent) -> tuple[dt.datetime, dt.datetime, list[str]]:
    day = timezone.localdate() + dt.timedelta(days=spec.day)
    starts_at = timezone.make_aware(dt.datetime.combine(day, spec.start))
    ends_at = starts_at + dt.timedelta(hours=spec.hours)
    exdates = []
    if spec.exdate_occurrence is not None:
        # The demo rules are plain DAILY/WEEKLY ones: the n-th occurrence is n steps on.
        step = dt.timedelta(weeks=1) if "WEEKLY" in spec.rrule else dt.timedelta(days=1)
        exdates = [(starts_at + spec.exdate_occurrence * step).isoformat()]
    return starts_at, ends_at, exdates


def _create(spec: DemoEvent, *, organisation: Organisation, organiser: Any) -> Event:
    starts_at, ends_at, exdates = _times(spec)
    venue = _venue_for(spec.venue) if spec.venue else None
    event = lifecycle.create_event(
        by_user=organiser,
        organisation_id=organisation.pk,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        description_zh=spec.description_zh,
        description_en=spec.description_en,
        category=spec.category,
        venue_id=venue.pk if venue else None,
        location_zh="" if venue else spec.location_zh,
        location_en="" if venue else spec.location_en,
        latitude=None if venue else (Decimal(spec.latitude) if spec.latitude else None),
        longitude=None if venue else (Decimal(spec.longitude) if spec.longitude else None),
        starts_at=starts_at,
        ends_at=ends_at,
        rrule=spec.rrule,
        exdates=exdates,
        capacity=spec.capacity,
        price=Decimal(spec.price),
        links=spec.links,
    )
    event = lifecycle.publish_event(event_id=event.pk, by_user=organiser)
    if event.status == Event.Status.PENDING_APPROVAL:
        # Demo data is pre-approved by the district (there may be no admin account yet).
        now = timezone.now()
        Event.objects.filter(pk=event.pk).update(
            status=Event.Status.PUBLISHED, approved_at=now, published_at=now
        )
    return event


def _is_over(event: Event) -> bool:
    return event.last_ends_at is not None and event.last_ends_at <= timezone.now()


def _refresh(spec: DemoEvent, event: Event, *, organiser: Any) -> None:
    starts_at, ends_at, exdates = _times(spec)
    lifecycle.update_event(
        event_id=event.pk,
        by_user=organiser,
        changes={"starts_at": starts_at, "ends_at": ends_at, "exdates": exdates},
    )
    if event.status == Event.Status.POSTPONED:
        lifecycle.publish_event(event_id=event.pk, by_user=organiser)
