"""`safetynet policy set-figure` / `figure-history`: the operator's command over real HTTP to a served assistance
service (uvicorn on a free loopback port), so the command, the route and the checks are the ones in production."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
import uvicorn

from services.cli import main
from services.system import running
from tests.conftest import make_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def command(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    return int(exited.value.code or 0)


async def test_an_operator_enters_a_figure_from_the_command_and_reads_its_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with running(make_settings(tmp_path), only="assistance") as apps:
        config = uvicorn.Config(apps["assistance"], host="127.0.0.1", port=port, lifespan="off", log_config=None)
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event, to wait on)
                await asyncio.sleep(0.05)
            operator = ["--url", url, "--token", "dev-policy_admin-371000"]
            source = ["--source", "山东省2025年国民经济和社会发展统计公报", "--unconfirmed"]
            figure = ["policy", "set-figure", "weihai-2023", "shandong_income", "2026", "41234.00"]
            entered = await asyncio.to_thread(command, [*figure, *operator, *source])
            printed = json.loads(capsys.readouterr().out)
            assert entered == 0, printed
            assert (printed["value"], printed["confirmed"], printed["in_force"]) == ("41234.00", False, True)

            # Another region's operator is refused: the problem is printed and the exit code says so.
            other = ["--url", url, "--token", "dev-policy_admin-140000", "--source", "x"]
            refused = await asyncio.to_thread(
                command, ["policy", "set-figure", "weihai-2023", "shandong_income", "2026", "1.00", *other]
            )
            assert refused == 1
            assert json.loads(capsys.readouterr().out)["type"].endswith("/forbidden-region")

            history = await asyncio.to_thread(
                command, ["policy", "figure-history", "weihai-2023", "shandong_income", *operator]
            )
            assert history == 0
            shown = json.loads(capsys.readouterr().out)
            assert shown["values"] == {"2023": "37560.00", "2026": "41234.00"}
            assert [e["source"] for e in shown["entries"]] == ["山东省2025年国民经济和社会发展统计公报"]
        finally:
            server.should_exit = True
            await serving

    # No token: said plainly, nothing sent.
    assert command(["policy", "set-figure", "weihai-2023", "shandong_income", "2026", "1.00", "--source", "x"]) == 2
    assert "no token" in capsys.readouterr().out
