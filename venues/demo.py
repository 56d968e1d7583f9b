"""Demo venues and users for Luohu District (all marked `is_demo`, names end in 演示/demo).

The venues are the ones the district's plan talks about: the sports centre, a tennis centre,
a pool, Yuehai Sports Leisure Park phase 2, the four new smart outdoor gyms and the TiMi esports
studio. Addresses and coordinates are plausible places in Luohu, not surveyed data.
Everything is an upsert, so loading twice gives the same rows.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import TextIOBase
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from venues import services
from venues.models import Sport, Venue
from venues.services import RuleSpec

WEEKDAYS = range(0, 5)
WEEKEND = range(5, 7)
EVERY_DAY = range(0, 7)

SPORTS = {
    "badminton": ("羽毛球", "Badminton"),
    "basketball": ("篮球", "Basketball"),
    "tennis": ("网球", "Tennis"),
    "swimming": ("游泳", "Swimming"),
    "football": ("足球", "Football"),
    "fitness": ("健身", "Fitness"),
    "esports": ("电竞", "Esports"),
}

POLICY = {
    "window_days": 7,
    "release_time": dt.time(12, 0),
    "max_bookings_per_day": 2,
    "max_bookings_per_week": 4,
    "max_hours_per_day": Decimal("2.0"),
    "cancel_deadline_hours": 2,
}


@dataclass(frozen=True)
class Band:
    """Prices of one resource type: free public-benefit weekday mornings, day, evening, weekend."""

    day: Decimal
    evening: Decimal
    weekend: Decimal
    opens: dt.time = dt.time(7)
    benefit_until: dt.time = dt.time(9)
    evening_from: dt.time = dt.time(18)
    closes: dt.time = dt.time(22)
    slot_minutes: int = 60

    def rules(self) -> list[RuleSpec]:
        specs: list[RuleSpec] = []
        for weekday in WEEKDAYS:
            specs += [
                RuleSpec(
                    weekday,
                    self.opens,
                    self.benefit_until,
                    self.slot_minutes,
                    Decimal("0.00"),
                    public_benefit=True,
                ),
                RuleSpec(
                    weekday, self.benefit_until, self.evening_from, self.slot_minutes, self.day
                ),
                RuleSpec(weekday, self.evening_from, self.closes, self.slot_minutes, self.evening),
            ]
        for weekday in WEEKEND:
            specs.append(
                RuleSpec(weekday, dt.time(8), self.closes, self.slot_minutes, self.weekend)
            )
        return specs


def free_every_day(opens: dt.time, closes: dt.time, minutes: int = 60) -> list[RuleSpec]:
    return [
        RuleSpec(d, opens, closes, minutes, Decimal("0.00"), public_benefit=True) for d in EVERY_DAY
    ]


@dataclass(frozen=True)
class DemoResource:
    name_zh: str
    name_en: str
    sport: str
    exclusive: bool
    capacity: int
    rules: list[RuleSpec]


@dataclass(frozen=True)
class DemoVenue:
    slug: str
    name_zh: str
    name_en: str
    kind: str
    street: str
    address_zh: str
    address_en: str
    latitude: str
    longitude: str
    sports: list[str]
    resources: list[DemoResource]
    amenities: list[str] = field(default_factory=list)
    description_zh: str = ""
    description_en: str = ""
    policy: dict[str, Any] = field(default_factory=lambda: dict(POLICY))


def _courts(
    prefix_zh: str, prefix_en: str, n: int, sport: str, capacity: int, band: Band
) -> list[DemoResource]:
    return [
        DemoResource(f"{prefix_zh}{i}号场", f"{prefix_en} {i}", sport, True, capacity, band.rules())
        for i in range(1, n + 1)
    ]


BADMINTON = Band(day=Decimal("40.00"), evening=Decimal("60.00"), weekend=Decimal("60.00"))
BASKETBALL = Band(day=Decimal("100.00"), evening=Decimal("150.00"), weekend=Decimal("150.00"))
TENNIS = Band(
    day=Decimal("80.00"),
    evening=Decimal("120.00"),
    weekend=Decimal("120.00"),
    evening_from=dt.time(17),
)
POOL = Band(
    day=Decimal("25.00"),
    evening=Decimal("30.00"),
    weekend=Decimal("30.00"),
    opens=dt.time(6),
    benefit_until=dt.time(8),
)
FIVE_A_SIDE = Band(day=Decimal("150.00"), evening=Decimal("250.00"), weekend=Decimal("250.00"))
SEVEN_A_SIDE = Band(day=Decimal("300.00"), evening=Decimal("400.00"), weekend=Decimal("400.00"))
ESPORTS = Band(
    day=Decimal("120.00"),
    evening=Decimal("200.00"),
    weekend=Decimal("200.00"),
    opens=dt.time(10),
    benefit_until=dt.time(12),
    closes=dt.time(22),
    slot_minutes=120,
)


def _smart_gym(
    slug: str,
    park_zh: str,
    park_en: str,
    street: str,
    road_zh: str,
    road_en: str,
    lat: str,
    lng: str,
) -> DemoVenue:
    return DemoVenue(
        slug=f"demo-smart-gym-{slug}",
        name_zh=f"{park_zh}室外智能健身房（演示）",
        name_en=f"{park_en} Smart Outdoor Gym (demo)",
        kind=Venue.Kind.SMART_GYM,
        street=street,
        address_zh=f"罗湖区{street}{road_zh}{park_zh}内",
        address_en=f"{park_en}, {road_en}, Luohu",
        latitude=lat,
        longitude=lng,
        sports=["fitness"],
        amenities=["qr_entry", "drinking_water", "outdoor"],
        description_zh="无人值守的室外智能健身房，扫码入场，限流 20 人，免费开放。",
        description_en="Unstaffed outdoor smart gym: scan the code to enter; 20 people at a time; free.",
        resources=[
            DemoResource(
                "健身区", "Gym floor", "fitness", False, 20, free_every_day(dt.time(6), dt.time(22))
            )
        ],
        policy={**POLICY, "max_bookings_per_day": 2, "max_bookings_per_week": 7},
    )


VENUES: list[DemoVenue] = [
    DemoVenue(
        slug="demo-luohu-sports-centre",
        name_zh="罗湖体育中心（演示）",
        name_en="Luohu Sports Centre (demo)",
        kind=Venue.Kind.SPORTS_CENTRE,
        street="黄贝街道",
        address_zh="罗湖区黄贝街道文锦中路",
        address_en="Wenjin Middle Road, Huangbei, Luohu",
        latitude="22.548300",
        longitude="114.131500",
        sports=["badminton", "basketball"],
        amenities=["showers", "lockers", "parking", "drinking_water", "accessible_toilet"],
        description_zh="区属综合体育馆：6 片羽毛球场、2 片篮球场。工作日早上 7–9 点公益免费开放。",
        description_en="District sports hall: 6 badminton and 2 basketball courts. Free public-benefit hours 7-9 am on weekdays.",
        resources=[
            *_courts("羽毛球", "Badminton court", 6, "badminton", 4, BADMINTON),
            *_courts("篮球", "Basketball court", 2, "basketball", 10, BASKETBALL),
        ],
    ),
    DemoVenue(
        slug="demo-luohu-tennis-centre",
        name_zh="罗湖网球中心（演示）",
        name_en="Luohu Tennis Centre (demo)",
        kind=Venue.Kind.COURT_VENUE,
        street="翠竹街道",
        address_zh="罗湖区翠竹街道翠竹路",
        address_en="Cuizhu Road, Cuizhu, Luohu",
        latitude="22.561200",
        longitude="114.127800",
        sports=["tennis"],
        amenities=["showers", "lockers", "floodlights"],
        description_zh="4 片硬地网球场，中国网球巡回赛罗湖站场地。",
        description_en="Four hard courts; a China Tennis Tour venue.",
        resources=_courts("网球", "Tennis court", 4, "tennis", 4, TENNIS),
    ),
    DemoVenue(
        slug="demo-luohu-swimming-pool",
        name_zh="罗湖游泳馆（演示）",
        name_en="Luohu Swimming Pool (demo)",
        kind=Venue.Kind.POOL,
        street="桂园街道",
        address_zh="罗湖区桂园街道红岭北路",
        address_en="Hongling North Road, Guiyuan, Luohu",
        latitude="22.552400",
        longitude="114.113600",
        sports=["swimming"],
        amenities=["showers", "lockers", "lifeguards"],
        description_zh="室内 25 米泳池，按泳道分时段限流，每条泳道每场 8 人。",
        description_en="Indoor 25 m pool; each lane admits 8 swimmers per session.",
        resources=[
            DemoResource(f"{i}号泳道", f"Lane {i}", "swimming", False, 8, POOL.rules())
            for i in range(1, 5)
        ],
    ),
    DemoVenue(
        slug="demo-yuehai-park-phase-2",
        name_zh="粤海体育休闲公园二期（演示）",
        name_en="Yuehai Sports Leisure Park, Phase 2 (demo)",
        kind=Venue.Kind.STADIUM,
        street="笋岗街道",
        address_zh="罗湖区笋岗街道宝安北路",
        address_en="Bao'an North Road, Sungang, Luohu",
        latitude="22.568900",
        longitude="114.106200",
        sports=["football", "basketball"],
        amenities=["floodlights", "parking", "changing_rooms"],
        description_zh="二期新建：两片五人制足球场、一片七人制足球场和一片灯光篮球场。",
        description_en="New in phase 2: two 5-a-side pitches, a 7-a-side pitch and a floodlit basketball court.",
        resources=[
            DemoResource(
                "五人制足球1号场", "5-a-side pitch 1", "football", True, 10, FIVE_A_SIDE.rules()
            ),
            DemoResource(
                "五人制足球2号场", "5-a-side pitch 2", "football", True, 10, FIVE_A_SIDE.rules()
            ),
            DemoResource(
                "七人制足球场", "7-a-side pitch", "football", True, 14, SEVEN_A_SIDE.rules()
            ),
            DemoResource(
                "灯光篮球场",
                "Floodlit basketball court",
                "basketball",
                True,
                10,
                BASKETBALL.rules(),
            ),
        ],
    ),
    _smart_gym(
        "donghu",
        "东湖公园",
        "Donghu Park",
        "东湖街道",
        "爱国路",
        "Aiguo Road",
        "22.567400",
        "114.144300",
    ),
    _smart_gym(
        "honghu",
        "洪湖公园",
        "Honghu Park",
        "笋岗街道",
        "文锦北路",
        "Wenjin North Road",
        "22.564100",
        "114.118900",
    ),
    _smart_gym(
        "renmin",
        "人民公园",
        "People's Park",
        "桂园街道",
        "人民北路",
        "Renmin North Road",
        "22.553600",
        "114.116700",
    ),
    _smart_gym(
        "cuizhu",
        "翠竹公园",
        "Cuizhu Park",
        "翠竹街道",
        "翠竹路",
        "Cuizhu Road",
        "22.565800",
        "114.128900",
    ),
    DemoVenue(
        slug="demo-timi-esports-studio",
        name_zh="TiMi 电竞演播室（演示）",
        name_en="TiMi Esports Studio (demo)",
        kind=Venue.Kind.ESPORTS_STUDIO,
        street="清水河街道",
        address_zh="罗湖区清水河街道清水河一路 TiMi 电竞产业集群",
        address_en="TiMi esports cluster, Qingshuihe 1st Road, Qingshuihe, Luohu",
        latitude="22.581700",
        longitude="114.110400",
        sports=["esports"],
        amenities=["air_conditioning", "streaming", "gaming_pcs"],
        description_zh="电竞制作中心演播室群：两间战队训练室和一间直播演播厅，两小时一场。",
        description_en="Studio cluster of the esports production centre: two team rooms and a broadcast studio, two-hour sessions.",
        resources=[
            DemoResource("训练室 A", "Team room A", "esports", True, 5, ESPORTS.rules()),
            DemoResource("训练室 B", "Team room B", "esports", True, 5, ESPORTS.rules()),
            DemoResource("直播演播厅", "Broadcast studio", "esports", True, 10, ESPORTS.rules()),
        ],
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


USERS = [
    DemoUser("demo", "demo12345", "resident / 居民"),
    DemoUser("demo2", "demo12345", "second resident / 居民二"),
    DemoUser("staff", "staff12345", "venue staff: sports centre + Donghu Park gym / 场馆工作人员"),
    DemoUser("admin", "admin12345", "district admin (Django admin) / 区管理员", True, True),
    DemoUser("organiser", "organiser12345", "event organiser / 赛事主办方"),
]
STAFFED_VENUES = ["demo-luohu-sports-centre", "demo-smart-gym-donghu"]


def load_venues(*, stdout: TextIOBase) -> list[Venue]:
    """Create or refresh the demo sports, venues, resources, rules and policies."""
    sports = {
        code: services.upsert_sport(code=code, name_zh=zh, name_en=en)
        for code, (zh, en) in SPORTS.items()
    }
    venues = [_load_venue(spec, sports) for spec in VENUES]
    resources = sum(len(spec.resources) for spec in VENUES)
    stdout.write(f"{len(venues)} demo venues with {resources} bookable resources.\n")
    return venues


def _load_venue(spec: DemoVenue, sports: dict[str, Sport]) -> Venue:
    venue = services.upsert_venue(
        slug=spec.slug,
        fields={
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "kind": spec.kind,
            "district": "罗湖区",
            "street": spec.street,
            "address_zh": spec.address_zh,
            "address_en": spec.address_en,
            "latitude": Decimal(spec.latitude),
            "longitude": Decimal(spec.longitude),
            "amenities": spec.amenities,
            "description_zh": spec.description_zh,
            "description_en": spec.description_en,
            "is_active": True,
            "is_demo": True,
        },
        sports=[sports[code] for code in spec.sports],
        policy=spec.policy,
    )
    for order, res in enumerate(spec.resources, start=1):
        services.upsert_resource(
            venue=venue,
            name_zh=res.name_zh,
            fields={
                "name_en": res.name_en,
                "sport": sports[res.sport],
                "exclusive": res.exclusive,
                "capacity": res.capacity,
                "sort_order": order,
                "is_active": True,
            },
            rules=res.rules,
        )
    return venue


def load_users(*, stdout: TextIOBase) -> list[DemoUser]:
    """Create or refresh the demo logins; the staff user manages two demo venues."""
    model = get_user_model()
    for spec in USERS:
        user, _ = model.objects.get_or_create(
            username=spec.username, defaults={"email": f"{spec.username}@example.com"}
        )
        _refresh_user(user, spec)
    staff = model.objects.get(username="staff")
    for venue in Venue.objects.filter(slug__in=STAFFED_VENUES):
        services.add_venue_staff(venue=venue, user=staff)
    return USERS


def _refresh_user(user: AbstractBaseUser, spec: DemoUser) -> None:
    changed = False
    if not user.check_password(spec.password):
        user.set_password(spec.password)
        changed = True
    for attr in ("is_staff", "is_superuser"):
        if getattr(user, attr) != getattr(spec, attr):
            setattr(user, attr, getattr(spec, attr))
            changed = True
    if not user.is_active:
        user.is_active = True
        changed = True
    if changed:
        user.save()
