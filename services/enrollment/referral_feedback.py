"""referral.resolved → roster: an inclusion answer (纳入低保, …) adds the category from the resolution date, on the
answering agency's authority, through the same recording path as a roster file (so gaps open as for any addition).

Idempotent twice over: the inbox skips a redelivered event, and the roster skips a change already recorded (same
person, category, type and date), so a correction that repeats the inclusion adds nothing.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.contracts.referral import ReferralResolvedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from services.enrollment.gaps import GapRules
from services.enrollment.handlers import record_roster_changes


def roster_change(answer: ReferralResolvedV1) -> RosterChangedV1 | None:
    """The roster addition an answer stands for, or None (临时救助, 一事一议, 不符合条件, 撤回)."""
    if answer.category is None or answer.id_number is None or answer.name is None:
        return None
    return RosterChangedV1(
        # One per referral and category: the same inclusion sent twice has the same id.
        change_id=str(uuid5(NAMESPACE_URL, f"safetynet:referral:{answer.referral_id}:{answer.category.value}")),
        person_key=answer.person_key,
        id_number=answer.id_number,
        name=answer.name,
        region_code=answer.region_code,
        change_type=ChangeType.ADDED,
        category=answer.category,
        effective_date=answer.resolved_on,
        # The answer is the push back to 医保 (flow 4): the list date is the day it arrived, which is the resolution.
        list_date=answer.resolved_on,
        agency=answer.agency,
    )


def make_on_referral_resolved(rules: GapRules) -> Handler:
    async def on_referral_resolved(uow: UnitOfWork, answer: ReferralResolvedV1, envelope: Envelope) -> None:
        change = roster_change(answer)
        if change is None:
            return
        # The referral service checks the outcome's authority before publishing; an answer that still fails the
        # roster's own check raises NotAuthorised here, and the consumer dead-letters it rather than guess.
        await record_roster_changes(uow, [change], rules, commit=False)

    return on_referral_resolved
