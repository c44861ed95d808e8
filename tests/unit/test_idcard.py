"""GB 11643-1999 ID numbers: validation, masking, log filter, pseudonymous keys."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.common.idcard import (
    IdMaskingFilter,
    InvalidIdNumber,
    check_digit,
    make_id_number,
    mask_id_number,
    mask_id_numbers_in_text,
    person_key,
    validate_id_number,
)
from tests.conftest import TEST_TODAY

# The example from GB 11643-1999 itself, checked by hand:
#   digits   1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
#   weights  7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
#   products 7  9  0  5  0 20  2  9 24 27  7 18 30  5  0  0  4  -> sum 167
#   167 mod 11 = 2 (11 x 15 = 165) -> map "1 0 X 9 8 7 6 5 4 3 2"[2] = X
KNOWN_VALID = "11010519491231002X"
OTHER_VALID = make_id_number("140102", date(1990, 1, 1), 123)  # 140102199001011239


def test_known_valid_number() -> None:
    assert check_digit(KNOWN_VALID[:17]) == "X"
    assert validate_id_number(KNOWN_VALID) == KNOWN_VALID
    assert OTHER_VALID == "140102199001011239"
    assert validate_id_number(OTHER_VALID) == OTHER_VALID


def test_normalises_lowercase_x_and_spaces() -> None:
    assert validate_id_number(" 110105 19491231 002x ") == KNOWN_VALID


def rule_of(value: str, today: date | None = None) -> str:
    with pytest.raises(InvalidIdNumber) as info:
        validate_id_number(value, today=today)
    assert isinstance(info.value, ValueError)
    return info.value.rule


def test_wrong_check_digit() -> None:
    assert rule_of(KNOWN_VALID[:17] + "1") == "check_digit"
    with pytest.raises(InvalidIdNumber, match="校验码错误 / check digit mismatch"):
        validate_id_number(KNOWN_VALID[:17] + "1")


def test_impossible_birth_date() -> None:
    first17 = "110105" + "19990230" + "002"  # 30 February
    assert rule_of(first17 + check_digit(first17)) == "birth_date"


def test_future_birth_date() -> None:
    number = make_id_number("110105", date(2026, 6, 2), 2)
    assert rule_of(number, today=date(2026, 6, 1)) == "birth_date"
    assert validate_id_number(number, today=date(2026, 6, 2)) == number  # born today is fine


def test_birth_before_1900() -> None:
    # The 1880 example of GB 11643 has a correct check digit but is outside our range.
    assert check_digit("44052418800101001") == "4"
    assert rule_of("440524188001010014") == "birth_date"


@pytest.mark.parametrize("value", ["", "11010519491231002", "11010519491231002X0", "110105491231002"])
def test_bad_length(value: str) -> None:
    assert rule_of(value) == "length"


@pytest.mark.parametrize("value", ["11010519491231002A", "X10105194912310021", "１10105194912310021"])
def test_non_digits(value: str) -> None:
    assert rule_of(value) == "digits"


@pytest.mark.parametrize("region", ["000000", "160101", "990101", "720000"])
def test_unknown_province(region: str) -> None:
    assert rule_of(make_id_number(region, date(1990, 1, 1), 1)) == "region"


def test_error_message_does_not_leak_number() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        validate_id_number(KNOWN_VALID[:17] + "1")
    assert KNOWN_VALID[:17] not in str(info.value)


# --- masking -----------------------------------------------------------------------------------


def test_mask_id_number() -> None:
    assert mask_id_number(OTHER_VALID) == "140102********1239"
    assert mask_id_number("11010519491231002x") == "110105********002X"
    assert mask_id_number("1234567890") == "******7890"
    assert mask_id_number("123") == "***"
    assert mask_id_number("") == ""


def test_mask_in_text_two_numbers() -> None:
    text = f"申请人{KNOWN_VALID}，配偶 {OTHER_VALID.lower()}。"
    assert mask_id_numbers_in_text(text) == "申请人110105********002X，配偶 140102********1239。"


def test_mask_in_text_leaves_longer_digit_runs() -> None:
    card = "6222021234567890123"  # 19 digits, e.g. a bank card
    assert mask_id_numbers_in_text(f"card {card} end") == f"card {card} end"
    assert mask_id_numbers_in_text("12345678901234567") == "12345678901234567"  # 17 digits


@pytest.fixture
def masked_logger(caplog: pytest.LogCaptureFixture) -> Iterator[logging.Logger]:
    mask_filter = IdMaskingFilter()
    caplog.handler.addFilter(mask_filter)
    caplog.set_level(logging.INFO, logger="test.idcard")
    yield logging.getLogger("test.idcard")
    caplog.handler.removeFilter(mask_filter)


def test_logging_filter(masked_logger: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    masked_logger.info("person %s enrolled, spouse %s", KNOWN_VALID, OTHER_VALID)
    masked_logger.info("plain %d%%", 5)
    assert [r.getMessage() for r in caplog.records] == [
        "person 110105********002X enrolled, spouse 140102********1239",
        "plain 5%",
    ]
    assert KNOWN_VALID not in caplog.text
    assert OTHER_VALID not in caplog.text


def test_logging_filter_masks_tracebacks(masked_logger: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise RuntimeError(f"lookup failed for {OTHER_VALID}")
    except RuntimeError:
        masked_logger.exception("lookup failed")
    assert "140102********1239" in caplog.text
    assert OTHER_VALID not in caplog.text


# --- person_key --------------------------------------------------------------------------------


def test_person_key_stable_and_secret_dependent() -> None:
    key = person_key(KNOWN_VALID, b"secret-a")
    assert len(key) == 32
    assert int(key, 16) >= 0
    assert person_key("11010519491231002x", b"secret-a") == key  # normalised first
    assert person_key(KNOWN_VALID, b"secret-b") != key
    assert person_key(OTHER_VALID, b"secret-a") != key
    assert KNOWN_VALID not in key


def test_person_key_is_the_first_32_hex_digits_of_hmac_sha256() -> None:
    # Keys already sent to partners must not change when the computation is made faster.
    expected = hmac.new(b"secret-a", KNOWN_VALID.encode("ascii"), hashlib.sha256).hexdigest()[:32]
    assert person_key(KNOWN_VALID, b"secret-a") == person_key(KNOWN_VALID, b"secret-a", validated=True) == expected


def test_person_key_rejects_invalid_number_and_empty_secret() -> None:
    with pytest.raises(InvalidIdNumber):
        person_key(KNOWN_VALID[:17] + "1", b"secret")
    with pytest.raises(ValueError, match="non-empty secret"):
        person_key(KNOWN_VALID, b"")


# --- generated numbers -------------------------------------------------------------------------

_PROVINCE_CODES = ["11", "14", "15", "23", "37", "44", "50", "54", "65", "71", "81", "82", "83"]


@given(
    province=st.sampled_from(_PROVINCE_CODES),
    rest=st.integers(min_value=0, max_value=9999),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TEST_TODAY),
    seq=st.integers(min_value=0, max_value=999),
)
def test_generated_numbers_validate_and_mask(province: str, rest: int, birth: date, seq: int) -> None:
    number = make_id_number(f"{province}{rest:04d}", birth, seq)
    assert validate_id_number(number) == number
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked == number[:6] + "********" + number[-4:]


@pytest.mark.parametrize(("region", "seq"), [("14010", 1), ("14010a", 1), ("140102", 1000), ("140102", -1)])
def test_make_id_number_rejects_bad_input(region: str, seq: int) -> None:
    with pytest.raises(ValueError):
        make_id_number(region, date(1990, 1, 1), seq)
