"""Shared by the report tests: the system on both deployments, and a few REST steps that make warnings."""

from __future__ import annotations

from datetime import date
from typing import Any

from libs.common.idcard import make_id_number
from tests.e2e.system import Api, claim_body, eventually

MS = {"Authorization": "Bearer dev-medical_security"}


def id_number(county: str, seq: int) -> str:
    return make_id_number(county, date(1960, 1, 1 + seq), seq)


async def add_to_roster(
    api: Api, number: str, name: str, category: str, township: str, village: str, agency: str = "civil_affairs"
) -> str:
    county = number[:6]
    body = {"id_number": number, "name": name, "region_code": county, "township": township, "village": village,
            "change_type": "新增", "category": category, "effective_date": "2026-01-05"}  # fmt: skip
    headers = {"Authorization": f"Bearer dev-{agency}-{county}"}
    added = await api["enrollment"].post("/roster/changes", headers=headers, json=body)
    assert added.status_code == 201, added.text
    key: str = added.json()["person_key"]

    async def known() -> bool:
        r = await api["monitoring"].get(f"/persons/{key}/years/2026", headers=MS)
        return r.status_code == 200 and r.json()["categories_today"] != []

    await eventually(known)
    return key


async def claim(api: Api, claim_id: str, number: str, name: str, settled: date, burden: str, total: str) -> str:
    body: dict[str, Any] = {**claim_body(claim_id, number, burden, total), "name": name,
                            "region_code": number[:6], "settlement_date": settled.isoformat()}  # fmt: skip
    posted = await api["assistance"].post("/claims", headers=MS, json=body)
    assert posted.status_code == 201, posted.text
    key: str = posted.json()["person_key"]
    return key
