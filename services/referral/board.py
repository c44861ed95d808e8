"""The ops deadline board (转介办理时限看板): an HTML page for people and the same data as JSON for tools.

Access: medical security sees every referral in its token's region (it made them); civil affairs, rural
revitalization and health see only the referrals addressed to them, in their region. A browser logs in with its
own Basic prompt (any user name, the agency token as the password: ``allow(..., browser=True)``), so no token
ever sits in a URL, a history entry or a proxy log.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field

from libs.common import regions
from libs.common.agencies import AGENCY_LABELS, Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.calendar import WorkingCalendar
from libs.common.clock import china_today
from libs.common.deps import Runtime
from libs.common.policy import PolicyBook
from libs.common.policy.blind_spots import blind_spots
from libs.common.problems import Problem
from services.referral import board_queries
from services.referral.board_view import (
    DUE_SOON_WORKING_DAYS,
    OLDEST_LIMIT,
    STATUS_LABELS,
    BoardDates,
    Item,
    Tally,
)
from services.referral.tables import referrals

BOARD_AGENCIES = (Agency.MEDICAL_SECURITY, Agency.CIVIL_AFFAIRS, Agency.RURAL_REVITALIZATION, Agency.HEALTH)
Viewer = Annotated[Principal, Depends(allow(*BOARD_AGENCIES, browser=True))]
County = Annotated[
    str | None, Query(pattern=r"^\d{6}$", description="county (or city/province) code, e.g. 141123 / 县(区)代码")
]
# Sent with the page: it shows personal data, so no caching, no framing by another site, nothing loaded from
# elsewhere (the machine may be offline anyway) and no script at all.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
TOTALS = ("awaiting", "due_today", "due_soon", "overdue", "no_deadline")
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "board"), autoescape=select_autoescape(["html"])
)


def today_in_china() -> date:
    """The board's "today"; a dependency so tests can pin the date."""
    return china_today()


Today = Annotated[date, Depends(today_in_china)]


class TallyOut(BaseModel):
    county: str
    agency: str
    agency_label: str
    awaiting: int
    due_today: int
    due_soon: int
    overdue: int
    earliest_due_on: date | None
    most_days_overdue: int
    no_deadline: int
    most_days_waited: int


class ItemOut(BaseModel):
    referral_id: str
    county: str
    agency: str
    agency_label: str
    id_number: str
    name: str
    opened_on: date
    due_on: date | None
    due_provisional: bool
    status: str
    status_label: str
    days_overdue: int | None
    working_days_waited: int


class BlindSpotOut(BaseModel):
    region_code: str
    region_name: str
    section: str
    year: int
    kind: str
    pack_id: str
    figure: str | None
    label: str = Field(description="地区、板块、年度、问题, in Chinese")
    detail: str


class BoardOut(BaseModel):
    today: date
    due_soon_working_days: int
    due_soon_until: date
    county: str | None
    agency: Agency | None
    totals: dict[str, int]
    tallies: list[TallyOut]
    longest_waiting: list[ItemOut]
    blind_spots: list[BlindSpotOut] = Field(description="监测盲区: what the packs cannot evaluate this year, here")


def _label(agency: str) -> str:
    try:
        return AGENCY_LABELS[Agency(agency)]
    except ValueError:
        return agency


def _scope(principal: Principal, county: str | None, agency: Agency | None) -> sa.ColumnElement[bool]:
    if county is not None:
        require_region(principal, county)
    mine = principal.agency is not Agency.MEDICAL_SECURITY
    if mine and agency is not None and agency is not principal.agency:
        raise Problem(
            403,
            "forbidden-agency",
            "Not your agency's referrals / 非本部门转介",
            f"the token of {principal.name} shows only {principal.agency.value}'s referrals, not {agency.value}'s",
        )
    conditions = [board_queries.in_region(county or principal.region_code)]
    if mine or agency is not None:
        conditions.append(referrals.c.agency == (agency or principal.agency).value)
    return sa.and_(*conditions)


def _tally_out(t: Tally) -> TallyOut:
    return TallyOut(**vars(t), agency_label=_label(t.agency))


def _item_out(i: Item) -> ItemOut:
    fields = {k: v for k, v in vars(i).items() if k not in ("id_number_masked", "name_masked")}
    return ItemOut(
        **fields,
        id_number=i.id_number_masked,
        name=i.name_masked,
        agency_label=_label(i.agency),
        status_label=STATUS_LABELS.get(i.status, i.status),
    )


def _blind_spots(book: PolicyBook, today: date, region: str) -> list[BlindSpotOut]:
    """The blind spots of packs that govern any part of ``region`` (a county sees its province's too)."""
    return [
        BlindSpotOut(
            region_code=s.region_code,
            region_name=regions.name_of(s.region_code),
            section=s.section,
            year=s.year,
            kind=s.kind.value,
            pack_id=s.pack_id,
            figure=s.figure,
            label=s.label,
            detail=s.detail,
        )
        for s in blind_spots(book, today)
        if regions.covers(region, s.region_code) or regions.covers(s.region_code, region)
    ]


def board_router(calendar: WorkingCalendar, book: PolicyBook) -> APIRouter:
    router = APIRouter(tags=["ops"])

    async def read_board(
        runtime: Runtime, principal: Principal, today: date, county: str | None, agency: Agency | None
    ) -> BoardOut:
        where = _scope(principal, county, agency)
        dates = BoardDates.on(calendar, today)
        async with runtime.engine.connect() as conn:
            tallies = await board_queries.tallies(conn, calendar, dates, where)
            oldest = await board_queries.longest_waiting(conn, calendar, dates, where, OLDEST_LIMIT)
        return BoardOut(
            today=today,
            due_soon_working_days=DUE_SOON_WORKING_DAYS,
            due_soon_until=dates.soon_until,
            county=county,
            agency=agency,
            totals={k: sum(getattr(t, k) for t in tallies) for k in TOTALS},
            tallies=[_tally_out(t) for t in tallies],
            longest_waiting=[_item_out(i) for i in oldest],
            blind_spots=_blind_spots(book, today, county or principal.region_code),
        )

    @router.get("/board.json", response_model=BoardOut)
    async def board_json(
        principal: Viewer, runtime: Runtime, today: Today, county: County = None, agency: Agency | None = None
    ) -> BoardOut:
        """Deadline board data per county × agency: awaiting, due today, due soon, overdue, no deadline (waited);
        and the blind spots (监测盲区) of the packs that govern the region."""
        return await read_board(runtime, principal, today, county, agency)

    @router.get("/board", response_class=HTMLResponse)
    async def board_page(
        principal: Viewer,
        runtime: Runtime,
        today: Today,
        county: County = None,
        agency: Agency | None = None,
    ) -> HTMLResponse:
        """The deadline board as a page (转介办理时限看板); log in with any user name and the token as password."""
        board = await read_board(runtime, principal, today, county, agency)
        if principal.agency is Agency.MEDICAL_SECURITY:
            agencies = [a for a in Agency if a is not Agency.MEDICAL_SECURITY]
        else:
            agencies = [principal.agency]
        html = _templates.get_template("board.html").render(
            board=board,
            viewer=principal,
            agencies=[(a.value, a.label) for a in agencies],
            counties=sorted({t.county for t in board.tallies}),
            limit=OLDEST_LIMIT,
        )
        return HTMLResponse(html, headers=PAGE_HEADERS)

    return router
