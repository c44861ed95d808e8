"""What the ops deadline board shows, and the working-day arithmetic behind it. Pure: no framework, no I/O.

The database counts (GROUP BY county and agency, see board_queries); this module fixes the date boundaries the
counts use and turns the few listed rows into what a person reads (masked ID, working days overdue, or waited
where the pack sets no decision deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from libs.common.calendar import WorkingCalendar
from libs.common.deadline_rules import breach_cutoff

# Referrals still waiting for the agency's answer: opened, or acknowledged but not yet resolved.
AWAITING_STATUSES = ("open", "acknowledged")
# "Due soon" on the board (issue 6: 2个工作日内到期). A display horizon for ops staff, not a policy deadline: the
# deadlines themselves come from the region's pack when a referral is opened.
DUE_SOON_WORKING_DAYS = 2
OLDEST_LIMIT = 20


@dataclass(frozen=True)
class BoardDates:
    """The day boundaries of one board: "today" in China, and the last day that still counts as due soon.

    The buckets do not overlap: due today (due_on = today), due soon (today < due_on ≤ soon_until),
    overdue (due_on < overdue_before; the due day itself is still on time). Overdue is the overdue scan's own
    rule (``breach_cutoff``): a deadline is missed from the next *working* day, so on a rest day a referral due
    on the last working day is not shown late before the scan publishes its referral.overdue.
    """

    today: date
    soon_until: date
    overdue_before: date

    @classmethod
    def on(cls, calendar: WorkingCalendar, today: date) -> BoardDates:
        return cls(
            today=today,
            soon_until=calendar.add_working_days(today, DUE_SOON_WORKING_DAYS).due,
            overdue_before=breach_cutoff(calendar, today),
        )


@dataclass(frozen=True)
class Tally:
    """One county × agency line of the board."""

    county: str
    agency: str
    awaiting: int
    due_today: int
    due_soon: int
    overdue: int
    earliest_due_on: date | None  # None: every awaiting referral of the line has no decision deadline
    most_days_overdue: int
    # Awaiting referrals whose pack sets no decision deadline: they are never overdue, so the board shows how long
    # they have waited instead (working days since opened_on, 调休 counted).
    no_deadline: int
    most_days_waited: int


@dataclass(frozen=True)
class Item:
    """One awaiting referral as listed on the board (ID number and name already masked)."""

    referral_id: str
    county: str
    agency: str
    id_number_masked: str
    name_masked: str
    opened_on: date
    due_on: date | None
    due_provisional: bool
    status: str
    days_overdue: int | None  # None: no decision deadline
    working_days_waited: int


STATUS_LABELS = {"open": "待受理", "acknowledged": "已受理"}


def mask_name(name: str) -> str:
    """王五 → 王*, 欧阳娜娜 → 欧***: enough for ops staff to tell rows apart on a shared screen, not to name anyone."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name
