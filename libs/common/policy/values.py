"""Ratios, sums and limits as pack data, each with its status and source, the way figures carry theirs.

A value in a settlement or subsidy section is written one of these ways:

- a plain number (``"0.80"``, ``"60000.00"``): it takes the section's ``status`` and ``source``;
- ``{value: "0.80", status: unconfirmed, source: "…"}``: its own status and source;
- ``{figure: name, share: "0.25"}`` (sums and limits): a share of a named figure, whose own status also counts;
- ``unlimited`` (limits only), or ``{value: unlimited, status: …, source: …}``: the seed says there is no limit;
- ``{pending: "who must set it"}``: nobody has set it yet. A rule that needs it answers ``PendingValue``
  naming the pack and the value; ``{value: …, status: pending, pending: …}`` is a provisional value in use.

A bare null is refused: "no limit" and "not set yet" are different answers and the pack must say which.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from libs.common.money import NonNegativeYuan
from libs.common.policy.figures import MissingFigure

UNLIMITED = "unlimited"


class Status(StrEnum):
    CONFIRMED = "confirmed"  # quoted from the seed, or checked against the publishing authority
    UNCONFIRMED = "unconfirmed"  # a reading or an operator value not yet checked: used, and named wherever used
    PENDING = "pending"  # nobody has set it; with a provisional value it is used and named, without one it stops


class PendingValue(MissingFigure):
    """A rule needs a pack value that is still pending: names the pack, the value's path and who must set it."""

    def __init__(self, pack_id: str, path: str, pending: str | None) -> None:
        why = f" ({pending})" if pending else ""
        super().__init__(f"pack {pack_id}: {path} is pending{why}")
        self.pack_id = pack_id
        self.path = path
        self.pending = pending

    def error(self) -> dict[str, str]:
        """The problem's ``errors`` entry: the field is the pack value, the rule that it be set."""
        return {"field": f"{self.pack_id}:{self.path}", "rule": "policy_value_set", "message": str(self)}


@dataclass(frozen=True)
class UsedValue:
    """A value a calculation used that is not confirmed: what an explanation must name."""

    pack_id: str
    path: str  # e.g. settlement.assistance[yuecheng-2022-dibao].ratios.inpatient, figures.shanxi_income
    status: Status
    source: str
    value: str  # as used: "0.80", "unlimited", "27426.00"


class _Sourced(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    source: str
    pending: str | None = None  # who must set it, when the status is pending

    @model_validator(mode="after")
    def _pending_says_who(self) -> _Sourced:
        if self.status is Status.PENDING and not self.pending:
            raise ValueError("a pending value must say in 'pending' who sets it")
        if self.pending and self.status is not Status.PENDING:
            raise ValueError("'pending' is only for a value whose status is pending")
        if self.given() is None and self.status is not Status.PENDING:
            raise ValueError("a value that is not given is pending: write {pending: who sets it}")
        return self

    def given(self) -> object:
        """The value as written (a number, a figure name, 'unlimited'), or None when there is none yet."""
        raise NotImplementedError


class Ratio(_Sourced):
    """A fraction ("0.70" = 70%)."""

    value: Decimal | None = None

    def given(self) -> object:
        return self.value

    @model_validator(mode="after")
    def _fraction(self) -> Ratio:
        if self.value is not None and not Decimal(0) <= self.value <= Decimal(1):
            raise ValueError(f"a ratio is a fraction between 0 and 1, got {self.value}")
        return self


class _Quantity(_Sourced):
    figure: str | None = None  # a share of this named figure for the year in question
    share: Decimal = Decimal(1)

    @model_validator(mode="after")
    def _value_or_figure(self) -> _Quantity:
        if getattr(self, "value", None) is not None and self.figure is not None:
            raise ValueError("a value is either a number or a 'figure' (with an optional 'share'), not both")
        if self.share <= 0:
            raise ValueError("share must be positive")
        return self

    def given(self) -> object:
        value: object = getattr(self, "value", None)
        return value if value is not None else self.figure


class Sum(_Quantity):
    """An amount in yuan: fixed, or a share of a named figure."""

    value: NonNegativeYuan | None = None


class Limit(_Quantity):
    """A yearly limit or cap: an amount, a share of a figure, or ``unlimited`` when the seed says there is none."""

    value: NonNegativeYuan | Literal["unlimited"] | None = None


def inherit(data: Any, names: Iterable[str], maps: Iterable[str] = (), optional: Iterable[str] = ()) -> Any:
    """Give each value of a section the section's status and source unless it carries its own.

    For a pydantic ``mode="before"`` validator: ``names`` are the section's value fields, ``maps`` its fields
    holding a mapping of values (ratios by visit type), ``optional`` those that may be left out (null there means
    left out; the section says when one is needed). An explicit null anywhere else is refused, naming the field,
    and so is a plain value in a section that states no status.
    """
    if not isinstance(data, Mapping):
        return data
    out = dict(data)
    status, source = out.get("status"), out.get("source")
    if status == Status.PENDING:
        raise ValueError("a section's status is confirmed or unconfirmed; mark a single value {pending: who sets it}")

    def one(name: str, value: Any) -> Any:
        if value is None:
            raise ValueError(
                f"{name}: null is not a value — write a number, `unlimited` (for a limit) or {{pending: who sets it}}"
            )
        if isinstance(value, _Sourced):
            return value
        filled = dict(value) if isinstance(value, Mapping) else {"value": value}
        if "status" not in filled:
            if "pending" in filled:
                filled["status"] = Status.PENDING
            elif status is None:
                raise ValueError(
                    f"{name}: a value without its own status takes the section's — give the section a `status` "
                    "(confirmed or unconfirmed), or the value {value, status, source}"
                )
            else:
                filled["status"] = status
        filled.setdefault("source", source)
        return filled

    skip = set(optional)
    for name in names:
        if name in out and not (name in skip and out[name] is None):
            out[name] = one(name, out[name])
    for name in maps:
        if isinstance(out.get(name), Mapping):
            out[name] = {key: one(f"{name}.{key}", value) for key, value in out[name].items()}
    return out


def walk(node: object, path: str = "") -> Iterator[tuple[str, _Sourced]]:
    """Every ratio, sum and limit under a pack section, with its path (items of a list by their ``id``)."""
    if isinstance(node, _Sourced):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from walk(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, tuple):
        for index, item in enumerate(node):
            yield from walk(item, f"{path}[{getattr(item, 'id', index)}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from walk(item, f"{path}.{key}")
