"""One run: start the cluster, then for each fault let a slice of the workload flow, inject the fault a third of
the way in, heal it, wait until the system has caught up, and check every invariant on the state so far."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.faults import state as system_state
from bench.faults.check import Figures, check
from bench.faults.cluster import REPO, Cluster, PrivatePostgres
from bench.faults.expected import Expected, expect, line_for_others
from bench.faults.faults import CATALOGUE, Fault
from bench.faults.feed import Poster, publish
from bench.faults.report import Phase, render, render_phase
from bench.faults.workload import Claim, Slice, generate
from libs.common import clock


@dataclass(frozen=True)
class Options:
    claims: int
    persons: int
    faults: list[str]
    flow_seconds: float = 20.0  # how long each slice takes to publish
    catch_up_seconds: float = 180.0  # how long to wait, after a fault's end, for the system to catch up
    rest_share: float = 0.05  # the share of claims posted over REST instead of published
    artifacts: Path = REPO / "test-artifacts" / "faults"


class ExitWatch:
    """Finds service processes that ended without the suite killing them, and starts them again (after a pause)
    so the run goes on; each such exit is a failure of its own."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.exits: list[str] = []
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            for service in list(self.cluster.services.values()):
                code = service.exited()
                if code is not None:
                    self.exits.append(f"{service.name} exited with {code} at {clock.utc_now().strftime('%H:%M:%S')}")
                    service.process = None
                    await asyncio.sleep(3)
                    service.start()
            await asyncio.sleep(0.5)

    def __enter__(self) -> ExitWatch:
        self._task = asyncio.create_task(self._watch())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _log_marks(cluster: Cluster) -> dict[str, int]:
    return {s.name: s.log.stat().st_size if s.log.exists() else 0 for s in cluster.services.values()}


def _error_lines(cluster: Cluster, marks: dict[str, int]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for service in [*cluster.services.values(), *cluster.retired]:
        with service.log.open("rb") as log:
            log.seek(marks.get(service.name, 0))
            text = log.read().decode("utf-8", "replace")
        errors = [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]
        if errors:
            found[service.name] = errors
    return found


async def _caught_up(cluster: Cluster, expected: Expected, timeout: float) -> float | None:
    """The time all expected claims, flags and referrals are in the databases; None if not within ``timeout``."""
    deadline = time.monotonic() + timeout
    want = (len(expected.claims), len(expected.flags), len(expected.referrals))
    while time.monotonic() < deadline:
        try:
            got = await system_state.counts(cluster.database_url)
            if all(g >= w for g, w in zip(got, want, strict=True)):
                return time.monotonic()
        except Exception:  # PostgreSQL still recovering: keep waiting
            pass
        await asyncio.sleep(0.5)
    return None


async def _phase(cluster: Cluster, fault: Fault, part: Slice, poster: Poster, expected: Expected,
                 options: Options) -> tuple[float | None, float | None, list[str], dict[str, list[str]]]:  # fmt: skip
    marks = _log_marks(cluster)
    with ExitWatch(cluster) as watch:
        if fault.prepare is not None:
            await fault.prepare(cluster)
        rest = [c for c in part.claims if c.via_rest]
        flow = asyncio.gather(
            publish(cluster.bootstrap, cluster.prefix, part.records, options.flow_seconds),
            poster.post_all(rest, part.rest_concurrent, part.rest_resends, options.flow_seconds),
        )
        await asyncio.sleep(options.flow_seconds / 3)
        await fault.inject(cluster)
        await asyncio.sleep(fault.hold)
        await fault.heal(cluster)
        healed = time.monotonic()
        await flow
        flowed = time.monotonic()
        caught = await _caught_up(cluster, expected, options.catch_up_seconds)
        await asyncio.sleep(2)  # what arrives late (a duplicate flag, a dead letter) has its chance to show
    recovery, lag = (None, None) if caught is None else (caught - healed, caught - flowed)
    return recovery, lag, watch.exits, _error_lines(cluster, marks)


async def run(options: Options) -> tuple[str, bool]:
    unknown = [f for f in options.faults if f not in CATALOGUE]
    if unknown:
        raise ValueError(f"unknown faults {unknown}; known: {list(CATALOGUE)}")
    faults = [CATALOGUE[f] for f in options.faults]
    parts = generate(options.claims, options.persons, len(faults), rest_share=options.rest_share)
    line = line_for_others()
    private = PrivatePostgres.available()
    shutil.rmtree(options.artifacts, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix="faults-"))
    cluster = Cluster(options.artifacts, work, shared_admin_url=os.environ.get("SAFETYNET_TEST_DATABASE_URL"))
    poster: Poster | None = None
    phases: list[Phase] = []
    so_far: list[Claim] = []
    poison: set[str] = set()
    before = Figures()
    refused: set[str] = set()
    exits = 0
    try:
        await cluster.start(private_postgres=private)
        poster = Poster(f"http://127.0.0.1:{cluster.services['assistance'].port}", options.catch_up_seconds)
        for fault, part in zip(faults, parts, strict=True):
            if fault.needs_private_postgres and not private:
                phases.append(
                    Phase(fault.name, 0, Figures(), None, None, skipped="needs a private PostgreSQL (initdb)")
                )
                continue
            so_far.extend(part.claims)
            poison.update(part.poison)
            expected = expect(so_far, line)
            answers_before = dict(poster.answers)
            print(f"-- {fault.name}: {len(part.claims)} claims, {len(part.records)} records", flush=True)
            recovery, lag, phase_exits, errors = await _phase(cluster, fault, part, poster, expected, options)
            exits += len(phase_exits)
            refused.update(poster.refused)
            state = await system_state.read(cluster.database_url, cluster.bootstrap, cluster.prefix)
            now = check(
                state, expected, line, poison, exited=exits, refused=len(refused), rest_500=poster.answers["500"]
            )
            answers = {k: n - answers_before.get(k, 0) for k, n in poster.answers.items()}
            answers = {k: n for k, n in answers.items() if n}
            phase = Phase(fault.name, len(part.claims), now.minus(before), recovery, lag, phase_exits, errors, answers)
            phases.append(phase)
            print("\n".join(render_phase(phases[-1])), flush=True)
            before = now
    finally:
        if poster is not None:
            await poster.close()
        await cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    text = render(phases, before)
    (options.artifacts / "report.txt").write_text(text + "\n", encoding="utf-8")
    return text, all(p.ok for p in phases) and not before.failures()
