"""参保登记名单: enrollment records as the 医保 enrollment system exports them (XLSX/CSV), checked row by row.

One row per person and year: 姓名, 身份证号码, 参保年度, 缴费档次 (一档/二档), 参保状态 (已参保/已缴费/断保/脱保)
and 变动日期, the day that status took effect (参保, 缴费 or 中断). The county comes from the upload (token or
query), as for 附件3. Pure: no framework, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from libs.common.messaging.contracts.enrollment import EnrollmentChangedV1, EnrollmentStatus
from libs.common.rules import RuleViolation
from services.enrollment import sheets
from services.enrollment.row_checks import Column, Intake, RowError, check_row, id_number, office_date, required_text
from services.enrollment.sheets import SheetRow

TITLE = "参保登记名单"
HEADERS = ("序号", "姓名", "身份证号码", "参保年度", "缴费档次", "参保状态", "变动日期")
LAYOUT = sheets.Layout(
    title=TITLE,
    sheet_name="参保登记",
    headers=HEADERS,
    required=HEADERS[1:],
    key="身份证号码",
    widths=(6, 10, 22, 10, 10, 10, 14),
    # Other spellings of the same columns, accepted so an export need not be retitled by hand.
    synonyms={
        "年度": "参保年度",
        "档次": "缴费档次",
        "缴费状态": "参保状态",
        "状态": "参保状态",
        "参保日期": "变动日期",
        "状态日期": "变动日期",
    },
)

_STATUSES = {
    "已参保": EnrollmentStatus.ENROLLED,
    "参保": EnrollmentStatus.ENROLLED,
    "正常参保": EnrollmentStatus.ENROLLED,
    "已缴费": EnrollmentStatus.PAID,
    "缴费": EnrollmentStatus.PAID,
    "断保": EnrollmentStatus.INTERRUPTED,
    "中断": EnrollmentStatus.INTERRUPTED,
    "中断缴费": EnrollmentStatus.INTERRUPTED,
    "脱保": EnrollmentStatus.DROPPED,
    "停保": EnrollmentStatus.DROPPED,
    **{s.value: s for s in EnrollmentStatus},
}
_TIERS = {"1": 1, "2": 2, "一档": 1, "二档": 2, "第一档": 1, "第二档": 2, "一": 1, "二": 2}


def status(value: object) -> EnrollmentStatus:
    found = _STATUSES.get(str(value).strip()) if value is not None else None
    if found is None:
        raise RuleViolation(
            "known_status",
            f"unknown status {value!r}: 已参保, 已缴费, 断保 or 脱保 / 参保状态应为已参保、已缴费、断保或脱保",
        )
    return found


def tier(value: object) -> int:
    # Excel hands a typed number back as a float (1.0).
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    found = _TIERS.get(text) if value is not None else None
    if found is None:
        raise RuleViolation("known_tier", f"tier {value!r} is not 一档 or 二档 (1 or 2) / 缴费档次应为一档或二档")
    return found


def year(value: object) -> int:
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    text = text.removesuffix("年").removesuffix("年度")
    if value is None or not (text.isascii() and text.isdigit()) or not 2000 <= int(text) <= 2100:
        raise RuleViolation("year", f"not a year between 2000 and 2100: {value!r} / 参保年度有误")
    return int(text)


COLUMNS = (
    Column("name", "姓名", required_text),
    Column("id_number", "身份证号码", id_number),
    Column("year", "参保年度", year),
    Column("tier", "缴费档次", tier),
    Column("status", "参保状态", status),
    Column("effective_date", "变动日期", office_date),
)


class EnrollmentChecker:
    """Checks 参保登记 rows and turns the good ones into enrollment changes; one person may appear once per year
    (a second row for the same person and year is reported, since it would be unclear which one holds)."""

    def __init__(self, *, region_code: str, person_key: Callable[[str], str]) -> None:
        self._region_code = region_code
        self._person_key = person_key
        self._seen: dict[tuple[str, int], int] = {}

    def check(self, items: Iterable[tuple[int, Mapping[str, object]]]) -> Intake[EnrollmentChangedV1]:
        intake: Intake[EnrollmentChangedV1] = Intake([], [])
        for number, values in items:
            intake.received += 1
            row = check_row(number, values, COLUMNS, True, intake.errors)
            if row is None:
                continue
            key = (row["id_number"], row["year"])
            if key in self._seen:
                first = self._seen[key]
                message = f"same person and year as row {first} / 与第{first}行为同一人同一年度"
                intake.errors.append(RowError(number, "身份证号码", "duplicate_row", message))
                continue
            self._seen[key] = number
            change = EnrollmentChangedV1.trusted(
                person_key=self._person_key(row["id_number"]), region_code=self._region_code, **row
            )
            intake.changes.append((number, change))
        return intake


def read_rows(data: bytes) -> Iterator[SheetRow]:
    return sheets.read_rows(data, LAYOUT)


def template() -> bytes:
    return sheets.template(LAYOUT)
