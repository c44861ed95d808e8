"""A unit of work: one database transaction that holds a service's state change *and* its outgoing events.

Events go into the outbox table inside the same transaction, so either both the state and the events are
committed or neither is; the relay publishes them afterwards.
"""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from libs.common.db import bulk_insert
from libs.common.messaging.contracts import Contract
from libs.common.messaging.envelope import Envelope, new_event_id, utcnow
from libs.common.messaging.tables import MessagingTables


class UnitOfWork:
    def __init__(
        self,
        engine: AsyncEngine,
        tables: MessagingTables,
        source: str,
        committed: asyncio.Event | None = None,
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._source = source
        self._committed_signal = committed
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None
        self._pending: list[dict[str, object]] = []

    @property
    def conn(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
        self._pending = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                await self._tx.rollback()
        finally:
            if self._conn is not None:
                await self._conn.close()
            self._conn = self._tx = None

    def publish(
        self,
        event: Contract,
        *,
        subject: str,
        caused_by: Envelope | None = None,
        correlation_id: str | None = None,
    ) -> str:
        """Queue an event for the outbox (written on commit, in the same transaction); returns its event id."""
        if not subject:
            raise ValueError("an event needs a subject (the person key)")
        event_id = new_event_id()
        head = {
            "specversion": "1.0",
            "id": event_id,
            "source": self._source,
            "type": event.event_type,
            "subject": subject,
            "time": utcnow().isoformat(),
            "datacontenttype": "application/json",
            "dataschema": f"urn:safetynet:schema:{event.event_type}:v{event.version}",
            "schemaversion": event.version,
            "correlationid": correlation_id or (caused_by.correlationid if caused_by else event_id),
            "causationid": caused_by.id if caused_by else None,
        }
        # The envelope's attributes are ours; the payload is serialised once, by pydantic's Rust serializer, and
        # spliced in as "data" — a county roster publishes 100,000 of these in one transaction.
        attributes = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]  # without its closing }
        payload = attributes + ',"data":' + event.model_dump_json() + "}"
        self._pending.append(
            {
                "event_id": event_id,
                "topic": event.topic,
                "key": subject,
                "event_type": event.event_type,
                "payload": payload.encode(),
            }
        )
        return event_id

    async def flush(self) -> None:
        """Write the events queued so far, still inside the transaction: a large import flushes per chunk so it
        does not hold every event in memory until commit. Nothing is visible to the relay before commit."""
        if self._pending:
            await bulk_insert(self.conn, self._tables.outbox, self._pending)
            self._pending = []

    async def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("nothing to commit")
        await self.flush()
        await self._tx.commit()
        if self._committed_signal is not None:
            self._committed_signal.set()  # wake the relay now rather than at its next poll
