"""Event handlers of the referral service: a warning opens one referral per agency the pack of its claim date names."""

from __future__ import annotations

import sqlalchemy as sa

from libs.common.calendar import WorkingCalendar
from libs.common.messaging.consumer import Handler
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1
from libs.common.messaging.contracts.referral import ReferralOpenedV2
from libs.common.messaging.envelope import Envelope, new_event_id
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.policy import PolicyBook
from services.referral import domain
from services.referral.tables import referrals


def make_on_risk_flagged(book: PolicyBook, calendar: WorkingCalendar) -> Handler:
    async def on_risk_flagged(uow: UnitOfWork, flag: RiskFlaggedV1, envelope: Envelope) -> None:
        # The flag's own time, not the clock at handling, so a redelivered flag gets the same deadline.
        opened_on = domain.local_date(envelope.time)
        # The rules are those of the warning's claim date, never the day it is handled: a 2024 warning raised in
        # 2026 is referred as the 2024 pack says, carried forward if that pack ended with no successor.
        pack, carried_forward = book.governing(flag.region_code, flag.settlement_date, "referral")
        rule = pack.referral
        assert rule is not None  # governing(..., "referral") only returns packs that have one
        decision_days = rule.decision_working_days.working_days
        deadline = None if decision_days is None else domain.response_deadline(calendar, opened_on, decision_days)
        due_on = deadline.due if deadline else None
        due_provisional = deadline.provisional if deadline else False
        feedback_days = rule.feedback_working_days.working_days
        r = referrals.c
        for agency in rule.agencies:
            exists = await uow.conn.scalar(
                sa.select(sa.func.count()).where(r.flag_id == flag.flag_id, r.agency == agency.value)
            )
            if exists:
                continue
            opened = ReferralOpenedV2(
                referral_id=new_event_id(),
                flag_id=flag.flag_id,
                person_key=flag.person_key,
                region_code=flag.region_code,
                agency=agency,
                opened_on=opened_on,
                due_on=due_on,
                due_provisional=due_provisional,
                deadline_rule_id=f"{pack.id}:referral",
                feedback_working_days=feedback_days,
                policy_carried_forward=carried_forward,
            )
            await uow.conn.execute(
                referrals.insert().values(
                    referral_id=opened.referral_id,
                    flag_id=flag.flag_id,
                    person_key=flag.person_key,
                    id_number=flag.id_number,
                    name=flag.name,
                    region_code=flag.region_code,
                    agency=agency.value,
                    risk_description=flag.risk_description,
                    opened_on=opened_on,
                    due_on=due_on,
                    due_provisional=due_provisional,
                    deadline_rule_id=opened.deadline_rule_id,
                    feedback_working_days=feedback_days,
                    policy_carried_forward=carried_forward,
                    status="open",
                )
            )
            uow.publish(opened, subject=flag.person_key, caused_by=envelope)

    return on_risk_flagged
