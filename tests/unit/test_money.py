"""Yuan amounts: one rounding rule, strict parsing, pydantic JSON round trip and schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from libs.common.money import FEN, NonNegativeYuan, Yuan, format_yuan, parse_non_negative_yuan, parse_yuan, to_yuan
from libs.common.rules import RuleViolation


class Claim(BaseModel):
    total: Yuan
    burden: NonNegativeYuan


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.005"), "0.01"),
        (Decimal("2.675"), "2.68"),  # a float 2.675 is 2.67499999..., the reason floats are banned
        (Decimal("2.674"), "2.67"),
        (Decimal("-0.005"), "-0.01"),  # halves away from zero, as 四舍五入 on the absolute amount
        (Decimal("-0.004"), "0.00"),  # no "-0.00"
        (12, "12.00"),
        ("85000", "85000.00"),
        (" 1.5 ", "1.50"),
    ],
)
def test_to_yuan_rounds_half_up(value: Decimal | int | str, expected: str) -> None:
    result = to_yuan(value)
    assert result == Decimal(expected)
    assert str(result) == expected
    assert result.as_tuple().exponent == FEN.as_tuple().exponent


@pytest.mark.parametrize("value", [2.675, 1.0, True])
def test_to_yuan_rejects_float_and_bool(value: Any) -> None:
    with pytest.raises(TypeError):
        to_yuan(value)


@pytest.mark.parametrize("value", ["abc", "1e3", "1_000", "１２", "NaN", ""])
def test_to_yuan_rejects_non_plain_strings(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain decimal amount"):
        to_yuan(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.3", "12.30"),
        ("12.300", "12.30"),  # trailing zeros lose nothing
        (7, "7.00"),
        (Decimal("0.01"), "0.01"),
        (12.3, "12.30"),  # float whose repr has <= 2 decimals
        (1e11, "100000000000.00"),  # a float this large still has its two decimals exact
        ("-5", "-5.00"),
    ],
)
def test_parse_yuan_accepts(value: object, expected: str) -> None:
    assert str(parse_yuan(value)) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.345", "at most 2 decimal places / 金额最多两位小数"),
        (Decimal("0.001"), "at most 2 decimal places"),
        (0.1 + 0.2, "at most 2 decimal places"),  # repr 0.30000000000000004
        (1e-5, "at most 2 decimal places"),
        (1.5e13, "must be sent as strings"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (Decimal("NaN"), "finite"),
        (Decimal("-Infinity"), "finite"),
        ("Infinity", "not a plain decimal amount"),
        (True, "boolean"),
        (None, "expected a number or a string"),
        ([1], "expected a number or a string"),
    ],
)
def test_parse_yuan_rejects(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_yuan(value)


def test_format_yuan() -> None:
    assert format_yuan(Decimal("85000")) == "85000.00"
    assert format_yuan(Decimal("1E+5")) == "100000.00"  # never scientific notation
    assert format_yuan(Decimal("0.125")) == "0.13"


def test_model_json_round_trip() -> None:
    claim = Claim.model_validate_json('{"total": 12.3, "burden": "6000.5"}')
    assert claim.total == Decimal("12.30")
    assert claim.burden == Decimal("6000.50")
    dumped = claim.model_dump_json()
    assert dumped == '{"total":"12.30","burden":"6000.50"}'
    assert Claim.model_validate_json(dumped) == claim
    # Python mode keeps Decimal for arithmetic.
    assert claim.model_dump() == {"total": Decimal("12.30"), "burden": Decimal("6000.50")}


def test_model_rejects_three_decimals() -> None:
    with pytest.raises(ValidationError, match="金额最多两位小数"):
        Claim(total="1.234", burden=0)


def test_non_negative_yuan_rejects_negatives() -> None:
    with pytest.raises(ValidationError, match="must be >= 0 / 金额不能为负"):
        Claim(total="-1", burden="-0.01")
    assert Claim(total="-1", burden="-0.00").burden == Decimal("0.00")


def test_json_schema() -> None:
    out = Claim.model_json_schema(mode="serialization")["properties"]
    assert out["total"]["type"] == "string"
    assert out["total"]["pattern"] == r"^-?\d+\.\d{2}$"
    assert out["burden"]["pattern"] == r"^\d+\.\d{2}$"
    inp = Claim.model_json_schema(mode="validation")["properties"]
    assert {s["type"] for s in inp["total"]["anyOf"]} == {"number", "string"}
    assert {"type": "number", "minimum": 0} in inp["burden"]["anyOf"]


@pytest.mark.parametrize("value", ["1000000000000.00", "9999999999999.00", "1000000000000", 10**12, Decimal("1e12")])
def test_an_amount_of_a_trillion_yuan_or_more_is_refused_before_it_reaches_a_numeric_14_2_column(value: object) -> None:
    # NUMERIC(14, 2) holds 12 integer digits: 999,999,999,999.99 is the largest amount; 9,999,999,999,999.00 (13
    # digits) was accepted here and failed in PostgreSQL with "numeric field overflow", a 500 for POST /claims.
    with pytest.raises(RuleViolation) as refused:
        parse_non_negative_yuan(value)
    assert refused.value.rule == "amount_too_large"


def test_the_largest_amount_a_column_holds_is_taken() -> None:
    assert parse_non_negative_yuan("999999999999.99") == Decimal("999999999999.99")
