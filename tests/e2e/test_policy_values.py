"""A pending ratio or limit entered by the region's operator (issue 14): the settlement that was refused naming it
goes through once it is set, and bad settings are refused naming the field and the rule. (SQLite, embedded bus:
the entry path is the one of figures, tested on both deployments in test_policy_figures.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.e2e.system import Api, eventually, system
from tests.e2e.test_settlement_api import CA, ID, MS, XINZHOU, add_dibao, claim

OPERATOR = {"Authorization": "Bearer dev-policy_admin-140900"}  # 忻州市医保局's operator
THRESHOLD = "/policies/xinzhou-2022/values/settlement.tilted.threshold"


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    async with system(make_settings(tmp_path)) as clients:
        yield clients


def errors_of(response: Any) -> list[tuple[str, str]]:
    assert response.status_code in (403, 422), response.text
    return [(e["field"], e["rule"]) for e in response.json().get("errors", [])]


async def test_the_operator_sets_the_pending_tilt_line_and_the_refused_settlement_goes_through(api: Api) -> None:
    await add_dibao(api, ID, XINZHOU, CA)

    async def refused_for_the_pending_line() -> bool:
        r = await api["assistance"].post("/settlements/quote", headers=MS, json=claim("q"))
        return r.status_code == 422 and r.json()["errors"][0]["field"] == "xinzhou-2022:settlement.tilted.threshold"

    await eventually(refused_for_the_pending_line)

    # The tilt (倾斜救助) has three pending values; each refusal names the next one still missing.
    source = "忻州市医疗保障局文件（测试）"
    entered: dict[str, Any] = {}
    for name, value in (("threshold", "20000.00"), ("ratio", "0.50"), ("annual_limit", "30000.00")):
        body = {"value": value, "source": source, "confirmed": False}
        r = await api["assistance"].put(
            f"/policies/xinzhou-2022/values/settlement.tilted.{name}", headers=OPERATOR, json=body
        )
        assert r.status_code == 201, r.text
        entered[name] = r.json()
        assert (r.json()["kind"], r.json()["setting"], r.json()["in_force"]) == ("value", value, True)
        quote = await api["assistance"].post("/settlements/quote", headers=MS, json=claim("q"))
        if name != "annual_limit":
            assert quote.status_code == 422, quote.text
            assert quote.json()["errors"][0]["field"] != f"xinzhou-2022:settlement.tilted.{name}"

    # 忻州, 低保: 15,000.00 × 0.70 = 10,500.00 leaves 4,500.00 after the three tiers, below the 20,000.00 line now
    # set: no tilted assistance, and the line (unconfirmed) is named in the explanation.
    quote = await api["assistance"].post("/settlements/quote", headers=MS, json=claim("q"))
    assert quote.status_code == 200, quote.text
    named = {(v["path"], v["status"], v["value"]) for v in quote.json()["unconfirmed_values"]}
    assert ("settlement.tilted.threshold", "unconfirmed", "20000.00") in named

    pack = (await api["assistance"].get("/policies/xinzhou-2022", headers=MS)).json()
    assert pack["settlement"]["tilted"]["threshold"]["value"] == "20000.00"
    same = {"value": "20000.00", "source": source, "confirmed": False}
    again = await api["assistance"].put(THRESHOLD, headers=OPERATOR, json=same)
    assert again.status_code == 200 and again.json()["entry_id"] == entered["threshold"]["entry_id"]


async def test_bad_value_entries_are_refused_naming_field_and_rule(api: Api) -> None:
    good = {"value": "0.70", "source": "忻州市医疗保障局文件"}
    ratio = "/policies/xinzhou-2022/values/settlement.tilted.ratio"
    assert errors_of(await api["assistance"].put(ratio, headers=OPERATOR, json={**good, "value": "1.50"})) == [
        ("value", "value-invalid")  # a ratio is a fraction between 0 and 1
    ]
    nowhere = "/policies/xinzhou-2022/values/settlement.nowhere"
    assert errors_of(await api["assistance"].put(nowhere, headers=OPERATOR, json=good)) == [("path", "value-unknown")]
    assert errors_of(await api["assistance"].put(ratio, headers=OPERATOR, json={"value": "0.70"})) == [
        ("source", "missing")
    ]
    weihai_operator = {"Authorization": "Bearer dev-policy_admin-371000"}
    other = await api["assistance"].put(ratio, headers=weihai_operator, json=good)
    assert other.status_code == 403 and other.json()["type"].endswith("/forbidden-region")
    pack = (await api["assistance"].get("/policies/xinzhou-2022", headers=MS)).json()
    assert pack["settlement"]["tilted"]["ratio"].get("value") is None  # still pending: nothing changed
