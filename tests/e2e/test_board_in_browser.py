"""The deadline board as a person sees it: the referral service served over HTTP, loaded in headless Chromium.

Chromium is Debian's package (installed by .ci/run); it logs in the way a person's browser does, with Basic
credentials (any user name, the token as the password). The rendered DOM is checked, and a screenshot is kept in
test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from libs.common.runtime import ServiceRuntime
from services.referral.board import today_in_china
from services.system import running
from tests import backends
from tests.conftest import make_settings
from tests.e2e.board_seed import TODAY, seed

pytestmark = pytest.mark.integration
ARTIFACTS = backends.REPO / "test-artifacts"


class Page(HTMLParser):
    """Text by element id, and each table body row's cells, from Chromium's serialised DOM."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self.selected: list[str] = []
        self._open_ids: list[tuple[str, str | None]] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "option" and "selected" in a:
            self.selected.append(a.get("value") or "")
        self._open_ids.append((tag, a.get("id")))
        if tag == "input" and a.get("id"):
            self.by_id[str(a["id"])] = a.get("value") or ""
            self._open_ids.pop()  # a void element: no end tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row:
            self.rows.setdefault(self._table, []).append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        while self._open_ids:
            open_tag, _ = self._open_ids.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _, element_id in self._open_ids:
            if element_id:
                self.by_id[element_id] = self.by_id.get(element_id, "") + data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def board_url(pg_admin_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """The referral service on PostgreSQL, seeded, served by uvicorn on a free port; the board pinned to TODAY."""
    stem = backends.unique("sn_")
    with backends.postgres_databases(pg_admin_url, [f"{stem}_referral"]):
        settings = make_settings(
            tmp_path,
            database_url=backends.database_url(pg_admin_url, f"{stem}_{{service}}"),
            bus_database_url=f"sqlite+aiosqlite:///{tmp_path}/bus.sqlite",
        )
        async with running(settings, only="referral") as apps:
            app: FastAPI = apps["referral"]
            runtime: ServiceRuntime = app.state.runtime
            await seed(runtime.engine)
            app.dependency_overrides[today_in_china] = lambda: TODAY
            port = free_port()
            server = uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=False)
            )
            serving = asyncio.create_task(server.serve())
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped it
                await asyncio.sleep(0.05)
            try:
                # The browser's own credentials syntax: user "ops", password = the medical-security token.
                yield f"http://ops:dev-medical_security@127.0.0.1:{port}/board"
            finally:
                server.should_exit = True
                await serving


async def chromium(tmp_path: Path, *args: str) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        backends.unavailable("headless browser test needs Debian's chromium package (apt-get install chromium)")
    process = await asyncio.create_subprocess_exec(
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path / 'chromium'}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    except TimeoutError:
        process.kill()
        raise
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


async def test_a_person_sees_counts_overdue_days_and_masked_ids(board_url: str, tmp_path: Path) -> None:
    page = Page(await chromium(tmp_path, "--dump-dom", board_url))
    assert page.by_id["today"] == TODAY.isoformat()
    totals = {k: page.by_id[f"total-{k}"] for k in ("awaiting", "due-today", "due-soon", "overdue")}
    assert totals == {"awaiting": "8", "due-today": "1", "due-soon": "2", "overdue": "4"}
    # County, agency label, awaiting, due today, due soon, overdue, most working days overdue, earliest due, with no
    # decision deadline, most working days waited (every seeded referral has a due day).
    assert page.rows["tallies"] == [
        ["141123", "民政局", "5", "1", "1", "3", "8", "2026-09-18", "0", "0"],
        ["141123", "乡村振兴局", "2", "0", "1", "0", "0", "2026-10-09", "0", "0"],
        ["141124", "民政局", "1", "0", "0", "1", "1", "2026-09-29", "0", "0"],
    ]
    first = page.rows["longest-waiting"][0]
    assert first[:3] == ["141123", "民政局", "欧***"]
    assert first[3].startswith("141123********") and len(first[3]) == 18  # masked: region + last 4 only
    assert first[-1] == "逾期8个工作日"
    dom_text = " ".join(" ".join(row) for row in page.rows["longest-waiting"])
    assert "19620401" not in dom_text  # no birth date, i.e. no unmasked ID number, anywhere in the list

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "deadline-board.png"
    shot.unlink(missing_ok=True)
    await chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,1100", "--hide-scrollbars", board_url)
    assert shot.stat().st_size > 10_000  # a rendered page, not an empty canvas


async def test_filters_in_the_address_are_applied_and_shown_in_the_form(board_url: str, tmp_path: Path) -> None:
    url = f"{board_url}?county=141123&agency=rural_revitalization"
    page = Page(await chromium(tmp_path, "--dump-dom", url))
    assert page.by_id["county"] == "141123"
    assert page.selected == ["rural_revitalization"]
    assert [row[:2] for row in page.rows["tallies"]] == [["141123", "乡村振兴局"]]
    assert page.by_id["total-awaiting"] == "2"
    assert {row[-1] for row in page.rows["longest-waiting"]} == {"未逾期"}  # 9 and 10 Oct: not yet due
