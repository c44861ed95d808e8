"""The two 5-working-day pushes of flow 1, tracked with the shared deadline store (libs/common/deadlines.py).

- roster push (kind ``roster_push``): civil affairs / rural revitalization give 附件3 to 医保 within N working days of
  the adjustment (动态调整时间). A change whose list date (the day it reached 医保) is past that is a breached push.
- gap push (kind ``gap_push``): 医保 pushes a newly added unenrolled person to tax within N working days of the list
  date. The service pushes at once, so only a list that arrived late (or was dated back) breaches it.

Both are known at once when the change arrives, so only breaches are stored (closed, breach noted the day it was
seen); a push on time leaves no row, which keeps a 100,000-row roster import from writing 100,000 more rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from libs.common.clock import china_date
from libs.common.db import bulk_insert
from libs.common.deadline_rules import PushCheck, check_push
from libs.common.deadlines import store_key
from libs.common.messaging.contracts.enrollment import RosterChangedV1
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy import NoPolicy
from services.enrollment.tables import push_deadlines

if TYPE_CHECKING:  # gaps.py notes late gap pushes through this module
    from services.enrollment.gaps import GapRules

ROSTER_PUSH = "roster_push"
GAP_PUSH = "gap_push"


def _roster_push_days(rules: GapRules, region_code: str, on: date) -> int | None:
    try:
        pack = rules.book.for_county(region_code, on, "enrollment").enrollment
    except NoPolicy:
        return None
    return pack.roster_push_working_days if pack is not None else None


async def note_late_roster_pushes(uow: UnitOfWork, rules: GapRules, changes: Sequence[RosterChangedV1]) -> int:
    """Store a breach for each change that reached 医保 (its list date) after the pack's working-day deadline."""
    # A county's file shares its dates: each (county, adjustment, list) triple is worked out once, and the changes
    # are gone through one by one only when some triple is breached (most files are on time).
    late: dict[tuple[str, date, date], PushCheck] = {}
    for where in {(c.region_code, c.effective_date, c.list_date) for c in changes}:
        region_code, effective_date, list_date = where
        days = _roster_push_days(rules, region_code, effective_date)
        check = check_push(rules.calendar, effective_date, list_date, days) if days else None
        if check is not None and check.breached:
            late[where] = check
    rows = []
    if late:
        for change in changes:
            check = late.get((change.region_code, change.effective_date, change.list_date))
            if check is not None:
                rows.append(_breach(ROSTER_PUSH, change.change_id, change.region_code, change.effective_date, check))
    await bulk_insert(uow.conn, push_deadlines, rows)
    return len(rows)


async def note_late_gap_pushes(uow: UnitOfWork, gaps: Sequence[Mapping[str, object]]) -> int:
    """Store a breach for each just-opened gap whose push (now) is past its due day."""
    rows = []
    days: dict[datetime, date] = {}  # the gaps of one batch share their push moment: one time-zone conversion
    for gap in gaps:
        due_on, pushed_at = gap["due_on"], gap["pushed_at"]
        if not isinstance(due_on, date) or pushed_at is None:
            continue
        assert isinstance(pushed_at, datetime)
        pushed_on = days.get(pushed_at)
        if pushed_on is None:
            pushed_on = days[pushed_at] = china_date(pushed_at)
        if pushed_on > due_on:
            rows.append(
                {
                    "deadline_id": store_key(GAP_PUSH, str(gap["gap_id"])),
                    "kind": GAP_PUSH,
                    "subject_id": gap["gap_id"],
                    "region_code": gap["region_code"],
                    "opened_on": gap["opened_on"],
                    "due_on": due_on,
                    "due_provisional": gap["due_provisional"],
                    "closed_on": pushed_on,
                    "breach_noted_on": pushed_on,
                }
            )
    await bulk_insert(uow.conn, push_deadlines, rows)
    return len(rows)


def _breach(kind: str, subject_id: str, region_code: str, opened_on: date, check: PushCheck) -> dict[str, object]:
    return {
        "deadline_id": store_key(kind, subject_id),
        "kind": kind,
        "subject_id": subject_id,
        "region_code": region_code,
        "opened_on": opened_on,
        "due_on": check.due.due,
        "due_provisional": check.due.provisional,
        "closed_on": check.reached_on,
        "breach_noted_on": check.reached_on,
    }
