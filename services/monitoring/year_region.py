"""Which region a person's year belongs to (``year_burdens.region_code``), when its claims come from several.

The region of the year's latest claim: the latest settlement date, and on one day the higher region code (an
arbitrary but fixed choice). Every stored claim of the year takes part, replaced or not: where the person was
settled, and when, stays true when a correction later changes the amounts. So the rule depends only on which
claims exist, never on the order they arrived in or on the corrections: a new claim can only move the region
to a later one, which an upsert keeps by comparing, and a rebuild from the facts finds the same.

One rule in the three forms the paths need: ``later`` (the step path picks among a batch's claims),
``KEEP_LATER_SQL`` (the year upsert of both claim paths keeps the later of the stored and the new region) and
``LATEST_FIRST_SQL`` (the one-statement path and the rebuild order a year's claims by it). The differential test
(tests/integration/test_monitoring_one_statement.py) compares every column the three paths write.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class YearRegion(NamedTuple):
    """A claim's candidacy: compared as a tuple, settlement date first, then region code."""

    settled_on: date
    region_code: str


def later(a: YearRegion | None, b: YearRegion) -> YearRegion:
    """The one the year belongs to, of two claims' regions."""
    return b if a is None or b > a else a


# Over claim facts (or the one-statement path's input rows): the claim the year belongs to comes first. Facts
# stored before settlement dates were kept (migration 0002) have none and come last.
LATEST_FIRST_SQL = "settlement_date DESC NULLS LAST, region_code DESC"

# The year upsert's assignments (PostgreSQL and SQLite alike: both evaluate every SET expression over the row as it
# was): the new row's region replaces the stored one only if it is later. Undated comes last, as above: a new row
# without a date never wins, a stored one without a date yields to any dated one.
_STORED = "(year_burdens.region_settled_on, year_burdens.region_code)"
_NEW = "(excluded.region_settled_on, excluded.region_code)"
_KEEP = f"excluded.region_settled_on IS NULL OR {_STORED} >= {_NEW}"
KEEP_LATER_SQL = {
    column: f"CASE WHEN {_KEEP} THEN year_burdens.{column} ELSE excluded.{column} END"
    for column in ("region_code", "region_settled_on")
}
