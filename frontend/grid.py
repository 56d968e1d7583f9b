"""Turn an availability answer (the API's shape) into rows and columns for the booking grid.

Pure: no ORM, no request. Resources are rows, start times (Beijing time) are columns, so that a
venue with 20 courts reads as one table that scrolls sideways on a phone.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from booking.rules import local_tz


@dataclass
class Cell:
    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    remaining: int
    capacity: int
    price: Decimal
    public_benefit: bool
    bookable: bool
    reason: str
    opens_at: dt.datetime | None
    mine: bool
    label: str = ""  # the button's accessible name, set by the page (translated)
    ballot: int | None = None  # the ballot round allocating the slot (reason "ballot")

    @property
    def time_range(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def state(self) -> str:
        """One of: mine, free, full, not-open, past, closed, no-payment, ballot."""
        if self.mine:
            return "mine"
        if self.bookable:
            return "free"
        if self.reason == "payment_unavailable":
            return "no-payment"  # a paid slot while online payment is off: said before the click
        if self.reason == "window_not_open":
            return "not-open"
        if self.reason == "ballot":
            return "ballot"  # allocated by a ballot round: its page takes entries
        if self.reason in ("past", "closed"):
            return self.reason
        return "full"

    @property
    def is_free_of_charge(self) -> bool:
        return self.price == 0


@dataclass
class Row:
    resource_id: int
    name: str
    exclusive: bool
    capacity: int
    cells: list[Cell | None] = field(default_factory=list)


@dataclass
class Grid:
    day: dt.date
    columns: list[dt.time]
    rows: list[Row]

    @property
    def free_count(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell and cell.bookable)


def _moment(value: Any) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.astimezone(local_tz())


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def build_grid(
    availability: Any, *, day: dt.date, my_slot_ids: frozenset[int] = frozenset()
) -> Grid:
    """Lay the slots of `day` out as resources × start times.

    `availability` follows the API contract: {"resources": [{"id", "name", "exclusive",
    "capacity", "slots": [{"id", "starts_at", "ends_at", "remaining", "price", "bookable",
    "reason", ...}]}]}, as dicts or objects with those attributes.
    """
    rows: list[Row] = []
    by_row: list[dict[dt.time, Cell]] = []
    columns: set[dt.time] = set()
    for resource in _get(availability, "resources", []) or []:
        cells: dict[dt.time, Cell] = {}
        for slot in _get(resource, "slots", []) or []:
            starts_at = _moment(_get(slot, "starts_at"))
            if starts_at.date() != day:
                continue
            opens_at = _get(slot, "opens_at")
            cell = Cell(
                slot_id=int(_get(slot, "id")),
                starts_at=starts_at,
                ends_at=_moment(_get(slot, "ends_at")),
                remaining=int(_get(slot, "remaining", 0)),
                capacity=int(_get(slot, "capacity", 1)),
                price=Decimal(str(_get(slot, "price", "0") or "0")),
                public_benefit=bool(_get(slot, "public_benefit", False)),
                bookable=bool(_get(slot, "bookable", False)),
                reason=str(_get(slot, "reason", "") or ""),
                opens_at=_moment(opens_at) if opens_at else None,
                mine=int(_get(slot, "id")) in my_slot_ids,
                ballot=_get(slot, "ballot"),
            )
            cells[starts_at.time()] = cell
            columns.add(starts_at.time())
        rows.append(
            Row(
                resource_id=int(_get(resource, "id")),
                name=str(_get(resource, "name", "")),
                exclusive=bool(_get(resource, "exclusive", True)),
                capacity=int(_get(resource, "capacity", 1)),
            )
        )
        by_row.append(cells)
    ordered = sorted(columns)
    for row, cells in zip(rows, by_row, strict=True):
        row.cells = [cells.get(column) for column in ordered]
    return Grid(day=day, columns=ordered, rows=rows)
