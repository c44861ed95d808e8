"""Policy figures operated live: a region's 医保 operator enters a year's figure, or a successor pack.

Each entry is kept for good in ``policy_entries`` (a correction is a later entry) and announced on
``policy.changed`` in the same transaction; every service layers it over its packs without a restart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from libs.common import regions
from libs.common.agencies import Agency
from libs.common.auth import POLICY_ADMIN, Principal, allow, require_role
from libs.common.clock import china_today, utc_now
from libs.common.deps import Book, Runtime
from libs.common.messaging.envelope import new_event_id
from libs.common.money import NonNegativeYuan
from libs.common.policy import NoPolicy, PolicyBook, PolicyPack
from libs.common.policy.operated import (
    EntryKind,
    PolicyEntry,
    check_figure_entry,
    check_operator_pack,
    with_settings,
)
from libs.common.problems import Problem
from libs.common.read_models.policy_entries import event_of, load_entries, store_entry
from libs.common.rules import RuleViolation
from services.assistance.tables import policy_entries

router = APIRouter(tags=["policy figures (政策参数)"])
FIGURE_CEILING = Decimal("999999999.99")
Operator = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]
AnyAgency = Annotated[Principal, Depends(allow(*Agency))]


class FigureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: NonNegativeYuan = Field(description='yuan, two decimals at most (e.g. "39000.00")')
    source: str = Field(min_length=1, max_length=500, description="the document it comes from (统计公报、文件文号)")
    note: str | None = Field(default=None, max_length=2000, description="the operator's note")
    confirmed: bool = Field(
        default=True, description="false while the value is provisional (e.g. last year's, before the 统计公报)"
    )

    @field_validator("value")
    @classmethod
    def _within_ceiling(cls, value: Decimal) -> Decimal:
        # No income line, standard or limit comes near a billion yuan; the bound also keeps every value inside the
        # column (NonNegativeYuan's own rule is the fen, not a size).
        if value > FIGURE_CEILING:
            raise RuleViolation("figure_ceiling", f"at most {FIGURE_CEILING} yuan / 参数金额过大")
        return value


class EntryOut(BaseModel):
    entry_id: str
    kind: str
    pack_id: str
    path: str | None = Field(default=None, description="a value entry's place in the pack")
    setting: str | None = Field(default=None, description="a value entry's value as the pack writes it")
    figure: str | None
    year: int | None
    value: NonNegativeYuan | None
    confirmed: bool
    source: str
    note: str | None
    entered_by: str
    entered_at: str
    in_force: bool = Field(description="the entry whose value counts now (the latest for its figure and year)")


def _out(entry: PolicyEntry, book: PolicyBook) -> EntryOut:
    if entry.kind is EntryKind.FIGURE:
        assert entry.figure is not None and entry.year is not None
        current = book.entry_for(entry.pack_id, entry.figure, entry.year)
    elif entry.kind is EntryKind.VALUE:
        assert entry.path is not None
        current = book.value_entry(entry.pack_id, entry.path)
    else:
        current = book.pack_entry(entry.pack_id)
    in_force = current is not None and current.entry_id == entry.entry_id
    return EntryOut(
        entry_id=entry.entry_id,
        kind=entry.kind.value,
        pack_id=entry.pack_id,
        path=entry.path,
        setting=entry.setting,
        figure=entry.figure,
        year=entry.year,
        value=entry.value,
        confirmed=entry.confirmed,
        source=entry.source,
        note=entry.note,
        entered_by=entry.entered_by,
        entered_at=entry.entered_at.isoformat(),
        in_force=in_force,
    )


def _invalid(field: str, violation: RuleViolation, status: int = 422) -> Problem:
    return Problem(
        status,
        violation.rule,
        "Policy entry refused / 政策参数不予录入",
        str(violation),
        errors=[{"field": field, "rule": violation.rule, "message": str(violation)}],
    )


def _pack_of(book: PolicyBook, pack_id: str) -> PolicyPack:
    try:
        return book.get(pack_id)
    except NoPolicy as exc:
        raise Problem(404, "not-found", "No such policy pack / 政策包不存在", str(exc)) from exc


def _operator_of(principal: Principal, region_code: str) -> None:
    require_role(principal, POLICY_ADMIN)
    if not regions.covers(principal.region_code, region_code):
        raise Problem(
            403,
            "forbidden-region",
            "Region not allowed / 无权录入该地区的政策参数",
            f"the token of {principal.name} covers region {principal.region_code}; the pack governs {region_code}",
        )


async def _enter(
    runtime: Runtime, book: PolicyBook, current: PolicyEntry | None, entry: PolicyEntry, response: Response
) -> EntryOut:
    """Keep and announce ``entry`` (201), unless the entry in force says the same (200, nothing changes)."""
    if current is not None and current.says_the_same_as(entry):
        return _out(current, book)
    async with runtime.uow() as uow:
        await store_entry(uow.conn, policy_entries, entry)
        uow.publish(event_of(entry), subject=entry.pack_id)
        await uow.commit()
    # Read-your-writes here; the other services (and this one's other replicas) take it from policy.changed.
    book.apply([entry])
    response.status_code = 201
    return _out(entry, book)


@router.put("/policies/{pack_id}/figures/{figure}/{year}", response_model=EntryOut)
async def enter_figure(
    pack_id: str,
    figure: str,
    year: Annotated[int, Path(ge=2000, le=2100, description="the year the value applies in")],
    body: FigureIn,
    principal: Operator,
    runtime: Runtime,
    book: Book,
    response: Response,
) -> EntryOut:
    """Enter (or correct) a figure's value for a year; the same value again changes nothing."""
    pack = _pack_of(book, pack_id)
    _operator_of(principal, pack.region_code)
    try:
        check_figure_entry(pack, figure, year)
    except RuleViolation as exc:
        raise _invalid("year" if exc.rule == "year-before-pack" else "figure", exc) from None
    latest_year = china_today().year + 1
    if year > latest_year:
        raise _invalid("year", RuleViolation("year-too-far", f"{year} is after next year ({latest_year})"))
    entry = PolicyEntry(
        entry_id=new_event_id(),
        kind=EntryKind.FIGURE,
        pack_id=pack_id,
        region_code=pack.region_code,
        figure=figure,
        year=year,
        value=body.value,
        source=body.source,
        note=body.note,
        confirmed=body.confirmed,
        entered_by=principal.name,
        entered_at=utc_now(),
    )
    return await _enter(runtime, book, book.entry_for(pack_id, figure, year), entry, response)


@router.get("/policies/{pack_id}/figures/{figure}")
async def figure_history(
    pack_id: str, figure: str, _principal: AnyAgency, runtime: Runtime, book: Book
) -> dict[str, Any]:
    """A figure's values by year (the pack's and the operators'), and every entry ever made for it."""
    pack = _pack_of(book, pack_id)
    if figure not in pack.figures:
        raise Problem(404, "not-found", "No such figure / 无此参数", f"pack {pack_id} has no figure {figure!r}")
    async with runtime.engine.connect() as conn:
        entries = [e for e in await load_entries(conn, policy_entries) if e.pack_id == pack_id and e.figure == figure]
    known = pack.figures[figure]
    reviewed = next((p for p in book.reviewed if p.id == pack_id), None)
    return {
        "pack_id": pack_id,
        "figure": figure,
        "description": known.description,
        "values": {str(y): str(v) for y, v in sorted(known.values.items())},
        "reviewed_values": {str(y): str(v) for y, v in sorted(reviewed.figures[figure].values.items())}
        if reviewed is not None
        else {},
        "pending": known.pending,
        "entries": [_out(e, book).model_dump() for e in entries],
    }


class ValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(
        min_length=1,
        max_length=40,
        description='as a pack writes it: a ratio "0.70", a sum or limit "60000.00", or "unlimited" (无上限)',
    )
    source: str = Field(min_length=1, max_length=500, description="the document it comes from (文件文号)")
    note: str | None = Field(default=None, max_length=2000)
    confirmed: bool = True


@router.put("/policies/{pack_id}/values/{path:path}", response_model=EntryOut)
async def enter_value(
    pack_id: str, path: str, body: ValueIn, principal: Operator, runtime: Runtime, book: Book, response: Response
) -> EntryOut:
    """Set (or correct) a ratio, sum or limit of a pack's settlement or subsidy rules, e.g. one still pending."""
    pack = _pack_of(book, pack_id)
    _operator_of(principal, pack.region_code)
    entry = PolicyEntry(
        entry_id=new_event_id(),
        kind=EntryKind.VALUE,
        pack_id=pack_id,
        region_code=pack.region_code,
        path=path,
        setting=body.value,
        source=body.source,
        note=body.note,
        confirmed=body.confirmed,
        entered_by=principal.name,
        entered_at=utc_now(),
    )
    try:
        with_settings(pack, [entry])  # the pack must still be a valid pack with it
    except RuleViolation as exc:
        raise _invalid("path" if exc.rule == "value-unknown" else "value", exc) from None
    return await _enter(runtime, book, book.value_entry(pack_id, path), entry, response)


class PackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pack: dict[str, Any] = Field(description="the pack, in the schema of policies/*.yaml (as GET /policies/{id})")
    source: str = Field(min_length=1, max_length=500, description="the document the pack implements (文件文号)")
    note: str | None = Field(default=None, max_length=2000)
    confirmed: bool = True


@router.put("/policies/{pack_id}", response_model=EntryOut)
async def enter_pack(
    pack_id: str, body: PackIn, principal: Operator, runtime: Runtime, book: Book, response: Response
) -> EntryOut:
    """Add a pack (e.g. the successor of one that ended), or replace an operator's pack with a later version."""
    require_role(principal, POLICY_ADMIN)
    try:
        pack = check_operator_pack(body.pack, book.reviewed, principal.region_code)
    except RuleViolation as exc:
        raise _invalid("pack", exc, 403 if exc.rule == "pack-region" else 422) from None
    if pack.id != pack_id:
        raise _invalid("pack.id", RuleViolation("pack-id-mismatch", f"the body's id {pack.id!r} is not {pack_id!r}"))
    entry = PolicyEntry(
        entry_id=new_event_id(),
        kind=EntryKind.PACK,
        pack_id=pack.id,
        region_code=pack.region_code,
        pack=pack.model_dump(mode="json"),
        source=body.source,
        note=body.note,
        confirmed=body.confirmed,
        entered_by=principal.name,
        entered_at=utc_now(),
    )
    return await _enter(runtime, book, book.pack_entry(pack.id), entry, response)
