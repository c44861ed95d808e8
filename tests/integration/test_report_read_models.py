"""The reports' read models on both databases: a warning delivered twice is listed once; a referral's answer that
arrives before its opening (two topics, no order between them) still makes one complete row."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from libs.common.agencies import Agency
from libs.common.db import create_engine
from libs.common.messaging.consumer import Batched
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1, RiskLevel
from libs.common.messaging.contracts.referral import Outcome, ReferralOpenedV2, ReferralResolvedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from services.monitoring.reports import handlers
from services.monitoring.tables import messaging, metadata, referral_answers, warning_entries

ENVELOPE = Envelope(source="/test", type="t", subject="p1", schemaversion=1, correlationid="c", data={})


def flag() -> RiskFlaggedV1:
    return RiskFlaggedV1(
        flag_id="F-1", person_key="p1", id_number="141123196005010128", name="张三", region_code="141123",
        township="蔚汾镇", village="北坡村", year=2026, level=RiskLevel.RELAPSE, category=None, policy_pack_id="x",
        rule_id="r", threshold="6000.00", cumulative_total_cost="85000.00", cumulative_burden="12000.00",
        claim_id="C-1", settlement_date=date(2026, 3, 5), diagnosis="肺恶性肿瘤", risk_description="…",
    )  # fmt: skip


async def test_duplicates_and_out_of_order_answers(database_url_template: str) -> None:
    engine = create_engine(database_url_template.format(service="monitoring"))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    ids = {"referral_id": "R-1", "flag_id": "F-1", "person_key": "p1", "region_code": "141123"}
    try:
        for event in (
            flag(),
            flag(),  # the same warning again (a replay under a new event id)
            ReferralResolvedV1(
                **ids, agency=Agency.CIVIL_AFFAIRS, outcome=Outcome.INCLUDED_DIBAO, resolved_on=date(2026, 3, 20)
            ),
            ReferralOpenedV2(
                **ids,
                agency=Agency.CIVIL_AFFAIRS,
                opened_on=date(2026, 3, 10),
                due_on=None,  # Shanxi sets no decision deadline
                due_provisional=False,
                deadline_rule_id="d",
                feedback_working_days=5,
                policy_carried_forward=False,
            ),
        ):
            async with UnitOfWork(engine, messaging, "/test") as uow:
                handler = handlers.handler_table()[type(event)]
                if isinstance(handler, Batched):
                    await handler.handle(uow, [(event, ENVELOPE)])
                else:
                    await handler(uow, event, ENVELOPE)
                await uow.commit()
        async with UnitOfWork(engine, messaging, "/test") as uow:
            # The same warning twice more in one fetched batch (the batched handler's one statement).
            on_flags = handlers.handler_table()[RiskFlaggedV1]
            assert isinstance(on_flags, Batched)
            await on_flags.handle(uow, [(flag(), ENVELOPE), (flag(), ENVELOPE)])
            await uow.commit()
        async with engine.connect() as conn:
            assert await conn.scalar(sa.select(sa.func.count()).select_from(warning_entries)) == 1
            [answer] = (await conn.execute(sa.select(referral_answers))).all()
        assert (answer.opened_on, answer.outcome, answer.resolved_on) == (
            date(2026, 3, 10), "included_dibao", date(2026, 3, 20),
        )  # fmt: skip
    finally:
        await engine.dispose()
