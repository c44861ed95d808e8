"""A broken input rule with a machine-readable name, so an error response can say which rule failed."""

from __future__ import annotations


class RuleViolation(ValueError):
    """ValueError (so pydantic reports it as a validation error) carrying ``rule``, e.g. "two_decimals"."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
