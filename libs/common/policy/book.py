"""Loading packs from policies/ and finding the one that governs a county on a date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ValidationError

from libs.common import regions
from libs.common.policy.operated import PolicyEntry, latest_entries, overlay
from libs.common.policy.pack import PolicyPack

Section = Literal["monitoring", "referral", "settlement", "subsidy", "enrollment", "waiting_period", "reports"]


class NoPolicy(LookupError):
    """No pack governs this county on this date: a clear error, never a silent default."""


class PolicyError(ValueError):
    pass


class PolicyBook:
    """All loaded packs; the most specific region wins when several cover a county on a date."""

    def __init__(self, packs: list[PolicyPack]) -> None:
        ids = [p.id for p in packs]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise PolicyError(f"duplicate pack ids: {duplicates}")
        self.reviewed = sorted(packs, key=lambda p: p.id)  # the YAML packs, as loaded
        self.packs = self.reviewed
        self.entries: dict[str, PolicyEntry] = {}
        # Bumped by every change, so a holder of results worked out from the packs (a cache) knows to drop them.
        self.version = 0

    def apply(self, entries: Iterable[PolicyEntry]) -> bool:
        """Layer operator entries (figures, successor packs) over the reviewed packs; True if any was new.

        Entries already applied change nothing, so a redelivered ``policy.changed`` is harmless."""
        new = {e.entry_id: e for e in entries if e.entry_id not in self.entries}
        if not new:
            return False
        everything = {**self.entries, **new}
        packs = sorted(overlay(self.reviewed, everything.values()), key=lambda p: p.id)
        self.entries, self.packs = everything, packs
        self.version += 1
        return True

    def entry_for(self, pack_id: str, figure: str, year: int) -> PolicyEntry | None:
        """The operator entry in force for a figure's year, if the value is an operator's."""
        return latest_entries(self.entries.values())[0].get((pack_id, figure, year))

    def pack_entry(self, pack_id: str) -> PolicyEntry | None:
        """The operator entry in force for an operator's pack (None for a reviewed pack)."""
        return latest_entries(self.entries.values())[1].get(pack_id)

    def for_county(self, county_code: str, on: date, section: Section | None = None) -> PolicyPack:
        """The pack in force for a county on a date; with ``section``, the most specific pack that has it.

        Packs layer: a province's pack sets monitoring for all its counties, while a city's own pack may set
        subsidies and assistance. For each section the most specific region wins, then the latest start.
        """
        matching = [
            p for p in self.packs if p.covers(county_code, on) and (section is None or getattr(p, section) is not None)
        ]
        if not matching:
            what = f" with {section} rules" if section else ""
            raise NoPolicy(f"no policy pack{what} governs region {county_code} on {on.isoformat()}")
        return max(matching, key=lambda p: (regions.specificity(p.region_code), p.effective_from))

    def monitoring_packs(self, county_code: str, on: date) -> list[PolicyPack]:
        """Every pack whose warning rules apply to a county on a date, most specific first.

        The most specific pack with a monitoring section always applies; if its section ``adds_to_wider``, the
        next wider region's applies as well (and so on), so 忻州 adds its 依申请救助 line to 山西's two lines.
        """
        matching = sorted(
            (p for p in self.packs if p.monitoring is not None and p.covers(county_code, on)),
            key=lambda p: (regions.specificity(p.region_code), p.effective_from),
            reverse=True,
        )
        if not matching:
            raise NoPolicy(f"no policy pack with monitoring rules governs region {county_code} on {on.isoformat()}")
        chosen = [matching[0]]
        for wider in matching[1:]:
            last = chosen[-1].monitoring
            assert last is not None
            if not last.adds_to_wider:
                break
            if regions.specificity(wider.region_code) < regions.specificity(chosen[-1].region_code):
                chosen.append(wider)
        return chosen

    def get(self, pack_id: str) -> PolicyPack:
        for p in self.packs:
            if p.id == pack_id:
                return p
        raise NoPolicy(f"no policy pack {pack_id!r}")


def load_pack(path: Path) -> PolicyPack:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return PolicyPack.model_validate(raw)
    except ValidationError as exc:
        # One line per problem, "where: what", so an operator can find it in the YAML.
        lines = [f"{'.'.join(str(p) for p in e['loc']) or '(pack)'}: {e['msg']}" for e in exc.errors()]
        raise PolicyError(f"{path.name}: {len(lines)} problem(s)\n" + "\n".join(lines)) from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path.name}: {exc}") from exc


def load_book(directory: Path) -> PolicyBook:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise PolicyError(f"no policy packs in {directory}")
    return PolicyBook([load_pack(f) for f in files])
