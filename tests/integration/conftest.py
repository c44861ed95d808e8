"""Fixtures shared by the integration suites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from libs.common.messaging.bus import Bus
from libs.common.messaging.topics import CLAIMS_SETTLED
from libs.common.runtime import build_bus
from tests.conftest import make_settings


@pytest.fixture
async def bus(bus_settings: dict[str, Any], tmp_path: Path) -> AsyncIterator[Bus]:
    """Either bus (the embedded log or the broker), started, with the claims topic."""
    b = build_bus(make_settings(tmp_path, **bus_settings), "integration-test")
    await b.start()
    await b.ensure_topics([CLAIMS_SETTLED])
    yield b
    await b.stop()
