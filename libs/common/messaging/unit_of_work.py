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

from libs.common.clock import utc_now
from libs.common.db import bulk_insert
from libs.common.messaging.contracts import Contract
from libs.common.messaging.envelope import Envelope, new_event_id
from libs.common.messaging.tables import MessagingTables


class PreviousBatchFailed(ConnectionError):
    """The batch handled before this one failed: this one is dropped with it, and both come again (an outage, not a
    poison record: a ConnectionError, which the consumer retries after a back-off)."""


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
        self._wrote_events = False
        self._prefixes: dict[tuple[str, int], str] = {}
        # One moment for all events of a unit of work: they happen together, in one transaction.
        self._time = utc_now().isoformat()
        # Set by the consumer when this unit of work's batch overlaps the batch before it (ConsumerRunner.run).
        self.previous_batch: asyncio.Future[None] | None = None

    @property
    def conn(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
        self._pending = []
        self._wrote_events = False
        self._time = utc_now().isoformat()
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

    async def after_previous_batch(self) -> None:
        """Wait until the batch handled before this one has ended, when the two overlap (else return at once).

        A handler calls it before writes whose order across batches matters. The monitoring service's running
        totals, say, follow the order claims were fetched: a batch must add to a person's total only after the
        batch before it has committed its own, else the later batch could take the row lock first. Raises
        PreviousBatchFailed if that batch failed: this one must not go ahead of records that will come again.

        The statements after the wait see what that batch committed only at READ COMMITTED, where each statement
        takes a fresh snapshot (at REPEATABLE READ the snapshot of this transaction's first statement would hide
        it): the consumer checks the level in every transaction it opens (``ConsumerRunner``)."""
        previous = self.previous_batch
        if previous is None:
            return
        await asyncio.wait([previous])  # not a plain await: cancelling this batch must not cancel that one
        if previous.cancelled() or previous.exception() is not None:
            raise PreviousBatchFailed("the batch before this one failed; both come again")

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
        correlation = correlation_id or (caused_by.correlationid if caused_by else event_id)
        causation = _json(caused_by.id) if caused_by else "null"
        # The attributes every event of this type shares are serialised once per type; the payload by pydantic's
        # Rust serializer, spliced in as "data": a county roster publishes 200,000 of these in one transaction.
        payload = (
            f'{self._prefix(event)},"id":"{event_id}","subject":{_quoted(subject)},"time":"{self._time}",'
            f'"correlationid":{_quoted(correlation)},"causationid":{causation},"data":{event.model_dump_json()}}}'
        )
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

    def _prefix(self, event: Contract) -> str:
        key = (event.event_type, event.version)
        if key not in self._prefixes:
            constant = {
                "specversion": "1.0",
                "source": self._source,
                "type": event.event_type,
                "datacontenttype": "application/json",
                "dataschema": f"urn:safetynet:schema:{event.event_type}:v{event.version}",
                "schemaversion": event.version,
            }
            self._prefixes[key] = _json(constant)[:-1]  # without its closing }
        return self._prefixes[key]

    async def flush(self) -> None:
        """Write the events queued so far, still inside the transaction: a large import flushes per chunk so it
        does not hold every event in memory until commit. Nothing is visible to the relay before commit."""
        if self._pending:
            await bulk_insert(self.conn, self._tables.outbox, self._pending)
            self._pending = []
            self._wrote_events = True

    async def commit(self) -> None:
        if self._tx is None:
            raise RuntimeError("nothing to commit")
        await self.flush()
        await self._tx.commit()
        if self._committed_signal is not None and self._wrote_events:
            # Wake the relay now rather than at its next poll; not for a transaction that wrote no event (most of
            # a busy consumer's batches), for which a pass would only find nothing (three round trips; 3% of the
            # consumer process's samples, though no change in throughput beyond noise was measured).
            self._committed_signal.set()


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _quoted(text: str) -> str:
    """A JSON string: person keys and event ids (hex digits and dashes) need no escaping, so skip the encoder."""
    return f'"{text}"' if text.isascii() and text.replace("-", "").isalnum() else _json(text)
