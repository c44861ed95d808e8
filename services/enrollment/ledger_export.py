"""The ledger as offices read it: JSON for systems, XLSX with Chinese headings for people (ID numbers masked)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from libs.common.idcard import mask_id_number
from services.enrollment.ledger import Ledger

STATUS_LABELS = {None: "未参保", "enrolled": "已参保", "paid": "已缴费", "interrupted": "断保", "dropped": "脱保"}


def _pct(value: Any) -> str | None:
    return None if value is None else f"{value * 100:.2f}%"


def as_json(ledger: Ledger) -> dict[str, Any]:
    return {
        "region_code": ledger.region_code,
        "year": ledger.year,
        "as_of": ledger.as_of.isoformat(),
        "categories": [
            {
                "category": c.category.value,
                "label": c.category.label,
                "persons": c.persons,
                "enrolled": c.enrolled,
                "rate": None if c.rate is None else str(c.rate),
            }
            for c in ledger.categories
        ],
        "targets": [
            {
                "id": t.target.id,
                "label": t.target.label,
                "target": str(t.target.rate),
                "persons": t.persons,
                "enrolled": t.enrolled,
                "rate": None if t.rate is None else str(t.rate),
                "met": t.met,
            }
            for t in ledger.targets
        ],
        "persons": [
            {
                "person_key": p.person_key,
                "id_number": mask_id_number(p.id_number),
                "name": p.name,
                "township": p.township,
                "village": p.village,
                "category": p.category.value,
                "status": p.status,
            }
            for p in ledger.persons
        ],
    }


def as_xlsx(data: dict[str, Any]) -> bytes:
    """From the JSON form, so a frozen monthly snapshot exports exactly as it was taken."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = "参保台账"
    summary.append([f"参保台账 {data['region_code']} {data['year']}年度 (截至 {data['as_of']})"])
    summary.append(["人员类别", "人数", "已参保", "未参保", "参保率"])
    for c in data["categories"]:
        rate = None if c["rate"] is None else float(c["rate"])
        summary.append([c["label"], c["persons"], c["enrolled"], c["persons"] - c["enrolled"], _pct(rate)])
    targets = workbook.create_sheet("参保目标")
    targets.append(["群体", "目标参保率", "人数", "已参保", "实际参保率", "是否达标"])
    for t in data["targets"]:
        rate = None if t["rate"] is None else float(t["rate"])
        met = {True: "达标", False: "未达标", None: "无数据"}[t["met"]]
        targets.append([t["label"], _pct(float(t["target"])), t["persons"], t["enrolled"], _pct(rate), met])
    persons = workbook.create_sheet("人员明细")
    persons.append(["序号", "乡（镇）", "行政村", "姓名", "身份证号码", "人员类别", "参保状态"])
    labels = {c["category"]: c["label"] for c in data["categories"]}
    for n, p in enumerate(data["persons"], start=1):
        status = STATUS_LABELS.get(p["status"], p["status"])
        persons.append([n, p["township"], p["village"], p["name"], p["id_number"], labels[p["category"]], status])
    for sheet in (summary, targets, persons):
        header_row = 2 if sheet is summary else 1
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
