"""Published contracts: registry coverage of the topics, the envelope, upcasting, money on the wire."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from libs.common.messaging.contracts import REGISTRY, Contract, ContractRegistry, UnknownEventType
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.topics import PUBLISHED_TOPICS

# --- the shipped registry ----------------------------------------------------------------------------


def test_registry_is_not_empty() -> None:
    assert len(REGISTRY.models()) >= len(PUBLISHED_TOPICS)


@pytest.mark.parametrize("model", REGISTRY.models(), ids=lambda m: f"{m.__name__}")
def test_every_contract_is_well_formed(model: type[Contract]) -> None:
    assert model.topic in PUBLISHED_TOPICS
    assert model.event_type.startswith("cn.safetynet.")
    assert model.version >= 1
    assert model.summary.strip()
    assert model.model_config.get("frozen") is True
    assert REGISTRY.latest(model.event_type).version >= model.version


@pytest.mark.parametrize("topic", PUBLISHED_TOPICS)
def test_every_topic_has_a_contract(topic: str) -> None:
    assert any(m.topic == topic for m in REGISTRY.models())


def test_registering_twice_is_refused() -> None:
    registry = ContractRegistry()
    registry.register(ClaimSettledV1)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(ClaimSettledV1)


# --- envelope ----------------------------------------------------------------------------------------


def _envelope() -> Envelope:
    return Envelope(
        source="/safetynet/assistance",
        type="cn.safetynet.claims.settled",
        subject="pk-0001",
        time=datetime(2026, 3, 5, 8, 30, tzinfo=UTC),
        schemaversion=1,
        correlationid="corr-1",
        causationid="cause-1",
        data={"claim_id": "C-1", "amount": "12.50", "nested": {"list": [1, 2]}},
    )


def test_envelope_round_trip() -> None:
    original = _envelope()
    decoded = Envelope.from_bytes(original.to_bytes())
    assert decoded == original
    assert decoded.id == original.id
    assert decoded.time == datetime(2026, 3, 5, 8, 30, tzinfo=UTC)
    assert decoded.specversion == "1.0"


def test_envelope_ids_are_unique() -> None:
    assert _envelope().id != _envelope().id


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe\x00", b""])
def test_from_bytes_rejects_non_json(raw: bytes) -> None:
    with pytest.raises(ValueError, match="not JSON"):
        Envelope.from_bytes(raw)


def test_from_bytes_rejects_missing_subject() -> None:
    obj = _envelope().model_dump(mode="json")
    del obj["subject"]
    with pytest.raises(ValueError, match="subject"):
        Envelope.from_bytes(json.dumps(obj).encode())


@pytest.mark.parametrize("raw", [b"[1, 2]", b"null", b'{"specversion": "1.0"}'])
def test_from_bytes_rejects_json_that_is_not_an_envelope(raw: bytes) -> None:
    with pytest.raises(ValueError):
        Envelope.from_bytes(raw)


def test_from_bytes_rejects_unknown_field() -> None:
    raw = _envelope().to_bytes().replace(b'"subject":', b'"extra":1,"subject":')
    with pytest.raises(ValueError, match="extra"):
        Envelope.from_bytes(raw)


# --- upcasting, on a registry of test-only contracts ----------------------------------------------


class TestThingV1(Contract):
    __test__ = False  # not a pytest test class
    event_type: ClassVar[str] = "test.thing"
    version: ClassVar[int] = 1
    topic: ClassVar[str] = "test.things"
    summary: ClassVar[str] = "a test thing"

    colour: str


class TestThingV2(Contract):
    __test__ = False
    event_type: ClassVar[str] = "test.thing"
    version: ClassVar[int] = 2
    topic: ClassVar[str] = "test.things"
    summary: ClassVar[str] = "a test thing, field renamed"

    color: str


def _rename_colour(data: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in data.items() if k != "colour"}
    return rest | {"color": data["colour"]}


@pytest.fixture
def registry() -> ContractRegistry:
    registry = ContractRegistry()
    registry.register(TestThingV1)
    registry.register(TestThingV2)
    registry.register_upcaster("test.thing", 1, _rename_colour)
    return registry


def test_decode_upcasts_v1_to_v2(registry: ContractRegistry) -> None:
    thing = registry.decode("test.thing", 1, {"colour": "red"})
    assert isinstance(thing, TestThingV2)
    assert thing.color == "red"


def test_decode_latest_version_needs_no_upcaster(registry: ContractRegistry) -> None:
    thing = registry.decode("test.thing", 2, {"color": "blue"})
    assert thing == TestThingV2(color="blue")


def test_decode_validates_against_the_newest_model(registry: ContractRegistry) -> None:
    with pytest.raises(ValidationError, match="colour"):
        registry.decode("test.thing", 2, {"colour": "red"})  # labelled v2 but in v1 shape


def test_decode_newer_version_than_known(registry: ContractRegistry) -> None:
    with pytest.raises(ValueError, match="newer"):
        registry.decode("test.thing", 3, {"color": "red"})


def test_decode_missing_upcaster() -> None:
    registry = ContractRegistry()
    registry.register(TestThingV1)
    registry.register(TestThingV2)
    with pytest.raises(LookupError, match=r"no upcaster for test\.thing v1 -> v2"):
        registry.decode("test.thing", 1, {"colour": "red"})


def test_decode_unknown_type(registry: ContractRegistry) -> None:
    with pytest.raises(UnknownEventType):
        registry.decode("test.other", 1, {})


def test_decode_unregistered_old_version(registry: ContractRegistry) -> None:
    with pytest.raises(UnknownEventType):
        registry.decode("test.thing", 0, {})


def test_latest(registry: ContractRegistry) -> None:
    assert registry.latest("test.thing") is TestThingV2
    assert [m.version for m in registry.models()] == [1, 2]


# --- money on the wire -------------------------------------------------------------------------------


def _claim(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "claim_id": "C-1",
        "person_key": "pk-0001",
        "id_number": "11010519491231002X",
        "name": "张三",
        "region_code": "141123",
        "settlement_date": date(2024, 3, 5),
        "diagnosis": "肺恶性肿瘤",
        "total_cost": "85000",
        "basic_insurance_paid": Decimal("50000"),
        "critical_illness_paid": 15000,
        "medical_assistance_paid": "8000.5",
        "other_paid": "0",
        "personal_burden": "11999.50",
    }
    return fields | overrides


def test_claim_settled_money_is_two_decimal_strings_in_json() -> None:
    dumped = ClaimSettledV1.model_validate(_claim()).model_dump(mode="json")
    assert dumped["total_cost"] == "85000.00"
    assert dumped["basic_insurance_paid"] == "50000.00"
    assert dumped["critical_illness_paid"] == "15000.00"
    assert dumped["medical_assistance_paid"] == "8000.50"
    assert dumped["other_paid"] == "0.00"
    assert dumped["personal_burden"] == "11999.50"
    assert dumped["in_policy_self_pay"] is None
    assert dumped["settlement_date"] == "2024-03-05"


def test_claim_settled_python_dump_keeps_decimal() -> None:
    claim = ClaimSettledV1.model_validate(_claim())
    assert claim.total_cost == Decimal("85000.00")
    assert isinstance(claim.model_dump()["total_cost"], Decimal)


def test_claim_settled_json_round_trip() -> None:
    claim = ClaimSettledV1.model_validate(_claim())
    assert ClaimSettledV1.model_validate_json(claim.model_dump_json()) == claim


@pytest.mark.parametrize("field", ["total_cost", "personal_burden", "self_expense"])
def test_claim_settled_rejects_negative_amount(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        ClaimSettledV1.model_validate(_claim(**{field: "-0.01"}))


def test_claim_settled_rejects_three_decimals() -> None:
    with pytest.raises(ValidationError, match="total_cost"):
        ClaimSettledV1.model_validate(_claim(total_cost="1.005"))


def test_claim_settled_is_frozen() -> None:
    claim = ClaimSettledV1.model_validate(_claim())
    with pytest.raises(ValidationError):
        claim.total_cost = Decimal("1.00")  # type: ignore[misc]
