"""居民身份证号码 (GB 11643-1999): validation, masking and pseudonymous keys.

The number is personal data (DOMAIN.md): show it masked wherever the full number is not needed,
and never put it in an error message, a log line or a message-broker key.
"""

from __future__ import annotations

import hmac
import logging
import operator
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator

from libs.common.clock import china_today
from libs.common.rules import RuleViolation

__all__ = [
    "IdMaskingFilter",
    "InvalidIdNumber",
    "Rule",
    "check_digit",
    "make_id_number",
    "mask_id_number",
    "mask_id_numbers_in_text",
    "person_key",
    "validate_id_number",
]

Rule = Literal["length", "digits", "region", "birth_date", "check_digit"]

# Province-level codes (GB/T 2260). 71 = Taiwan, 81/82 = Hong Kong/Macau; 83 is also accepted
# because 港澳台居民居住证 numbers for Taiwan residents start with 830000 (same 18-digit format).
_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82", "83"}
)
# ISO 7064 MOD 11-2 as laid down in GB 11643-1999: weight i = 2^(17-i) mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ASCII_ZERO_OFFSET = ord("0") * sum(_WEIGHTS)
_EARLIEST_BIRTH = date(1900, 1, 1)
# 17 digits + digit/X, not glued to other digits: a 19-digit bank card number must stay intact.
_ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_WHITESPACE = re.compile(r"\s+")


class InvalidIdNumber(RuleViolation):
    """An ID number failed one rule; ``rule`` is a short machine code for APIs and metrics."""

    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(rule, message)
        self.rule: Rule = rule


def check_digit(first17: str) -> str:
    """The GB 11643 check character for 17 digits."""
    if len(first17) != 17:
        raise ValueError("check_digit needs exactly 17 digits")
    # Summed over the ASCII codes in C (a county roster validates 100,000 of these), then the "0" offset
    # (48 × the sum of the weights) taken back out.
    total = sum(map(operator.mul, first17.encode("ascii"), _WEIGHTS)) - _ASCII_ZERO_OFFSET
    return _CHECK_CHARS[total % 11]


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Return the normalised number (no spaces, upper-case X) or raise ``InvalidIdNumber``.

    ``today`` bounds the birth date; injectable for tests.
    """
    number = _normalise(value)
    # Messages never echo the number: they end up in API responses and logs.
    if len(number) != 18:
        raise InvalidIdNumber("length", f"身份证号码应为18位 / must be 18 characters, got {len(number)}")
    if not (number[:17].isascii() and number[:17].isdigit() and number[17] in "0123456789X"):
        raise InvalidIdNumber(
            "digits", "前17位须为数字，末位为数字或X / first 17 must be digits, the last a digit or X"
        )
    if number[:2] not in _PROVINCES:
        raise InvalidIdNumber("region", "地址码无效 / unknown province in region code")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date", "出生日期无效 / birth date is not a real date") from None
    if not _EARLIEST_BIRTH <= birth <= (today or china_today()):
        raise InvalidIdNumber("birth_date", "出生日期超出范围 / birth date before 1900-01-01 or in the future")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber("check_digit", "校验码错误 / check digit mismatch")
    return number


def mask_id_number(value: str) -> str:
    """``140102********1234`` for 18 characters; otherwise all but the last 4 masked. Never raises."""
    number = _normalise(value)
    if len(number) == 18:
        return f"{number[:6]}{'*' * 8}{number[-4:]}"
    if len(number) <= 4:
        # Showing "the last 4" of a 4-character value would show all of it.
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def mask_id_numbers_in_text(text: str) -> str:
    """Mask every ID-like 18-character token in free text (check digit not verified, on purpose)."""
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)


class IdMaskingFilter(logging.Filter):
    """Masks ID numbers in log records.

    Attach it to handlers: a filter on a logger does not see records propagated from child loggers.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # A broken format string must not bypass masking when the handler reports the error.
            message = f"{record.msg} {record.args}"
        record.msg = mask_id_numbers_in_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse a cached exc_text, so masking it here covers the traceback too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers_in_text(record.stack_info)
        return True


def person_key(id_number: str, secret: bytes, *, validated: bool = False) -> str:
    """Stable pseudonymous key for a person (event subjects, Kafka keys): 32 hex chars.

    Keyed HMAC, not a plain hash: ID numbers have little entropy (region x birth date x 1000
    sequence numbers, check digit implied), so sha256(number) is reversed by enumeration in
    minutes, and these keys are visible in broker tools, dashboards and logs.
    """
    if not secret:
        raise ValueError("person_key needs a non-empty secret")
    # ``validated``: the caller passes the output of validate_id_number (a bulk import checks each number once).
    number = id_number if validated else validate_id_number(id_number)
    # hmac.digest: the one-shot C path, a third of hmac.new(...).hexdigest()'s cost, same bytes.
    return hmac.digest(secret, number.encode("ascii"), "sha256").hex()[:32]


def make_id_number(region: str, birth: date, seq: int) -> str:
    """Build a valid number for tests and fixtures (seq 0–999; odd = male, even = female)."""
    if len(region) != 6 or not region.isascii() or not region.isdigit():
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be 0..999, got {seq}")
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def _normalise(value: str) -> str:
    # Most numbers arrive clean (letters and digits only): no regular expression for those.
    number = value if value.isalnum() else _WHITESPACE.sub("", value)
    if number.endswith("x"):
        number = number[:-1] + "X"
    return number


# For request models: validates and normalises; the error's ``rule`` reaches the problem document.
IdNumber = Annotated[str, AfterValidator(validate_id_number)]
