"""The one interface both buses implement: publish records, and consume them with explicit commits.

Consumers commit only after the database transaction that handled a record has committed, so a crash in
between means redelivery, which the inbox makes harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol


@dataclass(frozen=True)
class Record:
    topic: str
    key: str
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class Delivery(NamedTuple):
    """A consumed record. (A named tuple: a consumer makes one per record, and a tuple is built ~5× faster than a
    frozen dataclass — 0.20 against 0.76 µs, a few per cent of a busy consumer's time per record.)"""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


class BusUnavailable(ConnectionError):
    """The broker (or the embedded log's database) cannot be reached; retry later."""


class BusConsumer(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def fetch(self, max_records: int, timeout: float) -> list[Delivery]:
        """Next records after the current position; empty list on timeout."""
        ...

    async def commit(self, deliveries: Sequence[Delivery]) -> None:
        """Mark these records (and everything before them in their partitions) as processed."""
        ...

    async def rewind(self) -> None:
        """Go back to the last committed position, so uncommitted records are fetched again."""
        ...


class Bus(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ensure_topics(self, topics: Sequence[str]) -> None: ...

    async def publish(self, records: Sequence[Record]) -> None:
        """Returns once every record is durably stored by the bus; raises BusUnavailable otherwise."""
        ...

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer: ...

    async def read_all(self, topic: str) -> list[Delivery]:
        """Every record the topic holds now, from the earliest kept to the end as it was when asked, in offset
        order per partition. No consumer group: nothing is joined or committed (an operator's tool reading a
        dead-letter topic must not move any service's position). An unknown topic holds nothing."""
        ...

    async def consumer_lag(self, group: str, topics: Sequence[str]) -> dict[str, int]:
        """Per topic, how many records the group has not committed yet (log end − committed position).

        Read from the bus itself, not from a running consumer, so a stuck or dead consumer still shows its lag.
        """
        ...
