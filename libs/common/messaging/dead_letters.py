"""A consumer group's dead letters, read back, and sent again to where they came from (redrive).

A dead letter is the failed record as it was (key, value, headers) plus the ``dlq-*`` headers the consumer runner
adds. Redriving publishes the same key, value and original headers to the original topic, with headers naming who
sent it back and when; the consumer's inbox knows the envelope id, so a record sent back twice is handled once.

Each redrive is recorded on the bus itself, in ``safetynet.redrives`` (keyed by the group): it lives wherever the
dead letters live, on either bus, is readable by this tool and by any Kafka client, and needs nothing but the bus
(no service's database, which may be what failed). The redriven records and the record of the redrive go out in
one publish (one transaction on the embedded bus).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from libs.common.clock import utc_now
from libs.common.messaging.bus import Bus, Delivery, Record
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.topics import REDRIVES, dead_letter_topic

REDRIVE_HEADERS = ("redriven-by", "redriven-at", "redriven-from")


def _header(delivery: Delivery, name: str) -> str | None:
    for key, value in delivery.headers:
        if key == name:
            return value.decode("utf-8", "replace")
    return None


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic. ``id`` ("partition:offset" in that topic) is what an operator names."""

    delivery: Delivery

    @property
    def id(self) -> str:
        return f"{self.delivery.partition}:{self.delivery.offset}"

    @property
    def error(self) -> str:
        return _header(self.delivery, "dlq-error") or ""

    @property
    def original_topic(self) -> str:
        """As delivered to the consumer: with the bus's topic prefix."""
        return _header(self.delivery, "dlq-original-topic") or ""

    @property
    def original_partition(self) -> str:
        return _header(self.delivery, "dlq-original-partition") or ""

    @property
    def original_offset(self) -> str:
        return _header(self.delivery, "dlq-original-offset") or ""

    @property
    def failed_at(self) -> str:
        return _header(self.delivery, "dlq-failed-at") or ""

    @property
    def original_headers(self) -> tuple[tuple[str, bytes], ...]:
        """The failed record's own headers (without the dead-letter ones, or those of an earlier redrive)."""
        return tuple((k, v) for k, v in self.delivery.headers if not k.startswith("dlq-") and k not in REDRIVE_HEADERS)

    @property
    def envelope(self) -> Envelope | None:
        """The CloudEvent, if the value decodes as one (a poison record may not)."""
        try:
            return Envelope.from_bytes(self.delivery.value)
        except ValueError:
            return None


@dataclass(frozen=True)
class Redrive:
    """One operator's redrive, as recorded."""

    group: str
    by: str
    reason: str
    at: str
    again: bool  # sent even though some of them had been sent back before
    dead_letters: tuple[str, ...]  # their ids
    event_ids: tuple[str | None, ...]

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "group": self.group,
                "by": self.by,
                "reason": self.reason,
                "at": self.at,
                "again": self.again,
                "dead_letters": list(self.dead_letters),
                "event_ids": list(self.event_ids),
            },
            ensure_ascii=False,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Redrive:
        doc: dict[str, Any] = json.loads(raw)
        return cls(
            group=doc["group"],
            by=doc["by"],
            reason=doc.get("reason", ""),
            at=doc["at"],
            again=bool(doc.get("again", False)),
            dead_letters=tuple(doc["dead_letters"]),
            event_ids=tuple(doc.get("event_ids", ())),
        )


async def dead_letters(bus: Bus, group: str) -> list[DeadLetter]:
    return [DeadLetter(d) for d in await bus.read_all(dead_letter_topic(group))]


async def redrives(bus: Bus, group: str) -> list[Redrive]:
    """The group's redrives, oldest first (records that do not parse are someone else's: skipped)."""
    out: list[Redrive] = []
    for d in await bus.read_all(REDRIVES):
        try:
            redrive = Redrive.from_json(d.value)
        except (ValueError, KeyError, TypeError):
            continue
        if redrive.group == group:
            out.append(redrive)
    return sorted(out, key=lambda r: r.at)


def redriven_by(history: Sequence[Redrive]) -> dict[str, list[Redrive]]:
    """Dead-letter id → the redrives that sent it back."""
    by_id: dict[str, list[Redrive]] = {}
    for redrive in history:
        for letter_id in redrive.dead_letters:
            by_id.setdefault(letter_id, []).append(redrive)
    return by_id


class NotOurs(ValueError):
    """A dead letter whose original topic lies outside this bus's topic prefix (another deployment's)."""


def _back_to(letter: DeadLetter, topic_prefix: str, by: str, at: datetime, group: str) -> Record:
    original = letter.original_topic
    if not original or not original.startswith(topic_prefix):
        raise NotOurs(f"dead letter {letter.id}: original topic {original!r} is not under prefix {topic_prefix!r}")
    headers = (
        *letter.original_headers,
        ("redriven-by", by.encode()),
        ("redriven-at", at.isoformat().encode()),
        ("redriven-from", f"{dead_letter_topic(group)}@{letter.id}".encode()),
    )
    return Record(original[len(topic_prefix) :], letter.delivery.key or "", letter.delivery.value, headers)


async def redrive(
    bus: Bus,
    group: str,
    letters: Sequence[DeadLetter],
    *,
    by: str,
    reason: str,
    topic_prefix: str,
    again: bool = False,
) -> Redrive:
    """Send ``letters`` back to their original topics and record who did it; returns the record."""
    at = utc_now()
    records = [_back_to(letter, topic_prefix, by, at, group) for letter in letters]
    done = Redrive(
        group=group,
        by=by,
        reason=reason,
        at=at.isoformat(),
        again=again,
        dead_letters=tuple(letter.id for letter in letters),
        event_ids=tuple(e.id if (e := letter.envelope) is not None else None for letter in letters),
    )
    await bus.ensure_topics(sorted({r.topic for r in records} | {REDRIVES}))
    await bus.publish([*records, Record(REDRIVES, group, done.to_json())])
    return done
