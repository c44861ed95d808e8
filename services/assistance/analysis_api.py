"""Route for Yuecheng's half-year / annual analysis report (JSON and XLSX)."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Response
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.exc import IntegrityError

from libs.common.agencies import Agency
from libs.common.auth import Principal, allow, require_region
from libs.common.clock import china_today
from libs.common.deps import Book, Runtime
from libs.common.policy import NoPolicy
from libs.common.problems import Problem
from services.assistance.analysis_report import AMOUNTS, Period, analyse
from services.assistance.tables import analysis_reports

router = APIRouter(tags=["reports"])
MedicalSecurity = Annotated[Principal, Depends(allow(Agency.MEDICAL_SECURITY))]
RegionCode = Annotated[str, Path(pattern=r"^\d{6}$", description="county / district code, e.g. 330602")]
PeriodText = Annotated[str, Path(pattern=r"^\d{4}(-H1)?$", description="YYYY-H1 (half-year) or YYYY (annual)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = (
    "人员类别",
    "人数",
    "人次",
    "医疗总费用",
    "基本医疗",
    "大病保险",
    "医疗救助",
    "商业补充保险(含其他支付)",
    "个人负担",
)


async def _frozen(runtime: Runtime, region: str, period: Period) -> dict[str, Any] | None:
    a = analysis_reports.c
    async with runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(a.report, a.issued_on, a.issued_by, a.late).where(
                    a.region_code == region, a.period == str(period)
                )
            )
        ).first()
    if row is None:
        return None
    issued = {"issued_on": row.issued_on.isoformat(), "issued_by": row.issued_by, "late": row.late}
    return {**dict(row.report), "status": "issued", **issued}


async def _report(runtime: Runtime, book: Book, region: str, period: Period) -> dict[str, Any]:
    """The issued report as frozen, or the live one (a draft) while it is not issued."""
    frozen = await _frozen(runtime, region, period)
    if frozen is not None:
        return frozen
    try:
        rules = book.for_county(region, period.last_day, "reports").reports
    except NoPolicy:
        rules = None
    analysis = rules.analysis if rules else None
    if analysis is None:
        raise Problem(
            404,
            "no-analysis-report",
            "No analysis report for this region / 该地区无数据分析报告要求",
            f"no policy pack in force for {region} on {period.last_day} asks for an analysis report (seed 003: 越城区)",
        )
    async with runtime.engine.connect() as conn:
        lines, total = await analyse(conn, region, period, analysis.categories)
    due = period.due(analysis.half_year_due, analysis.annual_due)
    return {
        "region_code": region,
        "period": str(period),
        "from": period.first_day.isoformat(),
        "to": period.last_day.isoformat(),
        "due_on": due.isoformat(),
        "categories": [{"category": c.value, "label": c.label, **line.as_json()} for c, line in lines.items()],
        "total": total.as_json(),
        "status": "draft",
        "overdue": china_today() > due,
    }


def _workbook(report: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "数据分析"
    kind = "半年" if report["period"].endswith("H1") else "全年"
    sheet.append(
        [f"{report['region_code']} 困难群众医疗费用发生情况{kind}数据分析 ({report['from']} 至 {report['to']})"]
    )
    sheet.append(list(HEADINGS))
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    for line in [*report["categories"], {"label": "合计", **report["total"]}]:
        sheet.append([line["label"], line["persons"], line["claims"], *(float(line[a]) for a in AMOUNTS)])
    for row in sheet.iter_rows(min_row=3, min_col=4):
        for cell in row:
            cell.number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/reports/analysis/{region}/{period}.xlsx", response_class=Response)
async def analysis_xlsx(
    region: RegionCode, period: PeriodText, principal: MedicalSecurity, runtime: Runtime, book: Book
) -> Response:
    """The analysis report as an Excel workbook (one line per watched category and a total)."""
    require_region(principal, region)
    report = await _report(runtime, book, region, Period.parse(period))
    name = f"数据分析_{region}_{period}.xlsx".encode().hex("%").upper()
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''%{name}"}
    return Response(_workbook(report), media_type=XLSX, headers=headers)


@router.get("/reports/analysis/{region}/{period}")
async def analysis(
    region: RegionCode, period: PeriodText, principal: MedicalSecurity, runtime: Runtime, book: Book
) -> dict[str, Any]:
    """半年 (YYYY-H1) / 全年 (YYYY) analysis: per watched category, persons, claims and amounts by payer."""
    require_region(principal, region)
    return await _report(runtime, book, region, Period.parse(period))


@router.post("/reports/analysis/{region}/{period}/issue")
async def issue_analysis(
    region: RegionCode, period: PeriodText, principal: MedicalSecurity, runtime: Runtime, book: Book, response: Response
) -> dict[str, Any]:
    """Issue (形成) the report of a finished period: its figures are frozen; issuing again changes nothing."""
    require_region(principal, region)
    span, today = Period.parse(period), china_today()
    if today <= span.last_day:
        message = f"the period ends on {span.last_day}"
        error = {"field": "period", "rule": "period_over", "message": message}
        raise Problem(422, "period-not-over", "Period not over / 报告期尚未结束", message, errors=[error])
    report = await _report(runtime, book, region, span)
    if report["status"] == "issued":
        return report
    due = date.fromisoformat(report["due_on"])
    figures = {k: v for k, v in report.items() if k not in ("status", "overdue")}
    try:
        async with runtime.engine.begin() as conn:
            await conn.execute(
                analysis_reports.insert().values(
                    region_code=region, period=str(span), report=figures, issued_on=today,
                    issued_by=principal.name, due_on=due, late=today > due,
                )
            )  # fmt: skip
        response.status_code = 201
    except IntegrityError:
        pass  # issued by someone else a moment ago: theirs stands
    return await _report(runtime, book, region, span)
