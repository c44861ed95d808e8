"""附件1 as the seed prints it: title, unit line, headings, notes; and one row as an office reads it. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from libs.common.categories import Category
from libs.common.idcard import mask_id_number

TITLE = "县(区、市)医保部门防范因病返贫致贫监测预警反馈清单"
HEADINGS = ("序号", "乡(镇)", "行政村", "姓名", "身份证号码", "人员类别", "风险点描述")
WIDTHS = (6, 14, 14, 10, 22, 18, 90)
NOTES = (
    "注: 1. 本表由县级医保部门填写;",
    "2. 人员类别为: 特困人员、低保对象、低保边缘家庭成员、返贫致贫人口、脱贫不稳定人口、边缘易致贫人口、"
    "突发严重困难户、稳定脱贫人口和其他参保居民;",
    "3. 风险点描述格式为: *年*月*日, 因**病, 医疗总费用**元, 医疗保障报销后个人负担**元, 存在因病返贫致贫风险。",
)
# 附件1's own wording where it differs from the general labels (its note 2 says 突发严重困难户); a warning with no
# watched category is an 其他参保居民 (the 致贫 line of "other insured residents").
_LABELS: dict[str | None, str] = {
    **{c.value: c.label for c in Category},
    Category.SUDDEN_HARDSHIP.value: "突发严重困难户",
    None: Category.OTHER_RESIDENT.label,
}


def category_label_table() -> dict[str | None, str]:
    """Category code → 附件1 label (None: 其他参保居民), for renderers outside Python."""
    return dict(_LABELS)


def category_label(code: str | None) -> str:
    return _LABELS[code]


def unit_line(region_code: str, issued_on: date | None) -> str:
    """单位名称(盖章): ____ 年 月 日 — the county's medical security office, and the issue date once issued."""
    when = f"{issued_on.year}年{issued_on.month}月{issued_on.day}日" if issued_on else "年 月 日 (草稿, 未印发)"
    return f"单位名称(盖章): {region_code} 医疗保障局    {when}"


# A stored warning as read (warning_lists.ENTRY_COLUMNS): flag id, township, village, name, ID number, category
# code, risk description.
Entry = Sequence[Any]


def cells(seq: int, entry: Entry, *, full_id: bool) -> tuple[int, str, str, str, str, str, str]:
    """The seven cells of 附件1 for one warning, in the order of HEADINGS."""
    _flag, township, village, name, id_number, category, description = entry
    return (
        seq,
        township or "",
        village or "",
        name,
        id_number if full_id else mask_id_number(id_number),
        _LABELS[category],
        description,
    )
