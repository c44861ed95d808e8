"""The CloudEvents 1.0 envelope every published event travels in (structured mode: the whole envelope is
the Kafka record value, JSON).

Extensions (CloudEvents allows lower-case alphanumeric names): ``schemaversion`` (the contract version of
``data``), ``correlationid`` (the business flow that started it all) and ``causationid`` (the event that
directly caused this one).
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


_VARIANT = "89ab"  # RFC 9562 variant bits 10xx as the first hex digit of the fourth group
_POOL_BYTES = 16 * 4096


class _RandomPool(threading.local):
    """Random bytes drawn from the OS 64 KB at a time, per thread. os.urandom releases the GIL; called once per
    id while another thread parses a file, each call waited for the GIL (up to the 5 ms switch interval),
    which made event ids the largest cost of a 100,000-row import."""

    data = b""
    at = 0


_pool = _RandomPool()


def _forget_pool_after_fork() -> None:
    global _pool
    _pool = _RandomPool()  # a forked child must not hand out the ids its parent still has in its pool


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def new_event_id() -> str:
    """A random (version 4) UUID as text, the same as ``str(uuid.uuid4())``, without a UUID object and without
    a system call per id: a county roster makes 400,000 of these in one import."""
    pool = _pool
    at = pool.at
    if at >= len(pool.data):
        pool.data, at = os.urandom(_POOL_BYTES), 0
    pool.at = at + 16
    h = pool.data[at : at + 16].hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=new_event_id, min_length=1)
    source: str = Field(min_length=1, description="URI-reference of the producing service")
    type: str = Field(min_length=1, description="event type, e.g. cn.safetynet.claims.settled")
    subject: str = Field(min_length=1, description="pseudonymous person key; also the Kafka record key")
    time: datetime = Field(default_factory=utcnow)
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    schemaversion: int = Field(ge=1)
    correlationid: str = Field(min_length=1)
    causationid: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        """Parse a record value; raises ValueError (pydantic ValidationError or JSON error) if malformed."""
        # pydantic-core parses and validates in one pass (several times faster than json.loads + validate);
        # its ValidationError is a ValueError, for bad JSON and bad UTF-8 too.
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            errors = exc.errors()
            if errors and errors[0]["type"] in ("json_invalid", "json_type"):
                raise ValueError(f"record value is not JSON: {errors[0]['msg']}") from exc
            raise
