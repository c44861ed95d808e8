"""The CloudEvents 1.0 envelope every published event travels in (structured mode: the whole envelope is
the Kafka record value, JSON).

Extensions (CloudEvents allows lower-case alphanumeric names): ``schemaversion`` (the contract version of
``data``), ``correlationid`` (the business flow that started it all) and ``causationid`` (the event that
directly caused this one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def new_event_id() -> str:
    return str(uuid4())


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
