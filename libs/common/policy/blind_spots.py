"""Blind spots: what the packs cannot evaluate on a date, so it is shown instead of skipped in silence.

A blind spot is a (region, section, year) that a claim, a person or a quote needs and the book cannot give in full:
a figure with no value for the year, a pack whose section ended with no successor (its rules carried forward), or a
value in live use that nobody has confirmed against its source. ``safetynet policy check --on DATE``, /metrics, the
deadline board and every service's start list them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from libs.common import regions
from libs.common.policy.book import PolicyBook
from libs.common.policy.pack import PolicyPack
from libs.common.policy.values import Status

SECTIONS = ("monitoring", "referral", "settlement", "subsidy", "enrollment", "waiting_period", "reports")
SECTION_LABELS = {
    "monitoring": "监测预警",
    "referral": "转介反馈",
    "settlement": "医疗救助结算",
    "subsidy": "资助参保",
    "enrollment": "参保目标",
    "waiting_period": "待遇等待期",
    "reports": "报表报送",
}


# Sections whose rules go on past their pack's end (a warning missed is worse than one on last year's rules); every
# other section answers a problem naming the missing successor.
CARRIED_FORWARD = frozenset({"monitoring", "referral"})


class Kind(StrEnum):
    MISSING_FIGURE = "missing_figure"  # 缺少参数
    PENDING_VALUE = "pending_value"  # 缺少参数: a ratio, sum or limit nobody has set
    PACK_ENDED = "pack_ended"  # 政策到期且无后续政策
    UNCONFIRMED = "unconfirmed"  # 参数未经核实


KIND_LABELS = {
    Kind.PENDING_VALUE: "缺少参数",
    Kind.MISSING_FIGURE: "缺少参数",
    Kind.PACK_ENDED: "政策已到期、无后续政策",
    Kind.UNCONFIRMED: "参数未核实",
}


@dataclass(frozen=True)
class BlindSpot:
    region_code: str  # the region the pack governs
    section: str
    year: int
    kind: Kind
    pack_id: str
    figure: str | None  # the figure missing or unconfirmed; None for an ended pack
    figure_label: str | None  # what the figure is, in the pack's (Chinese) words
    detail: str  # what is missing and who sets it, in the pack's words

    @property
    def label(self) -> str:
        """One line in Chinese for the board and the log: 地区, 板块, 年度, 问题 (and which figure)."""
        what = f"：{self.figure_label}（{self.figure}）" if self.figure else f"（{self.pack_id}）"
        section = SECTION_LABELS.get(self.section, self.section)
        return f"{regions.name_of(self.region_code)} {section} {self.year}年{KIND_LABELS[self.kind]}{what}"


def governing(book: PolicyBook, pack: PolicyPack, section: str, on: date) -> bool:
    """Whether ``pack``'s ``section`` is the one in force for its region on ``on``: in its period, or ended with no
    later pack of the same region having that section (it is then carried forward, and a blind spot)."""
    if pack.effective_from > on:
        return False
    if pack.effective_to is None or on <= pack.effective_to:
        return True
    return not _successor(book, pack, section, on)


def _successor(book: PolicyBook, pack: PolicyPack, section: str, on: date) -> bool:
    assert pack.effective_to is not None
    return any(
        other.region_code == pack.region_code
        and getattr(other, section) is not None
        and pack.effective_to < other.effective_from <= on
        for other in book.packs
    )


def blind_spots(book: PolicyBook, on: date) -> list[BlindSpot]:
    """Every blind spot of the year of ``on``, ordered by region, section and pack."""
    year = on.year
    found: list[BlindSpot] = []
    for pack in book.packs:
        for section in SECTIONS:
            if getattr(pack, section) is None or not governing(book, pack, section, on):
                continue
            if pack.effective_to is not None and on > pack.effective_to:
                found.append(
                    BlindSpot(
                        pack.region_code,
                        section,
                        year,
                        Kind.PACK_ENDED,
                        pack.id,
                        None,
                        None,
                        f"pack {pack.id} ended on {pack.effective_to.isoformat()} with no successor: "
                        + (
                            f"its {section} rules are carried forward until one is entered"
                            if section in CARRIED_FORWARD
                            else f"{section} answers a problem naming the missing successor until one is entered"
                        ),
                    )
                )
            for figure in sorted(_figures_of(pack, section)):
                found.extend(_figure_spots(book, pack, section, figure, year))
            found.extend(_value_spots(pack, section, year))
    return sorted(found, key=lambda s: (s.region_code, s.section, s.pack_id, s.kind.value, s.figure or ""))


def _figure_spots(book: PolicyBook, pack: PolicyPack, section: str, name: str, year: int) -> Iterator[BlindSpot]:
    figure = pack.figures[name]
    label = figure.description.split(" (")[0].split(" — ")[0]
    if year not in figure.values:
        why = figure.pending or "no value for the year"
        yield BlindSpot(
            pack.region_code, section, year, Kind.MISSING_FIGURE, pack.id, name, label, f"{figure.description}: {why}"
        )
        return
    entry = book.entry_for(pack.id, name, year)
    confirmed = entry.confirmed if entry is not None else figure.confirmed
    if not confirmed:
        source = entry.source if entry is not None else figure.source
        yield BlindSpot(
            pack.region_code, section, year, Kind.UNCONFIRMED, pack.id, name, label, f"{figure.description}: {source}"
        )


def _value_spots(pack: PolicyPack, section: str, year: int) -> Iterator[BlindSpot]:
    """The section's ratios, sums and limits nobody has set, or in use unconfirmed (a provisional one included)."""
    for path, value in pack.values():
        if not path.startswith(f"{section}."):
            continue
        if value.given() is None:
            kind = Kind.PENDING_VALUE
        elif value.status is not Status.CONFIRMED:
            kind = Kind.UNCONFIRMED
        else:
            continue
        detail = value.pending if kind is Kind.PENDING_VALUE and value.pending else value.source
        yield BlindSpot(pack.region_code, section, year, kind, pack.id, path, "政策参数", detail)


def _figures_of(pack: PolicyPack, section: str) -> set[str]:
    """The figures the rules of one section use."""
    monitoring = pack.monitoring_figures()
    subsidy = set(pack.subsidy.contribution_figures.values()) if pack.subsidy else set()
    if section == "monitoring":
        return monitoring
    if section == "subsidy":
        return subsidy
    if section == "settlement":
        return pack.figure_references() - monitoring - subsidy
    return set()


def covering(spots: list[BlindSpot], county: str) -> list[BlindSpot]:
    return [s for s in spots if regions.covers(s.region_code, county)]
