"""What the reports learn from events: each warning (for 附件1) and the referral answers (for 附件2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.db import insert_ignoring_duplicates, unnest_insert
from libs.common.messaging.consumer import Batched, HandlerEntry
from libs.common.messaging.contracts import Contract
from libs.common.messaging.contracts.monitoring import RiskFlaggedV1
from libs.common.messaging.contracts.referral import ReferralOpenedV2, ReferralResolvedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.unit_of_work import UnitOfWork
from services.monitoring.tables import referral_answers, warning_entries


async def on_risk_flagged(uow: UnitOfWork, batch: Sequence[tuple[RiskFlaggedV1, Envelope]]) -> None:
    """Every flag of a fetched batch in one statement: when each claim crosses a line, the service reads back as many
    flags as it handles claims, and a statement pair per flag (check, insert) was a third of its time."""
    rows: dict[str, dict[str, Any]] = {}
    for flag, _ in batch:
        # The same flag again (a replay under a new event id) is on a list once: the first stays.
        rows.setdefault(
            flag.flag_id,
            {
                "flag_id": flag.flag_id,
                "person_key": flag.person_key,
                "region_code": flag.region_code,
                "settlement_date": flag.settlement_date,
                "township": flag.township,
                "village": flag.village,
                "name": flag.name,
                "id_number": flag.id_number,
                "category": flag.category.value if flag.category else None,
                "level": flag.level.value,
                "risk_description": flag.risk_description,
            },
        )
    if not rows:
        return
    if uow.conn.dialect.name == "postgresql":
        await unnest_insert(uow.conn, warning_entries, list(rows.values()), "ON CONFLICT DO NOTHING")
    else:
        await uow.conn.execute(insert_ignoring_duplicates(uow.conn, warning_entries), list(rows.values()))


def _reads_nothing(_flags: Sequence[RiskFlaggedV1]) -> bool:
    """Warnings may be taken in while another batch is in its transaction: the handler only inserts, keyed by flag
    id, and an insert of a flag the other batch holds waits for its commit and then does nothing."""
    return True


async def _fill(conn: AsyncConnection, referral_id: str, identity: dict[str, Any], values: dict[str, Any]) -> None:
    """Set this event's columns; create the row if the other event has not arrived yet."""
    r = referral_answers.c
    updated = await conn.execute(referral_answers.update().where(r.referral_id == referral_id).values(**values))
    if updated.rowcount == 0:
        await conn.execute(referral_answers.insert().values(referral_id=referral_id, **identity, **values))


def _identity(event: ReferralOpenedV2 | ReferralResolvedV1) -> dict[str, Any]:
    return {"person_key": event.person_key, "region_code": event.region_code, "agency": event.agency.value}


async def on_referral_opened(uow: UnitOfWork, event: ReferralOpenedV2, _envelope: Envelope) -> None:
    await _fill(uow.conn, event.referral_id, _identity(event), {"opened_on": event.opened_on})


async def on_referral_resolved(uow: UnitOfWork, event: ReferralResolvedV1, _envelope: Envelope) -> None:
    values = {"outcome": event.outcome.value, "resolved_on": event.resolved_on}
    await _fill(uow.conn, event.referral_id, _identity(event), values)


def handler_table() -> dict[type[Contract], HandlerEntry]:
    return {
        RiskFlaggedV1: Batched(on_risk_flagged, overlaps=_reads_nothing),
        ReferralOpenedV2: on_referral_opened,
        ReferralResolvedV1: on_referral_resolved,
    }
