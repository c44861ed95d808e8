"""Policy entries an operator makes at run time, layered over the reviewed YAML packs.

A region's 医保 operator enters a year's figure (an income statistic, a 防止返贫监测标准, a contribution standard)
or a successor pack without a release. Each entry is kept for good (a correction is a later entry), and the value
in force for a (pack, figure, year) is the latest entry's. Layering is a pure function of the YAML packs and the
entries, so every service that holds the same entries holds the same book, in whatever order they arrived.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from pydantic import ValidationError

from libs.common import regions
from libs.common.messaging.contracts.assistance import EntryKind
from libs.common.policy.pack import PolicyPack
from libs.common.rules import RuleViolation

__all__ = [
    "EntryKind",
    "FigureKey",
    "PolicyEntry",
    "check_figure_entry",
    "check_operator_pack",
    "latest_entries",
    "overlay",
]


@dataclass(frozen=True)
class PolicyEntry:
    """One operator entry, as stored and as announced on ``policy.changed``."""

    entry_id: str
    kind: EntryKind
    pack_id: str
    region_code: str
    source: str
    entered_by: str
    entered_at: datetime
    confirmed: bool
    note: str | None = None
    figure: str | None = None
    year: int | None = None
    value: Decimal | None = None
    pack: dict[str, Any] | None = None  # the pack document, for kind PACK
    path: str | None = None  # for kind VALUE: where in the pack (as PolicyPack.values() names it)
    setting: str | None = None  # for kind VALUE: "0.70", "60000.00", "unlimited"

    def says_the_same_as(self, other: PolicyEntry) -> bool:
        """The same value (or pack) with the same source, note and status: entering it again changes nothing."""
        return (self.kind, self.pack_id, self.figure, self.year, self.value, self.pack, self.path, self.setting) == (
            other.kind,
            other.pack_id,
            other.figure,
            other.year,
            other.value,
            other.pack,
            other.path,
            other.setting,
        ) and (self.source, self.note, self.confirmed) == (other.source, other.note, other.confirmed)

    @property
    def order(self) -> tuple[datetime, str]:
        """Later entries win; entry ids (time-ordered) break a tie within the same instant."""
        return (self.entered_at, self.entry_id)


FigureKey = tuple[str, str, int]  # pack, figure, year


class Latest(NamedTuple):
    """The entries in force: per (pack, figure, year), per operator pack, per (pack, value path)."""

    figures: dict[FigureKey, PolicyEntry]
    packs: dict[str, PolicyEntry]
    values: dict[tuple[str, str], PolicyEntry]


def latest_entries(entries: Iterable[PolicyEntry]) -> Latest:
    latest = Latest({}, {}, {})
    for entry in entries:
        if entry.kind is EntryKind.FIGURE:
            assert entry.figure is not None and entry.year is not None
            _keep_later(latest.figures, (entry.pack_id, entry.figure, entry.year), entry)
        elif entry.kind is EntryKind.VALUE:
            assert entry.path is not None
            _keep_later(latest.values, (entry.pack_id, entry.path), entry)
        else:
            _keep_later(latest.packs, entry.pack_id, entry)
    return latest


def _keep_later(found: dict[Any, PolicyEntry], key: object, entry: PolicyEntry) -> None:
    if key not in found or found[key].order < entry.order:
        found[key] = entry


def overlay(base: Sequence[PolicyPack], entries: Iterable[PolicyEntry]) -> list[PolicyPack]:
    """The YAML packs with the operator's packs added and every entered figure value and pack value set."""
    figures, operator_packs, values = latest_entries(entries)
    base_ids = {p.id for p in base}
    packs = list(base)
    for pack_id, entry in sorted(operator_packs.items()):
        if pack_id in base_ids:
            continue  # refused at entry; a stored one from before a YAML pack took the id stays out of the way
        assert entry.pack is not None
        packs.append(PolicyPack.model_validate(entry.pack))
    by_pack: dict[str, dict[str, dict[int, Decimal]]] = {}
    for (pack_id, figure, year), entry in figures.items():
        assert entry.value is not None
        by_pack.setdefault(pack_id, {}).setdefault(figure, {})[year] = entry.value
    settings: dict[str, list[PolicyEntry]] = {}
    for (pack_id, _), entry in sorted(values.items()):
        settings.setdefault(pack_id, []).append(entry)
    out = []
    for pack in packs:
        entered = by_pack.get(pack.id)
        if entered:
            updated = dict(pack.figures)
            for name, by_year in entered.items():
                if name in updated:
                    known = updated[name]
                    updated[name] = known.model_copy(update={"values": {**known.values, **by_year}})
            pack = pack.model_copy(update={"figures": updated})
        if pack.id in settings:
            pack = with_settings(pack, settings[pack.id])
        out.append(pack)
    return out


_PART = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


def with_settings(pack: PolicyPack, entries: Sequence[PolicyEntry]) -> PolicyPack:
    """``pack`` with each entry's value set at its path, with the entry's status and source, validated as a pack
    is. Raises RuleViolation (``value-unknown``, ``value-invalid``) when a path or a setting cannot stand."""
    known = {path for path, _ in pack.values()}
    data = pack.model_dump(mode="json")
    for entry in entries:
        assert entry.path is not None and entry.setting is not None
        if entry.path not in known:
            raise RuleViolation(
                "value-unknown", f"pack {pack.id} has no ratio, sum or limit at {entry.path} (GET /policies lists them)"
            )
        *parents, last = _PART.findall(entry.path)
        node: Any = data
        for name, ident in parents:
            node = node[_key(node, name, ident)]
        node[_key(node, *last)] = {
            "value": entry.setting,
            "status": "confirmed" if entry.confirmed else "unconfirmed",
            "source": entry.source,
        }
    try:
        return PolicyPack.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RuleViolation("value-invalid", f"{where}: {first['msg']}") from None


def _key(node: Any, name: str, ident: str) -> Any:
    """A path part's key in a dumped pack: a list item by its id, a mapping key by its text."""
    if ident:
        return next(i for i, item in enumerate(node) if item.get("id") == ident)
    return next((k for k in node if str(k) == name), name)


def check_figure_entry(pack: PolicyPack, figure: str, year: int) -> None:
    """Why a figure entry for ``pack`` cannot stand, as a RuleViolation naming the rule (the caller names the field).

    The value's own rules (a number, not negative) are the API model's; these are the ones that need the pack."""
    if figure not in pack.figures:
        known = ", ".join(sorted(pack.figures)) or "none"
        raise RuleViolation("figure-unknown", f"pack {pack.id} has no figure {figure!r} (it has: {known})")
    if figure not in pack.figure_references():
        raise RuleViolation(
            "figure-unused", f"no rule of pack {pack.id} uses figure {figure!r}: a value for it would change nothing"
        )
    if year < pack.effective_from.year:
        raise RuleViolation(
            "year-before-pack",
            f"pack {pack.id} is in force from {pack.effective_from.isoformat()}; {year} is before it",
        )


def check_operator_pack(document: dict[str, Any], base: Sequence[PolicyPack], operator_region: str) -> PolicyPack:
    """A successor pack as an operator sends it: valid against the pack schema, a new id, inside the operator's
    region. Raises RuleViolation (rule ``pack-schema``, ``pack-id-taken``, ``pack-region``)."""
    try:
        pack = PolicyPack.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(pack)"
        raise RuleViolation("pack-schema", f"{where}: {first['msg']} ({len(exc.errors())} problem(s))") from None
    if any(p.id == pack.id for p in base):
        raise RuleViolation("pack-id-taken", f"pack id {pack.id!r} is a reviewed pack in policies/; choose a new id")
    if not regions.covers(operator_region, pack.region_code):
        raise RuleViolation(
            "pack-region",
            f"the pack governs region {pack.region_code}, outside the operator's region {operator_region}",
        )
    return pack
