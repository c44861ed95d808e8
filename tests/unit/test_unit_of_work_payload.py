"""The outbox payload is built by hand for speed; it must still be exactly a valid CloudEvents envelope."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from libs.common.db import create_engine
from libs.common.messaging.contracts import REGISTRY
from libs.common.messaging.contracts.enrollment import ChangeType, RosterChangedV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.tables import messaging_tables
from libs.common.messaging.unit_of_work import UnitOfWork


def _event() -> RosterChangedV1:
    return RosterChangedV1(
        change_id="c-1",
        person_key="k" * 32,
        id_number="141123196005010128",
        name='张三 "引号"',  # non-ASCII and characters JSON must escape
        region_code="141123",
        change_type=ChangeType.ADDED,
        category="dibao",
        effective_date=date(2026, 1, 5),
        list_date=date(2026, 1, 9),
        agency="civil_affairs",
    )


def _publish_one(tmp_path: Path, event: RosterChangedV1, subject: str, caused_by: Envelope | None = None) -> bytes:
    async def run() -> bytes:
        metadata = sa.MetaData()
        tables = messaging_tables(metadata)
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/uow.sqlite")
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        async with UnitOfWork(engine, tables, "/safetynet/test") as uow:
            uow.publish(event, subject=subject, caused_by=caused_by)
            await uow.commit()
        async with engine.connect() as conn:
            payload = await conn.scalar(sa.select(tables.outbox.c.payload))
        await engine.dispose()
        assert isinstance(payload, bytes)
        return payload

    return asyncio.run(run())


def test_payload_parses_as_an_envelope_and_round_trips_the_contract(tmp_path: Path) -> None:
    event = _event()
    envelope = Envelope.from_bytes(_publish_one(tmp_path, event, event.person_key))
    assert (envelope.type, envelope.schemaversion, envelope.subject) == (event.event_type, 1, event.person_key)
    assert envelope.dataschema == f"urn:safetynet:schema:{event.event_type}:v1"
    assert envelope.correlationid == envelope.id and envelope.causationid is None
    offset = envelope.time.utcoffset()
    assert offset is not None and offset.total_seconds() == 0
    assert REGISTRY.decode(envelope.type, envelope.schemaversion, envelope.data) == event


def test_a_caused_event_carries_the_cause_and_its_correlation(tmp_path: Path) -> None:
    cause = Envelope(
        source="/safetynet/monitoring",
        type="cn.safetynet.risk.flagged",
        subject="k" * 32,
        schemaversion=1,
        correlationid="flow-1",
        data={},
    )
    subject = 'odd "subject" \\ 中'
    envelope = Envelope.from_bytes(_publish_one(tmp_path, _event(), subject, caused_by=cause))
    assert (envelope.causationid, envelope.correlationid) == (cause.id, "flow-1")
    assert envelope.subject == subject  # escaped on the way in, intact on the way out
