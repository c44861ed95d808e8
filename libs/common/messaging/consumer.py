"""The consumer runner: bus → decode → handler in one transaction with the inbox → commit the offset.

- A whole batch is handled in one transaction (fast path), with one inbox insert for all its records. If it
  fails, each half is retried alone, and so on down to single records, so one poison record cannot hold back the
  rest and costs a few transactions, not one per record.
- A handler is either per record (``Handler``) or ``Batched``: it then gets every new event of its type in a run
  of the batch at once, so it can work set-based (one upsert for 2,000 claims instead of 2,000 round trips).
- On PostgreSQL, two batches a ``Batched`` handler says may overlap are in their transactions at once, on two
  connections (see ``run``); their offsets are still committed in order.
- A record that cannot be decoded, or whose handler keeps failing, goes to the group's dead-letter topic
  with the error, and the partition moves on.
- Outages (database or broker down, a lost race: ``outages.is_outage``) are not poison: nothing is
  dead-lettered, the consumer rewinds and retries the same records after a back-off.
- On PostgreSQL every transaction runs at READ COMMITTED (checked in each one): a batch that waited for the batch
  before it must see what that one committed, in its next statement. And it waits for a row lock at most
  ``lock_timeout`` seconds, so a wait cycle PostgreSQL cannot see (one half of it is in this process) ends as an
  outage and a retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby
from typing import Any, NamedTuple

import sqlalchemy as sa

from libs.common.clock import utc_now
from libs.common.db import insert_ignoring_duplicates
from libs.common.error_summary import error_summary
from libs.common.gc_pause import PausedWhileBusy
from libs.common.log_limits import LimitedWarnings
from libs.common.messaging.bus import Bus, BusConsumer, BusUnavailable, Delivery, Record
from libs.common.messaging.contracts import REGISTRY, Contract
from libs.common.messaging.envelope import Envelope, envelope_with
from libs.common.messaging.topics import dead_letter_topic
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.outages import is_outage

log = logging.getLogger(__name__)

# Handlers take their own contract type; Any keeps the handler table ({Contract type: handler}) typable.
Handler = Callable[[UnitOfWork, Any, Envelope], Awaitable[None]]
UnitOfWorkFactory = Callable[[], UnitOfWork]
_COLLECT_EVERY = 10  # batches in a row handled with the cyclic GC paused (gc_pause.PausedWhileBusy)
_DECODE_SLICE = 20  # records decoded between yields to the event loop (~0.3 ms of work)
# One round trip at the start of each transaction: the lock wait bound, and the isolation level it runs at.
_PG_TRANSACTION_SETUP = sa.text(
    "SELECT set_config('lock_timeout', :lock_timeout, true), current_setting('transaction_isolation')"
)


class NotReadCommitted(RuntimeError):
    """The consumer's transactions run at another isolation level than READ COMMITTED: a configuration error, not a
    bad record (nothing is dead-lettered) and not an outage (retrying cannot help); the runner stops."""


@dataclass(frozen=True)
class Batched:
    """A handler for many events of one contract type at once, in the order they were fetched.

    ``overlaps``, if given, says whether a batch of only these events may be handled while the batch before it
    (also such a batch) is still in its transaction, on another connection. The handler then calls
    ``uow.after_previous_batch()`` before any write whose order across batches matters; until then it may read
    and work out what to write. Whatever it reads by snapshot must be written only by batches that do not overlap:
    those wait until the batch in flight has committed, and the next batch waits for them.
    """

    handle: Callable[[UnitOfWork, Sequence[tuple[Any, Envelope]]], Awaitable[None]]
    overlaps: Callable[[Sequence[Any]], bool] | None = None


HandlerEntry = Handler | Batched


class Decoded(NamedTuple):  # named tuples: one per record, built several times faster than frozen dataclasses
    delivery: Delivery
    envelope: Envelope
    event: Contract


class Poison(NamedTuple):
    delivery: Delivery
    error: str


@dataclass(frozen=True)
class Fetched:
    """A fetched batch, decoded: what is to be handled and what goes to the dead-letter topic."""

    deliveries: Sequence[Delivery]
    decoded: list[Decoded]
    poison: list[Poison]

    @cached_property
    def event_ids(self) -> frozenset[str]:
        return frozenset(item.envelope.id for item in self.decoded)


class InFlight(NamedTuple):
    """A batch being handled in a task of its own while the next one starts; its offsets are not committed yet."""

    task: asyncio.Task[None]
    fetched: Fetched


class ConsumerRunner:
    def __init__(
        self,
        *,
        group: str,
        bus: Bus,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[type[Contract], HandlerEntry],
        inbox: sa.Table,
        max_records: int = 500,
        fetch_timeout: float = 0.5,
        max_attempts: int = 3,
        max_backoff: float = 5.0,
        overlap: bool = False,
        lock_timeout: float = 5.0,
    ) -> None:
        """``overlap``: whether two batches may be in their transactions at once (PostgreSQL; SQLite has one
        writer at a time), for handlers that allow it (``Batched.overlaps``). ``lock_timeout``: seconds a
        transaction waits for a row lock before it fails as an outage (PostgreSQL)."""
        self.group = group
        self._bus = bus
        self._uow_factory = uow_factory
        self._handlers = dict(handlers)
        self._inbox = inbox
        self._inbox_pg = sa.text(
            f"WITH new AS (INSERT INTO {inbox.name} (consumer, event_id, processed_at)"
            " SELECT :consumer, id, CAST(:now AS TIMESTAMP WITH TIME ZONE) FROM unnest(CAST(:ids AS TEXT[])) AS id"
            " ON CONFLICT DO NOTHING RETURNING event_id)"
            " SELECT id FROM unnest(CAST(:ids AS TEXT[])) AS id WHERE id NOT IN (SELECT event_id FROM new)"
        )
        self._topics = sorted({model.topic for model in self._handlers})
        self._max_records = max_records
        self._fetch_timeout = fetch_timeout
        self._max_attempts = max_attempts
        self._max_backoff = max_backoff
        self._overlap = overlap
        self._lock_timeout = f"{round(lock_timeout * 1000)}ms"
        self._warnings = LimitedWarnings(log)
        self._consumer: BusConsumer | None = None
        self.processed = 0
        self.dead_lettered = 0
        self.overlapped = 0  # batches started while the batch before them was still in its transaction
        # Per subscribed topic (without the bus's topic prefix), for /metrics: handled (or already in the inbox)
        # and dead-lettered records. Counted after the batch is done, so a rewound batch is not counted twice.
        self.handled_by_topic: Counter[str] = Counter()
        self.dead_lettered_by_topic: Counter[str] = Counter()
        self.stopping = False  # set by the runtime's stop(): the loop ends at its next turn
        # Delivered topic (with the bus's prefix) → the one contract handled from it, for the one-pass decode.
        self._one_pass: dict[str, type[Contract] | None] = {}

    @property
    def topics(self) -> list[str]:
        return list(self._topics)

    def _topic_label(self, delivered: str) -> str:
        """The subscribed topic a delivery came from: the bus delivers it with its tenant/test prefix."""
        for topic in self._topics:
            if delivered.endswith(topic):
                return topic
        return delivered

    def _one_pass_model(self, delivered: str) -> type[Contract] | None:
        if delivered not in self._one_pass:
            models = [m for m in self._handlers if m.topic == self._topic_label(delivered)]
            self._one_pass[delivered] = models[0] if len(models) == 1 else None
        return self._one_pass[delivered]

    def _decode(self, delivery: Delivery) -> Decoded | Poison:
        model = self._one_pass_model(delivery.topic)
        if model is not None:
            try:
                envelope = envelope_with(model).model_validate_json(delivery.value)
            except ValueError:
                pass  # not (the current version of) this contract: the general path below decides, and words it
            else:
                if envelope.type == model.event_type and envelope.schemaversion == model.version:
                    event: Contract = envelope.data  # type: ignore[assignment]  # the model, parsed in the same pass
                    return Decoded(delivery, envelope, event)
        try:
            envelope = Envelope.from_bytes(delivery.value)
            event = REGISTRY.decode(envelope.type, envelope.schemaversion, envelope.data)
        except (ValueError, LookupError) as exc:
            return Poison(delivery, error_summary(exc))
        if type(event) not in self._handlers:
            return Poison(delivery, f"no handler for {envelope.type} in {self.group}")
        return Decoded(delivery, envelope, event)

    async def _new_in_inbox(
        self, uow: UnitOfWork, items: Sequence[Decoded], held: frozenset[str] = frozenset()
    ) -> list[Decoded]:
        """Record the batch's events in the inbox in one statement; only those not there yet are handled
        (redelivery is a no-op).

        ``held``: the event ids of the batch in flight before this one, left out. That batch handles them (or
        fails, and this one's offsets are then not committed either). Were they inserted here, this batch would
        hold their inbox rows while it waits for that batch (``after_previous_batch``), and that batch, inserting
        them after this one did, would wait for this one's commit: a cycle PostgreSQL cannot see."""
        unique: list[Decoded] = []
        seen: set[str] = set(held)
        for item in items:  # the same event twice in one fetch counts once too
            if item.envelope.id not in seen:
                seen.add(item.envelope.id)
                unique.append(item)
        now = utc_now()  # one moment for the batch: handled in one transaction
        if uow.conn.dialect.name == "postgresql":
            # One array of ids in, and back only the ids the inbox already had (usually none): building a row per
            # event and reading every new id back was ~2.5 µs an event of the consumer's own time.
            result = await uow.conn.execute(
                self._inbox_pg, {"consumer": self.group, "ids": [item.envelope.id for item in unique], "now": now}
            )
            known = {event_id for (event_id,) in result}
            return [item for item in unique if item.envelope.id not in known] if known else unique
        rows = [{"consumer": self.group, "event_id": item.envelope.id, "processed_at": now} for item in unique]
        statement = insert_ignoring_duplicates(uow.conn, self._inbox).returning(self._inbox.c.event_id)
        inserted = {r.event_id for r in await uow.conn.execute(statement, rows)}
        return [item for item in unique if item.envelope.id in inserted]

    async def _handle_batch(self, items: Sequence[Decoded], previous: InFlight | None = None) -> None:
        async with self._uow_factory() as uow:
            await self._set_up(uow)
            uow.previous_batch = previous.task if previous is not None else None
            new = await self._new_in_inbox(uow, items, previous.fetched.event_ids if previous else frozenset())
            # Runs of one contract type keep the fetched order between types (a roster change before a claim).
            for _, run in groupby(new, key=lambda item: type(item.event)):
                group = list(run)
                handler = self._handlers[type(group[0].event)]
                if isinstance(handler, Batched):
                    await handler.handle(uow, [(item.event, item.envelope) for item in group])
                else:
                    for item in group:
                        await handler(uow, item.event, item.envelope)
            await uow.commit()

    async def _set_up(self, uow: UnitOfWork) -> None:
        """Bound the transaction's lock waits and check that it runs at READ COMMITTED (PostgreSQL)."""
        if uow.conn.dialect.name != "postgresql":
            return  # SQLite: one writer at a time, and serializable
        result = await uow.conn.execute(_PG_TRANSACTION_SETUP, {"lock_timeout": self._lock_timeout})
        _, isolation = result.one()
        if isolation != "read committed":
            raise NotReadCommitted(f"{self.group}: consumer transactions run at {isolation}, not read committed")

    async def _dead_letter(self, poison: Sequence[Poison]) -> None:
        if not poison:
            return
        await self._bus.publish(
            [
                Record(
                    dead_letter_topic(self.group),
                    p.delivery.key or "",
                    p.delivery.value,
                    (
                        *p.delivery.headers,
                        ("dlq-error", p.error.encode()),
                        ("dlq-original-topic", p.delivery.topic.encode()),
                        ("dlq-original-partition", str(p.delivery.partition).encode()),
                        ("dlq-original-offset", str(p.delivery.offset).encode()),
                        ("dlq-consumer-group", self.group.encode()),
                        ("dlq-failed-at", utc_now().isoformat().encode()),
                    ),
                )
                for p in poison
            ]
        )
        self.dead_lettered += len(poison)
        for p in poison:
            log.error(
                "dead-lettered %s@%s/%s: %s",
                p.delivery.topic,
                p.delivery.partition,
                p.delivery.offset,
                p.error,
            )

    async def _decode_all(self, deliveries: Sequence[Delivery]) -> Fetched:
        """Decode a batch a slice at a time, yielding between slices. Decoding a 2,000-claim batch fetched ahead
        takes ~20 ms; in one piece it ran at the handled batch's first await, a quick round trip, which then
        waited for all of it, and the batch's long statements later found nothing left to overlap (measured:
        a fifth of the decoding overlapped PostgreSQL's work). In small slices each quick round trip waits at
        most one slice, and the rest fills the long waits: 11,500 → 13,200 claims/s."""
        fetched = Fetched(deliveries, [], [])
        for start, d in enumerate(deliveries):
            if start and start % _DECODE_SLICE == 0:
                await asyncio.sleep(0)
            result = self._decode(d)
            (fetched.decoded if isinstance(result, Decoded) else fetched.poison).append(result)  # type: ignore[arg-type]
        return fetched

    async def process(self, deliveries: Sequence[Delivery]) -> None:
        """Handle one fetched batch completely (handled or dead-lettered). Raises only on infrastructure failure."""
        await self._process(await self._decode_all(deliveries))

    async def _process(self, fetched: Fetched, previous: InFlight | None = None) -> None:
        """Handle (or dead-letter) a fetched batch. ``previous``: the batch in flight before it, if they overlap."""
        poison = list(fetched.poison)
        if fetched.decoded:
            poison.extend(await self._handle_or_bisect(fetched.decoded, previous))
        await self._dead_letter(poison)
        deliveries = fetched.deliveries
        self.processed += len(deliveries)
        poisoned = Counter(self._topic_label(p.delivery.topic) for p in poison)
        self.dead_lettered_by_topic.update(poisoned)
        delivered: Counter[str] = Counter()
        for topic, count in Counter(d.topic for d in deliveries).items():  # a label per topic, not per record
            delivered[self._topic_label(topic)] += count
        self.handled_by_topic.update(delivered - poisoned)

    async def _handle_or_bisect(self, items: Sequence[Decoded], previous: InFlight | None) -> list[Poison]:
        """Handle ``items`` in one transaction; if that fails for a reason of the records, handle each half in one
        transaction of its own, and so on: one poison record among N costs about 2·log2(N) transactions. A single
        record is tried ``max_attempts`` times before it is poison. Returns the poison; raises on an outage."""
        attempts = self._max_attempts if len(items) == 1 else 1
        for attempt in range(1, attempts + 1):
            try:
                await self._handle_batch(items, previous)
                return []
            except Exception as exc:
                if is_outage(exc) or isinstance(exc, NotReadCommitted):
                    raise
                error = exc
            if attempt < attempts:
                await asyncio.sleep(0.05 * attempt)
        if len(items) == 1:
            return [Poison(items[0].delivery, error_summary(error))]
        message = "%s: batch of %d failed (%s); handling each half alone"
        self._warnings.warning("bisect", message, self.group, len(items), error_summary(error))
        middle = len(items) // 2
        return await self._handle_or_bisect(items[:middle], previous) + await self._handle_or_bisect(
            items[middle:], previous
        )

    async def _started(self) -> BusConsumer:
        if self._consumer is None:
            self._consumer = self._bus.consumer(self.group, self._topics)
            await self._consumer.start()
        return self._consumer

    async def _fetch(self) -> Fetched:
        consumer = await self._started()
        return await self._decode_all(await consumer.fetch(self._max_records, self._fetch_timeout))

    async def run_once(self) -> int:
        """Fetch, process and commit one batch. Returns the number of records processed."""
        fetched = await self._fetch()
        await self._settle(fetched)
        return len(fetched.deliveries)

    async def _settle(self, fetched: Fetched) -> None:
        """Process a fetched batch and commit its offsets; on failure rewind to the last commit and raise."""
        if fetched.deliveries:
            await self._commit_after(self._process(fetched), fetched)

    async def _commit_after(self, handling: Awaitable[None], fetched: Fetched) -> None:
        """Wait for a batch's handling and commit its offsets; on failure rewind to the last commit and raise."""
        consumer = await self._started()
        try:
            await handling
        except BaseException:
            await consumer.rewind()
            raise
        await consumer.commit(fetched.deliveries)

    async def run(self) -> None:
        """The service's loop. The next batch is fetched and decoded while the current one is in the database:
        decoding is pure Python and the transaction mostly waits for PostgreSQL, so the two overlap (measured:
        the consumer's process sat idle ~40% of the time waiting). A failure drops the batch fetched ahead and
        rewinds, so those records come again.

        Batches are handled in order, each committed before the next is handled, except two batches whose
        handler allows it (``Batched.overlaps``, with ``overlap`` on): the later one starts while the earlier one
        is still in its transaction (see ``_hand_over``)."""
        backoff = 0.2
        ahead: asyncio.Task[Fetched] | None = None
        in_flight: InFlight | None = None
        # A batch's events, rows and steps are freed by reference counting when it ends; collections during it
        # only promoted them and then walked them again in full collections (measured: a sixth of a busy
        # consumer's time). So the collector runs between runs of batches and when idle (gc_pause.py).
        collector = PausedWhileBusy(every=_COLLECT_EVERY)
        try:
            while not self.stopping:
                try:
                    fetched = await (ahead if ahead is not None else self._fetch())
                    ahead = None
                    if fetched.deliveries:
                        collector.step()
                        ahead = asyncio.create_task(self._fetch(), name=f"{self.group}-fetch-ahead")
                        in_flight = await self._hand_over(in_flight, fetched)
                    else:
                        await self._finish(in_flight)
                        in_flight = None
                        collector.idle()
                    backoff = 0.2
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    collector.idle()
                    dropped = in_flight is not None or ahead is not None
                    await self._abandon(in_flight)
                    await self._drop(ahead)
                    in_flight, ahead = None, None
                    if dropped:
                        await self._rewind_quietly()
                    if not is_outage(exc):
                        raise
                    self._warnings.warning(
                        "retry", "%s: %s; retrying in %.1fs", self.group, error_summary(exc), backoff
                    )
                    await self._restart_consumer_if_needed(exc)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._max_backoff)
            await self._finish(in_flight)  # stopping: the batch in flight is seen through and committed
            in_flight = None
        finally:
            collector.idle()
            await self._abandon(in_flight, cancel=True)
            await self._drop(ahead)

    def _overlappable(self, fetched: Fetched) -> bool:
        """Whether every contract type in the batch has a handler that lets its events overlap another batch."""
        if not self._overlap or not fetched.decoded:
            return False
        by_type: dict[type[Contract], list[Contract]] = {}
        for item in fetched.decoded:
            by_type.setdefault(type(item.event), []).append(item.event)
        for model, events in by_type.items():
            handler = self._handlers[model]
            if not isinstance(handler, Batched) or handler.overlaps is None or not handler.overlaps(events):
                return False
        return True

    async def _hand_over(self, in_flight: InFlight | None, fetched: Fetched) -> InFlight | None:
        """Handle ``fetched``; returns it still in flight if it may overlap the next batch, else None.

        Within one batch Python and PostgreSQL take turns (the process sat idle a third of the time, and
        PostgreSQL's backend half of it): while the earlier batch's statements run on one connection, the later
        batch decodes, takes in its inbox rows and works out what to write on another, then waits for the earlier
        one to end (``UnitOfWork.after_previous_batch``) before its ordered writes. Offsets are committed in order:
        the earlier batch's first, the later one's only once it is done. If the earlier one fails, the later one
        fails with it (or had already committed: the inbox skips it) and both come again after the rewind.
        """
        if not self._overlappable(fetched):
            await self._finish(in_flight)  # a batch that may not overlap waits for the one in flight
            await self._settle(fetched)
            return None
        started = InFlight(asyncio.create_task(self._process(fetched, in_flight), name=f"{self.group}-batch"), fetched)
        if in_flight is not None and not in_flight.task.done():
            self.overlapped += 1
        try:
            await self._finish(in_flight)
        except asyncio.CancelledError:
            await self._abandon(started, cancel=True)
            raise
        except Exception:
            await self._abandon(started)
            raise
        return started

    async def _finish(self, in_flight: InFlight | None) -> None:
        """Wait for a batch in flight and commit its offsets; on failure rewind to the last commit and raise."""
        if in_flight is not None:
            await self._commit_after(in_flight.task, in_flight.fetched)

    async def _abandon(self, in_flight: InFlight | None, *, cancel: bool = False) -> None:
        """Let a batch in flight end (or cancel it, when the loop itself is cancelled) without committing its
        offsets: its records come again after the rewind that follows, and the inbox skips any that committed."""
        if in_flight is not None:
            await self._wait_out(in_flight.task, cancel=cancel, what="a batch in flight")

    async def _drop(self, ahead: asyncio.Task[Fetched] | None) -> None:
        """Forget a batch fetched ahead: its records were not handled (the caller rewinds)."""
        if ahead is not None:
            await self._wait_out(ahead, cancel=True, what="the fetch ahead")

    async def _wait_out(self, task: asyncio.Task[Any], *, cancel: bool, what: str) -> None:
        """Wait for a task whose outcome no longer matters (cancelled first if asked); its own failure is logged."""
        if cancel:
            task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            if not task.cancelled():  # our own cancellation, not the task's
                raise
        except Exception:  # the task's own failure: dropped either way
            log.debug("%s: %s failed", self.group, what, exc_info=True)

    async def _rewind_quietly(self) -> None:
        """Back to the last commit after dropping batches (the rewind after a failed batch may have run before the
        fetch ahead moved the position on)."""
        if self._consumer is not None:
            try:
                await self._consumer.rewind()
            except BusUnavailable:  # the loop restarts the consumer, which starts from the last commit too
                log.debug("%s: rewind after dropping batches failed", self.group, exc_info=True)

    async def _restart_consumer_if_needed(self, exc: BaseException) -> None:
        if isinstance(exc, BusUnavailable) and self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                await consumer.stop()
            except Exception:  # the broker is gone; a fresh consumer is made on the next attempt
                log.debug("stopping a broken consumer failed", exc_info=True)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
