"""One short line for an error that leaves the process (a dead letter's ``dlq-error`` header, a warning): the class,
the SQLSTATE if any, and the first line of the driver's own message.

Never the statement or its parameters: SQLAlchemy's ``str()`` of an error appends ``[SQL: …]`` and
``[parameters: …]``, which carry ID numbers and names to whoever reads the dead-letter topic or the logs. A
driver's DETAIL line ("Key (claim_id)=(…) already exists") carries values too, so only the first line is kept; a
validation error keeps where and what failed, not the input it failed on.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.exc import StatementError

from libs.common.outages import sqlstate

MAX_LENGTH = 300


def error_summary(exc: BaseException) -> str:
    """``Class [SQLSTATE]: first line of the message``, at most ``MAX_LENGTH`` characters."""
    name = type(exc).__name__
    code = sqlstate(exc)
    head = f"{name} [{code}]" if code else name
    text = _message(exc)
    line = f"{head}: {text}" if text else head
    return line if len(line) <= MAX_LENGTH else line[: MAX_LENGTH - 1] + "…"


def _message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        )
    if isinstance(exc, StatementError):  # the driver's message, without SQLAlchemy's statement and parameters
        driver = exc.orig
        text = str(getattr(driver, "message", None) or driver or "")
    else:
        text = str(exc)
    return _first_line(text)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
