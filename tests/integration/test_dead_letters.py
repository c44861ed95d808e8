"""``safetynet dead-letters``, on the embedded bus and on Kafka: a valid event dead-lettered while its handler was
broken is listed, shown with its ID number masked, sent back once the handler is fixed and handled once; sending it
back again is refused without ``--again``, and with it the inbox absorbs the copy."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from libs.common.messaging.bus import Bus, Record
from libs.common.messaging.consumer import ConsumerRunner
from libs.common.messaging.contracts.assistance import ClaimSettledV1
from libs.common.messaging.envelope import Envelope
from libs.common.messaging.topics import CLAIMS_SETTLED, REDRIVES, dead_letter_topic
from libs.common.messaging.unit_of_work import UnitOfWork
from libs.common.runtime import build_bus
from libs.common.settings import Settings
from services import dead_letters_cli
from services.cli import build_parser
from tests.conftest import make_settings
from tests.integration.harness import Harness, add_to_total, claim, make_harness, tables
from tests.integration.monitoring_harness import envelope_of

pytestmark = pytest.mark.integration

GROUP = "monitoring"  # a service's name, as the command takes it; the bus's topic prefix keeps tests apart
ID_NUMBER = "141123196005010128"  # in every claim of harness.claim
MASKED = "141123********0128"


@dataclass
class Handler:
    """The service's handler, broken until fixed; counts the events it handled."""

    broken: bool = True
    handled: list[str] = field(default_factory=list)

    async def __call__(self, uow: UnitOfWork, event: ClaimSettledV1, envelope: Envelope) -> None:
        if self.broken:
            raise RuntimeError("column total_cost of relation totals does not exist")  # a bug, fixed later
        await add_to_total(uow, event, envelope)
        self.handled.append(event.claim_id)


@dataclass
class Service:
    settings: Settings
    bus: Bus
    harness: Harness
    handler: Handler
    runner: ConsumerRunner

    async def consume(self, records: int, timeout: float = 40.0) -> None:
        """Run the consumer until it has processed this many more records."""
        goal = self.runner.processed + records
        deadline = time.monotonic() + timeout
        while self.runner.processed < goal and time.monotonic() < deadline:
            await self.runner.run_once()
        assert self.runner.processed == goal

    async def command(self, *argv: str) -> tuple[int, str]:
        lines: list[str] = []
        args = build_parser().parse_args(["dead-letters", *argv])
        code = await dead_letters_cli.execute(args, self.settings, out=lines.append)
        return code, "\n".join(lines)


@pytest.fixture
async def service(bus_settings: dict[str, Any], tmp_path: Path) -> AsyncIterator[Service]:
    settings = make_settings(tmp_path, **bus_settings)
    bus = build_bus(settings, "dead-letter-test")
    await bus.start()
    await bus.ensure_topics([CLAIMS_SETTLED, dead_letter_topic(GROUP)])
    harness = await make_harness(f"sqlite+aiosqlite:///{tmp_path}/service.sqlite", bus, GROUP)
    handler = Handler()
    runner = ConsumerRunner(
        group=GROUP, bus=bus, uow_factory=harness.uow, handlers={ClaimSettledV1: handler}, inbox=tables.inbox
    )
    yield Service(settings, bus, harness, handler, runner)
    await runner.stop()
    await harness.engine.dispose()
    await bus.stop()


async def test_a_dead_letter_is_listed_shown_masked_and_sent_back_once(service: Service) -> None:
    event = claim("C-7", amount="120.00")
    envelope = envelope_of(event, "p1")
    original_headers = (("traceparent", b"00-abc-def-01"),)
    await service.bus.publish(
        [
            Record(CLAIMS_SETTLED, "p1", envelope.to_bytes(), original_headers),
            Record(CLAIMS_SETTLED, "p2", f"\xff not an event {ID_NUMBER}".encode("latin-1")),
        ]
    )
    await service.consume(2)
    assert service.runner.dead_lettered == 2 and service.handler.handled == []

    code, listed = await service.command("list", "--group", GROUP, "--json")
    assert code == 0
    rows = json.loads(listed)
    [valid] = [r for r in rows if r["event_id"] is not None]
    [poison] = [r for r in rows if r["event_id"] is None]
    assert (valid["event_id"], valid["event_type"], valid["original_topic"]) == (
        envelope.id,
        event.event_type,
        CLAIMS_SETTLED,
    )
    assert "RuntimeError" in valid["error"] and valid["failed_at"] and valid["redriven"] == []
    assert poison["event_type"] is None and poison["error"]

    code, table = await service.command("list", "--group", GROUP)
    assert code == 0 and "编号 id" in table and "错误 error" in table and valid["id"] in table

    for row in (valid, poison):
        code, shown = await service.command("show", "--group", GROUP, row["id"])
        assert code == 0
        assert MASKED in shown and ID_NUMBER not in shown  # in the envelope, and in a payload that does not decode
    assert envelope.id in (await service.command("show", "--group", GROUP, valid["id"]))[1]

    service.handler.broken = False  # the fix is deployed
    code, said = await service.command(
        "redrive", "--group", GROUP, valid["id"], "--by", "张三", "--reason", "totals 表缺列已修复"
    )
    assert code == 0, said
    await service.consume(1)
    assert service.handler.handled == ["C-7"]
    assert await service.harness.total("p1") == 120

    # The copy on the original topic: same key, value and headers, and who sent it back.
    copy = (await service.bus.read_all(CLAIMS_SETTLED))[-1]
    assert (copy.key, copy.value) == ("p1", envelope.to_bytes())
    headers = dict(copy.headers)
    assert headers["traceparent"] == b"00-abc-def-01" and headers["redriven-by"] == "张三".encode()
    assert not any(name.startswith("dlq-") for name in headers)

    sent_before = len(await service.bus.read_all(CLAIMS_SETTLED))
    code, said = await service.command("redrive", "--group", GROUP, valid["id"], "--by", "李四")
    assert code == 1 and "--again" in said and "张三" in said
    assert len(await service.bus.read_all(CLAIMS_SETTLED)) == sent_before  # refused: nothing sent

    code, said = await service.command("redrive", "--group", GROUP, valid["id"], "--by", "李四", "--again")
    assert code == 0, said
    await service.consume(1)
    assert service.handler.handled == ["C-7"]  # the inbox knew the envelope id
    assert await service.harness.total("p1") == 120

    code, listed = await service.command("list", "--group", GROUP, "--json")
    [valid_now] = [r for r in json.loads(listed) if r["id"] == valid["id"]]
    assert [(r["by"], r["reason"]) for r in valid_now["redriven"]] == [("张三", "totals 表缺列已修复"), ("李四", "")]
    recorded = [json.loads(d.value) for d in await service.bus.read_all(REDRIVES)]
    assert [(r["by"], r["dead_letters"], r["event_ids"], r["again"]) for r in recorded] == [
        ("张三", [valid["id"]], [envelope.id], False),
        ("李四", [valid["id"]], [envelope.id], True),
    ]


async def test_all_sends_back_only_what_was_not_sent_back_yet(service: Service) -> None:
    first, second = claim("C-1", person="p1"), claim("C-2", person="p2")
    await service.bus.publish(
        [
            Record(CLAIMS_SETTLED, "p1", envelope_of(first, "p1").to_bytes()),
            Record(CLAIMS_SETTLED, "p2", envelope_of(second, "p2").to_bytes()),
        ]
    )
    await service.consume(2)
    service.handler.broken = False
    code, listed = await service.command("list", "--group", GROUP, "--json")
    ids = sorted(r["id"] for r in json.loads(listed))
    assert len(ids) == 2
    one = ids[0]
    assert (await service.command("redrive", "--group", GROUP, one, "--by", "张三"))[0] == 0

    code, said = await service.command("redrive", "--group", GROUP, "--all", "--by", "张三")
    assert code == 0 and one in said  # named as skipped
    await service.consume(2)
    assert sorted(service.handler.handled) == ["C-1", "C-2"]
    recorded = [json.loads(d.value)["dead_letters"] for d in await service.bus.read_all(REDRIVES)]
    assert recorded == [[one], [ids[1]]]
