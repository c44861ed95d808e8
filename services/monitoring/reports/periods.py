"""Report periods (a month, a quarter) and their due dates; pure, no framework.

"X日前" is read as "on or before that day" (DOMAIN.md), so a table handed over on its due day is on time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a month (YYYY-MM)")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.number, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.number, calendar.monthrange(self.year, self.number)[1])

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.number == 12 else Month(self.year, self.number + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.number == 1 else Month(self.year, self.number - 1)

    def due(self, day: int) -> date:
        """A monthly table is due on ``day`` of the following month (附件1: 每月10日前)."""
        return self.next().first_day.replace(day=day)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a quarter (YYYY-Q1 … YYYY-Q4)")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return Month(self.year, 3 * self.number).last_day

    def due(self, day: int) -> date:
        """Due on ``day`` of the first month of the next quarter (附件2: 每季度的首月20日前)."""
        return Month(self.year, 3 * self.number).next().first_day.replace(day=day)


def is_late(issued_on: date, due_on: date | None) -> bool | None:
    """On the due day is on time ("10日前" includes the 10th); None when no pack gives a due date."""
    return None if due_on is None else issued_on > due_on


def draft_window_start(month: Month, issued: Collection[Month]) -> Month:
    """The earliest dated month whose unlisted flags belong to ``month``'s draft list.

    A flag not yet on an issued list goes to the first list, from its own month on, that is not yet issued:
    flags dated in March that arrive after March's list was issued wait for April's. So the draft of ``month``
    takes its own flags plus those of the run of issued months just before it.
    """
    start = month
    while start.previous() in issued:
        start = start.previous()
    return start
