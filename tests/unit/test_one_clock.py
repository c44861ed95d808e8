"""Only libs/common/clock.py reads the machine's time: every other module, tests and benchmarks included, takes
"today" and "now" from the process's clock, so ``SAFETYNET_TODAY`` moves all of them and no test depends on the
day it runs. Time measured for waiting or benchmarks (``time.monotonic``, ``perf_counter``) is not a date and
is allowed."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import REPO

ROOTS = ("libs", "services", "tests", "bench")
CLOCK = REPO / "libs" / "common" / "clock.py"
SELF = Path(__file__)  # its examples below are data

# What reads the wall clock, by its full name in the standard library.
MACHINE_TIME = frozenset(
    {
        "datetime.date.today",
        "datetime.datetime.today",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "time.time",
        "time.time_ns",
        "time.localtime",
        "time.gmtime",
        "time.ctime",
        "time.asctime",
        "time.strftime",
    }
)
# The database's clock is the machine's too.
SQL_CLOCK_FUNCTIONS = frozenset({"now", "current_date", "current_timestamp", "localtimestamp", "localtime"})
SQL_CLOCK_TEXT = re.compile(r"\bnow\(\)|\b(current_date|current_timestamp|localtimestamp)\b", re.IGNORECASE)


def machine_time_reads(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for every reference to the machine's time in a module, however it was imported."""
    tree = ast.parse(source)
    # Local name → full name, from the module's imports: "dt" → "datetime", "DT" → "datetime.datetime".
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in ("datetime", "time"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names[alias.asname or alias.name] = full
                if full in MACHINE_TIME:
                    yield node.lineno, f"from {node.module} import {alias.name}"
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        parts = [node.attr]
        inner: ast.expr = node.value
        while isinstance(inner, ast.Attribute):
            parts.append(inner.attr)
            inner = inner.value
        if not isinstance(inner, ast.Name):
            continue
        parts.reverse()
        chain = [inner.id, *parts]
        if len(chain) >= 2 and chain[-2] == "func" and chain[-1].lower() in SQL_CLOCK_FUNCTIONS:
            yield node.lineno, ".".join(chain)
            continue
        imported = names.get(inner.id)
        if imported and ".".join([imported, *parts]) in MACHINE_TIME:
            yield node.lineno, ".".join(chain)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in SQL_CLOCK_TEXT.finditer(node.value):
                yield node.lineno, f"SQL {match.group(0)}"


def sources() -> Iterator[Path]:
    for root in ROOTS:
        yield from sorted((REPO / root).rglob("*.py"))


def test_no_module_but_the_clock_reads_the_machine_time() -> None:
    found = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for path in sources()
        if path not in (CLOCK, SELF)
        for line, what in machine_time_reads(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "read today/now from libs.common.clock instead:\n" + "\n".join(found)


def test_the_clock_itself_is_found_reading_it() -> None:
    # The scan sees clock.py's own read, so an empty result above means something.
    assert [what for _, what in machine_time_reads(CLOCK.read_text(encoding="utf-8"))] == ["time.time_ns"]


@pytest.mark.parametrize(
    ("snippet", "what"),
    [
        ("from datetime import date\ndate.today()", "date.today"),
        ("from datetime import datetime, UTC\nx = datetime.now(UTC)", "datetime.now"),
        ("import datetime\ndatetime.datetime.utcnow()", "datetime.datetime.utcnow"),
        ("import datetime as dt\ndt.date.today()", "dt.date.today"),
        ("from datetime import datetime as DT\nDT.today()", "DT.today"),
        ("import time\nstamp = time.time()", "time.time"),
        ("import time as t\nt.time_ns()", "t.time_ns"),
        ("from time import time\n", "from time import time"),
        ("import sqlalchemy as sa\nsa.select(sa.func.now())", "sa.func.now"),
        ("from sqlalchemy import func\nfunc.current_date()", "func.current_date"),
        (
            "from pydantic import Field\nfrom datetime import datetime\nField(default_factory=datetime.now)",
            "datetime.now",
        ),
        ("import sqlalchemy as sa\nsa.text('SELECT * FROM t WHERE due_on < CURRENT_DATE')", "SQL CURRENT_DATE"),
        ("q = 'UPDATE t SET at = now() WHERE id = $1'", "SQL now()"),
    ],
)
def test_each_way_of_reading_the_machine_time_is_found(snippet: str, what: str) -> None:
    assert [w for _, w in machine_time_reads(snippet)] == [what]


@pytest.mark.parametrize(
    "snippet",
    [
        "import time\ntime.monotonic(); time.perf_counter(); time.sleep(0)",
        "from datetime import date\ndate.fromisoformat('2026-12-03'); date(2026, 12, 3)",
        "from libs.common.clock import china_today, utc_now\nchina_today(); utc_now()",
        "import asyncio\nasyncio.get_running_loop().time()",
    ],
)
def test_durations_and_fixed_dates_are_not_machine_time(snippet: str) -> None:
    assert list(machine_time_reads(snippet)) == []
