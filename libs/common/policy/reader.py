"""How a calculation reads its pack: every ratio, sum and limit through one reader, so no status gets lost.

A step of the settlement engine or the subsidy calculator makes a ``Reader``, reads each value it uses through
it, and hands ``reader.used`` to its ``Step``: every value that is not confirmed (an unconfirmed reading, a
provisional pending value, an unconfirmed figure) reaches the explanation with its pack, path, status and
source. A value still pending without a provisional value stops the calculation (``PendingValue``).
"""

from __future__ import annotations

from decimal import Decimal

from libs.common.money import format_yuan, to_yuan
from libs.common.policy.figures import Amount
from libs.common.policy.pack import PolicyPack
from libs.common.policy.values import UNLIMITED, Limit, PendingValue, Ratio, Status, Sum, UsedValue


class Reader:
    def __init__(self, pack: PolicyPack, year: int) -> None:
        self.pack = pack
        self.year = year
        self._used: dict[str, UsedValue] = {}

    @property
    def used(self) -> tuple[UsedValue, ...]:
        """The values read that are not confirmed, in the order first read."""
        return tuple(self._used.values())

    def ratio(self, path: str, ratio: Ratio) -> Decimal:
        value = self._given(path, ratio)
        assert isinstance(value, Decimal)
        self._note(path, ratio.status, ratio.source, str(value))
        return value

    def sum(self, path: str, amount: Sum) -> Decimal:
        if amount.figure is not None:
            return self._share_of_figure(path, amount)
        value = self._given(path, amount)
        assert isinstance(value, Decimal)
        self._note(path, amount.status, amount.source, format_yuan(value))
        return value

    def limit(self, path: str, limit: Limit) -> Decimal | None:
        """The limit in yuan, or None when it is ``unlimited``."""
        if limit.figure is not None:
            return self._share_of_figure(path, limit)
        value = self._given(path, limit)
        if isinstance(value, str):  # the only text a limit takes is "unlimited"
            self._note(path, limit.status, limit.source, UNLIMITED)
            return None
        self._note(path, limit.status, limit.source, format_yuan(value))
        return value

    def figure(self, name: str) -> Decimal:
        """A named figure for the reader's year (MissingFigure names it when the year has no value)."""
        value = self.pack.amount(Amount(figure=name), self.year)
        figure = self.pack.figures[name]
        status = Status.CONFIRMED if figure.confirmed else Status.UNCONFIRMED
        self._note(f"figures.{name}", status, figure.source, f"{format_yuan(value)} ({self.year})")
        return value

    def _share_of_figure(self, path: str, quantity: Sum | Limit) -> Decimal:
        assert quantity.figure is not None
        base = self.figure(quantity.figure)
        value = to_yuan(base * quantity.share)
        self._note(path, quantity.status, quantity.source, f"{quantity.figure} × {quantity.share} = {value}")
        return value

    def _given(self, path: str, value: Ratio | Sum | Limit) -> Decimal | str:
        given = value.value
        if given is None:
            raise PendingValue(self.pack.id, path, value.pending)
        return given

    def _note(self, path: str, status: Status, source: str, value: str) -> None:
        if status is not Status.CONFIRMED and path not in self._used:
            self._used[path] = UsedValue(self.pack.id, path, status, source, value)
