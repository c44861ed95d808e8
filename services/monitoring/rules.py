"""The warning rules that apply to a claim: its county's packs on its date (cached), evaluated, gaps logged once."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal

from libs.common.categories import Category
from libs.common.policy import NoPolicy, PolicyBook, PolicyPack
from libs.common.policy.book import GoverningMonitoring
from services.monitoring import domain

log = logging.getLogger(__name__)


class Rules:
    """The packs whose warning rules apply to a county on a date, looked up once per county and date.

    The book changes while the service runs (an operator enters a figure or a pack): every cache here is of one
    book version and is dropped when the book moves on."""

    def __init__(self, book: PolicyBook) -> None:
        self._book = book
        self._version = book.version
        self._cache: dict[tuple[str, date], GoverningMonitoring] = {}
        self._reported: set[str] = set()  # a missing figure is logged once, not for every claim it leaves unchecked
        self._lowest: dict[tuple[str, date, frozenset[Category]], domain.LowestLine] = {}

    def _current(self) -> None:
        if self._book.version != self._version:
            self._cache.clear()
            self._lowest.clear()
            self._reported.clear()
            self._version = self._book.version

    def packs(self, county: str, on: date) -> list[PolicyPack]:
        return self._governing(county, on).packs

    def _governing(self, county: str, on: date) -> GoverningMonitoring:
        """The packs of the claim's date; a pack that ended with no successor is carried forward (and its warnings
        say so), so a region whose notice ran out is still watched."""
        self._current()
        key = (county, on)
        if len(self._cache) > 50_000:  # counties × days seen; a long-running consumer must not grow without end
            self._cache.clear()
        if key not in self._cache:
            try:
                self._cache[key] = self._book.governing_monitoring(county, on)
            except NoPolicy as exc:
                log.warning("claims of %s on %s counted but not evaluated: %s", county, on, exc)
                self._cache[key] = GoverningMonitoring([], False)
        return self._cache[key]

    def evaluate(
        self, county: str, on: date, held: frozenset[Category], parts: domain.BurdenParts, year: int
    ) -> tuple[domain.Warning, ...]:
        return self.evaluation(county, on, held, parts, year).warnings

    def evaluation(
        self, county: str, on: date, held: frozenset[Category], parts: domain.BurdenParts, year: int
    ) -> domain.Evaluation:
        packs, carried_forward = self._governing(county, on)
        if not packs:
            return domain.Evaluation()
        result = domain.evaluate(packs, held, parts, year)
        for missing in result.missing:
            self._report(missing)
        if carried_forward and result.warnings:
            warnings = tuple(replace(w, carried_forward=True) for w in result.warnings)
            return domain.Evaluation(warnings, result.missing)
        return result

    def lowest(self, county: str, on: date, held: frozenset[Category]) -> domain.LowestLine:
        """The lowest line of any rule that applies to a person holding ``held`` in ``county`` on ``on`` (None: no
        rule can be evaluated), and the rules left waiting for a figure. A year's burden below the line raises
        nothing, whatever the rules measure."""
        self._current()
        key = (county, on, held)
        found = self._lowest.get(key)
        if found is not None:
            return found
        if len(self._lowest) > 50_000:  # as for the packs: counties × days × category sets seen
            self._lowest.clear()
        found = domain.lowest_line(self.packs(county, on), held, domain.burden_year(on))
        for missing in found.missing:
            self._report(missing)
        self._lowest[key] = found
        return found

    def floor(self, county: str, on: date, held: frozenset[Category]) -> Decimal | None:
        return self.lowest(county, on, held).line

    def _report(self, missing: domain.Waiting) -> None:
        if missing.message not in self._reported:
            self._reported.add(missing.message)
            log.warning("claims counted but this rule not evaluated until the figure is set: %s", missing.message)
