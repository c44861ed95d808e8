"""Commands on a referral: acknowledge, resolve (or correct), withdraw — each one ledger entry, in one transaction
with the referral's new state and, for an answer, the referral.resolved event."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from libs.common.agencies import Agency
from libs.common.auth import Principal
from libs.common.calendar import WorkingCalendar
from libs.common.deadline_rules import PushCheck
from libs.common.messaging.contracts.referral import Outcome, ReferralResolvedV1
from libs.common.messaging.envelope import new_event_id
from libs.common.messaging.unit_of_work import UnitOfWork
from services.referral import domain, lifecycle
from services.referral.lifecycle import Action, Answer, Status
from services.referral.tables import referral_responses, referrals

Row = sa.Row[tuple[object, ...]]


async def load_for_update(uow: UnitOfWork, referral_id: str) -> Row | None:
    """The referral, locked until commit so two answers to it cannot interleave."""
    query = sa.select(referrals).where(referrals.c.referral_id == referral_id).with_for_update()
    return (await uow.conn.execute(query)).first()


async def _record(
    uow: UnitOfWork, row: Row, principal: Principal, action: Action, today: date, answer: Answer | None = None
) -> None:
    await uow.conn.execute(
        referral_responses.insert().values(
            response_id=new_event_id(),
            referral_id=row.referral_id,
            action=action.value,
            outcome=answer.outcome.value if answer else None,
            category=answer.category.value if answer and answer.category else None,
            reason=answer.reason if answer else None,
            answered_by=principal.name,
            answered_by_agency=principal.agency.value,
            answered_on=today,
            decided_on=answer.decided_on if answer else None,
        )
    )


def _where(row: Row) -> sa.ColumnElement[bool]:
    return referrals.c.referral_id == str(row.referral_id)


async def acknowledge(uow: UnitOfWork, row: Row, principal: Principal, today: date) -> None:
    status = lifecycle.acknowledge(Status(str(row.status)))
    await uow.conn.execute(referrals.update().where(_where(row)).values(status=status.value, acknowledged_on=today))
    await _record(uow, row, principal, Action.ACKNOWLEDGED, today)


async def resolve(
    uow: UnitOfWork, row: Row, principal: Principal, answer: Answer, today: date, calendar: WorkingCalendar
) -> None:
    action, category = lifecycle.resolve(Status(str(row.status)), Agency(str(row.agency)), answer)
    decided_on = answer.decided_on or today
    assert isinstance(row.opened_on, date)
    lifecycle.check_decided_on(decided_on, row.opened_on, today)
    recorded = Answer(answer.outcome, answer.reason, category, decided_on)
    values: dict[str, object] = {"status": Status.RESOLVED.value, "outcome": answer.outcome.value}
    feedback = None
    if action is Action.RESOLVED:
        # The deadlines are met (or missed) by the first answer; a correction moves neither closed_on nor the
        # feedback judgement, whose breach is recorded now, at answer time, once.
        feedback = domain.feedback_check(calendar, decided_on, today, row.feedback_working_days)
        values |= {
            "closed_on": row.closed_on or today,
            "decided_on": decided_on,
            "feedback_due_on": feedback.due.due if feedback else None,
            "feedback_working_days_late": feedback.working_days_late if feedback else None,
        }
    await uow.conn.execute(referrals.update().where(_where(row)).values(**values))
    await _record(uow, row, principal, action, today, recorded)
    _publish(uow, row, principal, recorded, today, correction=action is Action.CORRECTED, feedback=feedback)


async def withdraw(uow: UnitOfWork, row: Row, principal: Principal, reason: str | None, today: date) -> None:
    lifecycle.withdraw(Status(str(row.status)))
    await uow.conn.execute(
        referrals.update()
        .where(_where(row))
        .values(status=Status.WITHDRAWN.value, outcome=Outcome.WITHDRAWN.value, closed_on=today)
    )
    answer = Answer(Outcome.WITHDRAWN, reason)
    await _record(uow, row, principal, Action.WITHDRAWN, today, answer)
    _publish(uow, row, principal, answer, today, correction=False, feedback=None)


def _publish(
    uow: UnitOfWork,
    row: Row,
    principal: Principal,
    answer: Answer,
    today: date,
    *,
    correction: bool,
    feedback: PushCheck | None,
) -> None:
    event = ReferralResolvedV1(
        referral_id=str(row.referral_id),
        flag_id=str(row.flag_id),
        person_key=str(row.person_key),
        region_code=str(row.region_code),
        agency=Agency(str(row.agency)),
        outcome=answer.outcome,
        reason=answer.reason,
        resolved_on=today,
        category=answer.category,
        # Only an inclusion needs the person's identity on the roster; other answers do not carry it.
        id_number=str(row.id_number) if answer.category else None,
        name=str(row.name) if answer.category else None,
        answered_by=principal.name,
        correction=correction,
        decided_on=answer.decided_on,
        feedback_due_on=feedback.due.due if feedback else None,
        feedback_late=feedback.breached if feedback else None,
        feedback_working_days_late=feedback.working_days_late if feedback else None,
    )
    uow.publish(event, subject=str(row.person_key))
