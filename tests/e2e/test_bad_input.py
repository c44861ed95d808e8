"""Bad input gets a problem document (RFC 9457) naming the field and the rule, and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import make_settings
from tests.e2e.system import Api, auth, claim_body, person, system

ROSTER_ROW = {
    "id_number": person(3),
    "name": "李四",
    "region_code": "141123",
    "change_type": "新增",
    "category": "低保",
    "effective_date": "2026-01-05",
}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path)) as clients:
        yield clients


async def rows(api: Api, service: str, table: str) -> int:
    async with api.runtime(service).engine.connect() as conn:
        return int(await conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    return body


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"id_number": person(3)[:-1] + ("0" if person(3)[-1] != "0" else "1")}, "id_number", "check_digit"),
        ({"id_number": "14112319620431001X"}, "id_number", "birth_date"),  # April has no 31st
        ({"total_cost": "-1.00"}, "total_cost", "non_negative"),
        ({"personal_burden": "12000.001"}, "personal_burden", "two_decimals"),
        # 13 integer digits: accepted before, then "numeric field overflow" in PostgreSQL's NUMERIC(14, 2) (a 500).
        ({"total_cost": "9999999999999.00"}, "total_cost", "amount_too_large"),
        ({"region_code": "14112"}, "region_code", "string_pattern_mismatch"),
        ({"settlement_date": "2099-01-01"}, "settlement_date", "not_in_future"),
    ],
)
async def test_a_bad_claim_field_is_named_with_its_rule(
    api: Api, change: dict[str, str], field: str, rule: str
) -> None:
    body = {**claim_body("C-1", person(3), "12000.00"), **change}
    response = await api["assistance"].post("/claims", headers=auth("medical_security"), json=body)
    errors = problem(response, 422)["errors"]
    assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in errors]
    assert (await rows(api, "assistance", "claims"), await rows(api, "assistance", "outbox")) == (0, 0)


async def test_amounts_that_do_not_add_up_are_rejected(api: Api) -> None:
    body = {**claim_body("C-1", person(3), "12000.00"), "medical_assistance_paid": "1.00"}
    errors = problem(await api["assistance"].post("/claims", headers=auth("medical_security"), json=body), 422)
    assert errors["errors"] == [
        {"field": "total_cost", "rule": "payers_plus_burden_equal_total", "message": errors["detail"]}
    ]
    assert await rows(api, "assistance", "outbox") == 0


async def test_an_unknown_category_is_named(api: Api) -> None:
    response = await api["enrollment"].post(
        "/roster/changes", headers=auth("civil_affairs"), json={**ROSTER_ROW, "category": "富人"}
    )
    [error] = problem(response, 422)["errors"]
    assert (error["field"], error["rule"]) == ("category", "known_category")
    assert (await rows(api, "enrollment", "roster_changes"), await rows(api, "enrollment", "outbox")) == (0, 0)


async def test_a_category_outside_the_agencys_authority_is_forbidden(api: Api) -> None:
    response = await api["enrollment"].post(
        "/roster/changes", headers=auth("civil_affairs"), json={**ROSTER_ROW, "category": "返贫致贫人口"}
    )
    assert "民政局" in problem(response, 403)["detail"]
    assert await rows(api, "enrollment", "outbox") == 0


async def test_missing_unknown_and_wrong_agency_tokens(api: Api) -> None:
    body = claim_body("C-1", person(3), "12000.00")
    missing = problem(await api["assistance"].post("/claims", json=body), 401)
    assert "Bearer" in missing["detail"]
    problem(await api["assistance"].post("/claims", json=body, headers={"Authorization": "Bearer nope"}), 401)
    wrong = problem(await api["assistance"].post("/claims", json=body, headers=auth("civil_affairs")), 403)
    assert "medical_security" in wrong["detail"]
    assert await rows(api, "assistance", "claims") == 0


async def test_a_county_token_cannot_write_for_another_county(api: Api) -> None:
    response = await api["enrollment"].post(
        "/roster/changes", headers=auth("civil_affairs"), json={**ROSTER_ROW, "region_code": "141124"}
    )
    assert problem(response, 403)["type"].endswith("forbidden-region")
    assert await rows(api, "enrollment", "roster_changes") == 0


async def test_malformed_json_names_the_body(api: Api) -> None:
    response = await api["assistance"].post(
        "/claims", headers={**auth("medical_security"), "content-type": "application/json"}, content=b"{nope"
    )
    [error] = problem(response, 422)["errors"]
    assert (error["field"], error["rule"]) == ("body", "json_invalid")


async def test_a_resent_claim_is_acknowledged_once_and_a_changed_one_conflicts(api: Api) -> None:
    body = claim_body("C-1", person(3), "12000.00")
    ms = auth("medical_security")
    assert (await api["assistance"].post("/claims", headers=ms, json=body)).status_code == 201
    assert (await api["assistance"].post("/claims", headers=ms, json=body)).status_code == 200
    changed = {**claim_body("C-1", person(3), "11000.00")}
    assert problem(await api["assistance"].post("/claims", headers=ms, json=changed), 409)["detail"]
    assert (await rows(api, "assistance", "claims"), await rows(api, "assistance", "outbox")) == (1, 1)


async def test_read_views_mask_the_id_number(api: Api) -> None:
    ms = auth("medical_security")
    await api["assistance"].post("/claims", headers=ms, json=claim_body("C-1", person(3), "12000.00"))
    shown = (await api["assistance"].get("/claims/C-1", headers=ms)).json()["id_number"]
    assert shown == person(3)[:6] + "********" + person(3)[-4:]
