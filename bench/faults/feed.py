"""The settlement system's side: claims.settled records published to the broker, and claims posted over REST.

Both retry as a careful client would (a record whose send failed is sent again, a post that got no answer or a 5xx
is posted again), so any copy they make is one more duplicate the system must absorb, never a loss. A post that
is never answered with 200/201 before the deadline is counted as refused: its claim then shows as lost.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence

import httpx
from aiokafka import AIOKafkaProducer

from bench.faults.workload import Claim, Record

CHUNK = 100
CLAIMS_TOPIC = "claims.settled"
AUTH = {"Authorization": "Bearer dev-medical_security"}


async def publish(bootstrap: str, prefix: str, records: Sequence[Record], seconds: float) -> int:
    """Publish ``records`` evenly over ``seconds``; returns how many sends were retried."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                                request_timeout_ms=15_000, linger_ms=5)  # fmt: skip
    await _retrying(producer.start)
    retried = 0
    started = time.monotonic()
    try:
        for at in range(0, len(records), CHUNK):
            due = started + seconds * at / max(1, len(records))
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            chunk = records[at : at + CHUNK]
            while True:
                try:
                    sent = [await producer.send(prefix + CLAIMS_TOPIC, r.value, key=r.key.encode()) for r in chunk]
                    await asyncio.gather(*sent)
                    break
                except Exception:  # the broker is down or cut: send the chunk again (duplicates are allowed)
                    retried += len(chunk)
                    await asyncio.sleep(1.0)
    finally:
        await producer.stop()
    return retried


async def _retrying(start: object) -> None:
    while True:
        try:
            await start()  # type: ignore[operator]
            return
        except Exception:
            await asyncio.sleep(1.0)


class Poster:
    """Posts claims to the assistance service's REST API and counts the answers it got."""

    def __init__(self, base_url: str, deadline_seconds: float) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, headers=AUTH, timeout=30.0)
        self.deadline_seconds = deadline_seconds
        self.answers: Counter[str] = Counter()
        self.refused: list[str] = []  # claim ids never answered 200/201

    async def post(self, claim: Claim) -> None:
        deadline = time.monotonic() + self.deadline_seconds
        while time.monotonic() < deadline:
            try:
                response = await self.client.post("/claims", json=claim.rest_body())
            except httpx.HTTPError as exc:
                self.answers[type(exc).__name__] += 1
                await asyncio.sleep(0.5)
                continue
            self.answers[str(response.status_code)] += 1
            if response.status_code in (200, 201):
                return
            if response.status_code < 500 and response.status_code != 429:
                break  # 4xx: the claim was refused for good (409: "already used" for an identical body)
            await asyncio.sleep(0.5)
        self.refused.append(claim.claim_id)

    async def post_all(self, claims: Sequence[Claim], concurrent: Sequence[Claim], resends: Sequence[Claim],
                       seconds: float, parallel: int = 4) -> None:  # fmt: skip
        """Each claim once, the ``concurrent`` ones three times at once, the ``resends`` again after their answer;
        spread over ``seconds``."""
        twice = {c.claim_id for c in concurrent}
        again = {c.claim_id for c in resends}
        queue: asyncio.Queue[Claim] = asyncio.Queue()
        started = time.monotonic()

        async def worker() -> None:
            while True:
                claim = await queue.get()
                try:
                    if claim.claim_id in twice:
                        await asyncio.gather(*(self.post(claim) for _ in range(3)))
                    else:
                        await self.post(claim)
                    if claim.claim_id in again:
                        await self.post(claim)
                finally:
                    queue.task_done()

        workers = [asyncio.create_task(worker()) for _ in range(parallel)]
        try:
            for i, claim in enumerate(claims):
                due = started + seconds * i / max(1, len(claims))
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                await queue.put(claim)
            await queue.join()
        finally:
            for w in workers:
                w.cancel()

    async def close(self) -> None:
        await self.client.aclose()
