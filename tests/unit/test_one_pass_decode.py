"""The consumer reads a record of the one contract its topic carries in one pass (envelope and data together), and
falls back to the general decoder for anything else, which then decides exactly as before: upcasts, or words the
error a dead letter carries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa

from libs.common.error_summary import error_summary
from libs.common.messaging.bus import Bus, Delivery
from libs.common.messaging.consumer import Batched, ConsumerRunner, Decoded, Poison
from libs.common.messaging.contracts import REGISTRY
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope, envelope_with
from libs.common.messaging.tables import messaging_tables
from libs.common.messaging.topics import CLAIMS_SETTLED

INBOX = messaging_tables(sa.MetaData()).inbox


async def _ignore(uow: Any, batch: Any) -> None:
    return None


def _runner() -> ConsumerRunner:
    return ConsumerRunner(
        group="g",
        bus=cast(Bus, None),  # decoding needs no bus
        uow_factory=lambda: cast(Any, None),
        handlers={ClaimSettledV1: Batched(_ignore)},
        inbox=INBOX,
    )


def _claim() -> ClaimSettledV1:
    return ClaimSettledV1(
        claim_id="C-1",
        person_key="p1",
        id_number="141123196204010011",
        name="王五",
        region_code="141123",
        settlement_date=date(2026, 3, 5),
        diagnosis="肺恶性肿瘤",
        total_cost=Decimal("85000.00"),
        basic_insurance_paid=Decimal("60000.00"),
        critical_illness_paid=Decimal("13000.00"),
        medical_assistance_paid=Decimal("0.00"),
        other_paid=Decimal("0.00"),
        personal_burden=Decimal("12000.00"),
    )


def _record(data: dict[str, Any], *, version: int = 1, topic: str = "tenant." + CLAIMS_SETTLED) -> Delivery:
    envelope = Envelope(
        source="/test",
        type=ClaimSettledV1.event_type,
        subject="p1",
        schemaversion=version,
        correlationid="c",
        data=data,
    )
    return Delivery(topic, 0, 7, "p1", envelope.to_bytes())


def _general(delivery: Delivery) -> tuple[Envelope, Any]:
    envelope = Envelope.from_bytes(delivery.value)
    return envelope, REGISTRY.decode(envelope.type, envelope.schemaversion, envelope.data)


def test_a_current_claim_is_read_in_one_pass_into_what_the_general_decoder_gives() -> None:
    delivery = _record(_claim().model_dump(mode="json"))
    decoded = _runner()._decode(delivery)
    assert isinstance(decoded, Decoded)
    assert type(decoded.envelope) is envelope_with(ClaimSettledV1)  # the one-pass model read it
    envelope, event = _general(delivery)
    assert decoded.event == event == _claim()
    assert decoded.envelope.model_dump(exclude={"data"}) == envelope.model_dump(exclude={"data"})


def test_bad_data_falls_back_and_is_dead_lettered_with_the_general_decoders_words() -> None:
    data = _claim().model_dump(mode="json") | {"total_cost": "-1.00"}
    delivery = _record(data)
    poison = _runner()._decode(delivery)
    assert isinstance(poison, Poison)
    try:
        _general(delivery)
    except ValueError as exc:
        assert poison.error == error_summary(exc)  # the same words, shortened as every dead letter's are
    else:
        raise AssertionError("the general decoder accepted a negative amount")
    assert "total_cost" in poison.error


def test_a_version_this_service_does_not_know_is_not_taken_for_the_current_one() -> None:
    # The data would pass as v1, but the envelope says v2: the general decoder refuses it, as before.
    poison = _runner()._decode(_record(_claim().model_dump(mode="json"), version=2))
    assert isinstance(poison, Poison)
    assert "newer than this service knows" in poison.error


def test_a_topic_with_no_single_handled_contract_takes_the_general_path() -> None:
    delivery = _record(_claim().model_dump(mode="json"), topic="tenant.some.other.topic")
    decoded = _runner()._decode(delivery)
    assert isinstance(decoded, Decoded)
    assert type(decoded.envelope) is Envelope
    assert decoded.event == _claim()
