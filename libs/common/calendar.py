"""Working days over the State Council holiday schedule, including make-up working days (调休).

Deadlines such as "within 5 working days" are counted on this calendar (DOMAIN.md, flows 1 and 4).
Two sources, in order of precedence: an operator file (``deploy/holidays.yaml``) for the years it
lists, then the ``chinesecalendar`` package. A year neither knows falls back to Monday–Friday and
every deadline touching it is marked provisional, so a future year never crashes the service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import yaml

__all__ = ["Deadline", "WorkingCalendar", "YearSchedule", "load_year_schedules"]

_ONE_DAY = timedelta(days=1)
_YEAR_KEYS = frozenset({"holidays", "workdays"})


@dataclass(frozen=True)
class YearSchedule:
    """One year's exceptions to Monday–Friday.

    ``holidays``: every day off inside holiday periods (weekend days included, harmless).
    ``workdays``: make-up working days (调休) that fall on a weekend.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Deadline:
    """A computed due date.

    ``provisional`` is True when any day counted lay in a year neither source knows, so the
    Monday–Friday fallback was used and the date may move once the schedule is published.
    """

    due: date
    provisional: bool


class WorkingCalendar:
    """Working-day arithmetic; the operator schedule wins over chinesecalendar for its years."""

    def __init__(self, extra_years: Mapping[int, YearSchedule] | None = None) -> None:
        years = dict(extra_years or {})
        for year, schedule in years.items():
            _validate_year(year, schedule)
        self._extra: dict[int, YearSchedule] = years
        # chinesecalendar decides its supported range from its own data, so ask it once per
        # year instead of hard-coding 2004–2026 (a package upgrade extends the range for free).
        self._library_knows: dict[int, bool] = {}

    @classmethod
    def from_file(cls, path: Path | None) -> WorkingCalendar:
        """Build from an operator YAML file; ``None`` or a missing file means chinesecalendar only."""
        if path is None or not path.exists():
            return cls()
        return cls(load_year_schedules(path))

    def knows_year(self, year: int) -> bool:
        """True when the operator file or chinesecalendar has the official schedule for ``year``."""
        return year in self._extra or self._library_has(year)

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day; Monday–Friday when the year is unknown (see ``knows_year``)."""
        schedule = self._extra.get(d.year)
        if schedule is not None:
            return d in schedule.workdays or (d.weekday() < 5 and d not in schedule.holidays)
        if self._library_has(d.year):
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < 5

    def next_working_day(self, d: date) -> Deadline:
        """First working day strictly after ``d``."""
        return self.add_working_days(d, 1)

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The n-th working day after a trigger on ``start`` ("within n working days").

        Counting starts on the next working day after ``start``; ``start`` itself never counts,
        even when it is a working day.
        """
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        provisional = False
        counted = 0
        day = start
        while counted < n:
            day += _ONE_DAY
            provisional = provisional or not self.knows_year(day.year)
            if self.is_working_day(day):
                counted += 1
        return Deadline(due=day, provisional=provisional)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end], e.g. days overdue; 0 when ``end <= start``."""
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def _library_has(self, year: int) -> bool:
        known = self._library_knows.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                known = True
            except NotImplementedError:
                known = False
            self._library_knows[year] = known
        return known


def load_year_schedules(path: Path) -> dict[int, YearSchedule]:
    """Parse and validate an operator holidays file (format in ``deploy/holidays.yaml``)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValueError) as exc:
        # PyYAML builds dates itself, so 2027-13-01 fails here with a bare "month must be in 1..12".
        raise ValueError(f"{path}: not valid YAML or not a YYYY-MM-DD date: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - {"years"}:
        raise ValueError(f"{path}: expected a single top-level key 'years'")
    years = raw.get("years") or {}
    if not isinstance(years, dict):
        raise ValueError(f"{path}: 'years' must map each year to its holidays and workdays")
    schedules: dict[int, YearSchedule] = {}
    for key, entry in years.items():
        year = _parse_year(path, key)
        if entry is None:
            entry = {}
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: year {year} must map to 'holidays' and 'workdays' lists")
        unknown = set(entry) - _YEAR_KEYS
        if unknown:
            # A typo such as "holiday:" would otherwise silently drop a whole year's days off.
            raise ValueError(f"{path}: year {year} has unknown keys {sorted(unknown)}")
        schedule = YearSchedule(
            holidays=_parse_dates(path, year, "holidays", entry.get("holidays")),
            workdays=_parse_dates(path, year, "workdays", entry.get("workdays")),
        )
        try:
            _validate_year(year, schedule)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        schedules[year] = schedule
    return schedules


def _validate_year(year: int, schedule: YearSchedule) -> None:
    for kind, days in (("holidays", schedule.holidays), ("workdays", schedule.workdays)):
        misplaced = sorted(d for d in days if d.year != year)
        if misplaced:
            raise ValueError(f"year {year}: {kind} {_iso(misplaced)} belong to another year")
    both = sorted(schedule.holidays & schedule.workdays)
    if both:
        raise ValueError(f"year {year}: {_iso(both)} listed both as holiday and as workday")
    # Weekdays are working days already; a "make-up" weekday is almost surely a mistyped date.
    weekday_makeups = sorted(d for d in schedule.workdays if d.weekday() < 5)
    if weekday_makeups:
        raise ValueError(
            f"year {year}: workdays {_iso(weekday_makeups)} fall on Monday–Friday; "
            "list only make-up working days (调休) that fall on a weekend"
        )


def _parse_year(path: Path, key: object) -> int:
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise ValueError(f"{path}: year key {key!r} is not a year")
    try:
        return int(key)
    except ValueError:
        raise ValueError(f"{path}: year key {key!r} is not a year") from None


def _parse_dates(path: Path, year: int, kind: str, value: object) -> frozenset[date]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise ValueError(f"{path}: year {year} {kind} must be a list of dates")
    days: set[date] = set()
    for item in value:
        # YAML turns unquoted 2027-01-01 into a date; quoted ones arrive as strings.
        if isinstance(item, datetime):
            raise ValueError(f"{path}: year {year} {kind}: {item!r} has a time; give a date only")
        if isinstance(item, date):
            days.add(item)
        elif isinstance(item, str):
            try:
                days.add(date.fromisoformat(item.strip()))
            except ValueError:
                raise ValueError(f"{path}: year {year} {kind}: {item!r} is not a YYYY-MM-DD date") from None
        else:
            raise ValueError(f"{path}: year {year} {kind}: {item!r} is not a YYYY-MM-DD date")
    return frozenset(days)


def _iso(days: Iterable[date]) -> str:
    return ", ".join(d.isoformat() for d in days)
