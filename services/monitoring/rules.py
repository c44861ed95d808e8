"""The warning rules that apply to a claim: its county's packs on its date (cached), evaluated, gaps logged once."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from libs.common.categories import Category
from libs.common.policy import NoPolicy, PolicyBook, PolicyPack
from services.monitoring import domain

log = logging.getLogger(__name__)


class Rules:
    """The packs whose warning rules apply to a county on a date, looked up once per county and date."""

    def __init__(self, book: PolicyBook) -> None:
        self._book = book
        self._cache: dict[tuple[str, date], list[PolicyPack]] = {}
        self._reported: set[str] = set()  # a missing figure is logged once, not for every claim it leaves unchecked
        self._floors: dict[tuple[str, date, frozenset[Category]], Decimal | None] = {}

    def packs(self, county: str, on: date) -> list[PolicyPack]:
        key = (county, on)
        if len(self._cache) > 50_000:  # counties × days seen; a long-running consumer must not grow without end
            self._cache.clear()
        if key not in self._cache:
            try:
                self._cache[key] = self._book.monitoring_packs(county, on)
            except NoPolicy as exc:
                log.warning("claims of %s on %s counted but not evaluated: %s", county, on, exc)
                self._cache[key] = []
        return self._cache[key]

    def evaluate(
        self, county: str, on: date, held: frozenset[Category], parts: domain.BurdenParts, year: int
    ) -> tuple[domain.Warning, ...]:
        packs = self.packs(county, on)
        if not packs:
            return ()
        result = domain.evaluate(packs, held, parts, year)
        for missing in result.missing:
            self._report(missing)
        return result.warnings

    def floor(self, county: str, on: date, held: frozenset[Category]) -> Decimal | None:
        """The lowest line of any rule that applies to a person holding ``held`` in ``county`` on ``on`` (None: no
        rule can be evaluated). A year's burden below it raises nothing, whatever the rules measure."""
        key = (county, on, held)
        if key in self._floors:
            return self._floors[key]
        if len(self._floors) > 50_000:  # as for the packs: counties × days × category sets seen
            self._floors.clear()
        found = domain.lowest_line(self.packs(county, on), held, domain.burden_year(on))
        for missing in found.missing:
            self._report(missing)
        self._floors[key] = found.line
        return found.line

    def _report(self, missing: str) -> None:
        if missing not in self._reported:
            self._reported.add(missing)
            log.warning("claims counted but this rule not evaluated until the figure is set: %s", missing)
