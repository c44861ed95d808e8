"""The fault suite's CI variant: a few thousand claims through the four services as separate processes on Apache
Kafka and PostgreSQL, with duplicates and poison, under a subset of the faults (``python -m bench.faults`` runs
them all over 100,000 claims). Every invariant must be 0; the report names the fault and the figure otherwise."""

from __future__ import annotations

import shutil

import pytest

from bench.faults.faults import CI
from bench.faults.suite import Options, run
from tests import backends

pytestmark = pytest.mark.integration


async def test_no_claim_is_lost_or_counted_twice_and_only_poison_is_dead_lettered_under_faults() -> None:
    if shutil.which("java") is None or shutil.which("mvn") is None:
        backends.unavailable("the fault suite starts its own Apache Kafka: java and mvn are needed")
    options = Options(
        claims=3_000,
        persons=500,
        faults=CI,
        flow_seconds=10.0,
        catch_up_seconds=120.0,
        rest_share=0.1,
        artifacts=backends.REPO / "test-artifacts" / "faults-ci",
    )
    report, ok = await run(options)
    print(report)
    assert ok, report
