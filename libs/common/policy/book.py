"""Loading packs from policies/ and finding the one that governs a county on a date.

Which date: always the date of the fact (a claim's settlement date, a warning's claim date), never the day it is
processed, so a 2024 claim handled in 2026 is judged by the 2024 rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal, NamedTuple

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


class Governing(NamedTuple):
    """The pack whose section governs a county on a date.

    ``carried_forward``: no pack with the section was in force that day, so the last one that was (ended before
    it, ``pack.effective_to``, with no successor) goes on being used, and the caller marks what it decides as
    resting on a pack past its end (a blind spot for the operator to close with a successor pack).
    """

    pack: PolicyPack
    carried_forward: bool


class GoverningMonitoring(NamedTuple):
    """The monitoring packs for a county on a date, most specific first (as ``monitoring_packs``), and whether any
    of them is carried forward past its end (see ``Governing``)."""

    packs: list[PolicyPack]
    carried_forward: bool


def _rank(pack: PolicyPack) -> tuple[int, date]:
    """Among packs in force together: the most specific region, then the latest start."""
    return regions.specificity(pack.region_code), pack.effective_from


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
        return latest_entries(self.entries.values()).figures.get((pack_id, figure, year))

    def pack_entry(self, pack_id: str) -> PolicyEntry | None:
        """The operator entry in force for an operator's pack (None for a reviewed pack)."""
        return latest_entries(self.entries.values()).packs.get(pack_id)

    def value_entry(self, pack_id: str, path: str) -> PolicyEntry | None:
        """The operator entry in force for a pack's ratio, sum or limit, if the value is an operator's."""
        return latest_entries(self.entries.values()).values.get((pack_id, path))

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
            if section is not None:
                ended = self._ended_without_successor(county_code, on, section)
                if ended is not None:
                    assert ended.effective_to is not None
                    raise NoPolicy(
                        f"pack {ended.id} ({section}) ended on {ended.effective_to.isoformat()} and no successor "
                        f"governs region {county_code} on {on.isoformat()}: a 医保 operator of region "
                        f"{ended.region_code} must enter one (PUT /policies/<new id>) / 政策已到期，需录入后续政策"
                    )
            raise NoPolicy(f"no policy pack{what} governs region {county_code} on {on.isoformat()}")
        return max(matching, key=lambda p: (regions.specificity(p.region_code), p.effective_from))

    def _ended_without_successor(self, county_code: str, on: date, section: Section) -> PolicyPack | None:
        try:
            found = self.governing(county_code, on, section)
        except NoPolicy:
            return None
        return found.pack if found.carried_forward else None

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

    def governing(self, county_code: str, on: date, section: Section) -> Governing:
        """The pack whose ``section`` governs a county on the date of a fact, carried forward past its end if needed.

        The pack in force is ``for_county``'s. When none is, the pack of the county's region (or a wider one) with
        the section that ended last before ``on`` is carried forward, provided nothing succeeds it. Never carried
        back before a start: a date before every pack, a county no pack covers, or a gap before a successor that
        starts later still raise NoPolicy.
        """
        return self._governing(county_code, on, section, wider_than=None)

    def governing_monitoring(self, county_code: str, on: date) -> GoverningMonitoring:
        """``monitoring_packs`` with each layer taken from ``governing``: a layer that ended with no successor is
        carried forward, also a wider one a narrower pack ``adds_to_wider`` to.

        For the monitoring service: ``packs, carried_forward = book.governing_monitoring(county, settlement_date)``;
        raises NoPolicy as ``monitoring_packs`` does when nothing governs, nor ever did.
        """
        first = self._governing(county_code, on, "monitoring", wider_than=None)
        chosen, carried = [first.pack], first.carried_forward
        while True:
            last = chosen[-1].monitoring
            assert last is not None  # only packs with a monitoring section are chosen
            if not last.adds_to_wider:
                break
            try:
                wider = self._governing(
                    county_code, on, "monitoring", wider_than=regions.specificity(chosen[-1].region_code)
                )
            except NoPolicy:
                break  # nothing wider to add to, as in monitoring_packs
            chosen.append(wider.pack)
            carried = carried or wider.carried_forward
        return GoverningMonitoring(chosen, carried)

    def _governing(self, county_code: str, on: date, section: Section, wider_than: int | None) -> Governing:
        """``governing`` among the packs of regions less specific than ``wider_than`` (all of them when None)."""
        candidates = [
            p
            for p in self.packs
            if regions.covers(p.region_code, county_code)
            and getattr(p, section) is not None
            and (wider_than is None or regions.specificity(p.region_code) < wider_than)
        ]
        in_force = [p for p in candidates if p.covers(county_code, on)]
        if in_force:
            return Governing(max(in_force, key=_rank), carried_forward=False)
        nothing = f"no policy pack with {section} rules governs region {county_code} on {on.isoformat()}"
        ended = [p for p in candidates if p.effective_to is not None and p.effective_to < on]
        if not ended:
            raise NoPolicy(nothing)
        last_end = max(p.effective_to for p in ended if p.effective_to is not None)
        last = max((p for p in ended if p.effective_to == last_end), key=_rank)
        successors = sorted((p for p in candidates if p.effective_from > last_end), key=lambda p: p.effective_from)
        if successors:
            # A successor exists but starts later: the gap is the operator's to close, not ours to guess.
            first = successors[0]
            raise NoPolicy(
                f"{nothing}: {last.id} ended on {last_end.isoformat()} and its successor {first.id} starts "
                f"on {first.effective_from.isoformat()}"
            )
        return Governing(last, carried_forward=True)

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
