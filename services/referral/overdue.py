"""The overdue scan: every unanswered referral past its working-day deadline gets exactly one referral.overdue.

Run by the service's runtime at start (so breaches that happened while it was down are found at once) and then
every ``deadline_scan_interval_seconds``. Each batch is one transaction: the library's single UPDATE … RETURNING
notes the breached rows, the events go to the outbox, both commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from libs.common.agencies import Agency
from libs.common.calendar import WorkingCalendar
from libs.common.deadline_rules import breach_cutoff
from libs.common.deadlines import note_breaches
from libs.common.messaging.contracts.referral import ReferralOverdueV1
from libs.common.messaging.unit_of_work import UnitOfWork
from services.referral.tables import referrals

log = logging.getLogger(__name__)

_RETURNED = ("person_key", "region_code", "agency", "due_on")


class OverdueScan:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        calendar: WorkingCalendar,
        today: Callable[[], date],
        batch: int = 1000,
    ) -> None:
        self._uow_factory = uow_factory
        self._calendar = calendar
        self._today = today
        self._batch = batch

    async def run_once(self) -> int:
        """Note and publish every breach as of today; returns how many."""
        today = self._today()
        cutoff = breach_cutoff(self._calendar, today)
        total = 0
        while True:
            async with self._uow_factory() as uow:
                rows = await note_breaches(uow.conn, referrals, cutoff, today, limit=self._batch, returning=_RETURNED)
                for row in rows:
                    event = ReferralOverdueV1(
                        referral_id=str(row.referral_id),
                        person_key=str(row.person_key),
                        region_code=str(row.region_code),
                        agency=Agency(str(row.agency)),
                        due_on=row.due_on,
                        detected_on=today,
                    )
                    uow.publish(event, subject=event.person_key)
                await uow.commit()
            total += len(rows)
            if len(rows) < self._batch:
                break
        if total:
            log.info("referral deadlines: %d newly overdue as of %s", total, today)
        return total
