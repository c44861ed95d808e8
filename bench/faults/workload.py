"""The workload: persons, their claims (over REST or as claims.settled records), duplicates and poison.

Everything is drawn from one seed, so a run can be repeated. The records are written here as JSON by hand, not
through the services' contracts: the suite checks the services, it does not share their code.
"""

from __future__ import annotations

import hmac
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

COUNTY = "141123"  # 兴县 (吕梁): only the province's pack, shanxi-2022, governs it
DEV_PERSON_KEY_SECRET = b"dev-only-person-key-secret"  # the services' dev secret (settings.py): the suite runs in test
CLAIM_TYPE = "cn.safetynet.claims.settled"
POISON_KINDS = ("malformed", "wrong_schema", "unknown_version", "tombstone", "non_utf8", "overflow")
CENT = Decimal("0.01")


def id_number(person: int) -> str:
    """A valid 18-character number per person: birth date and sequence number make it unique."""
    birth = date(1950, 1, 1) + timedelta(days=person // 1000)
    first17 = f"{COUNTY}{birth:%Y%m%d}{person % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def person_key(person: int) -> str:
    """The key the assistance service gives a person's ID number (keyed HMAC, 32 hex characters)."""
    return hmac.digest(DEV_PERSON_KEY_SECRET, id_number(person).encode("ascii"), "sha256").hex()[:32]


@dataclass(frozen=True)
class Claim:
    claim_id: str
    person: int
    settlement_date: date
    total_cost: Decimal
    burden: Decimal
    via_rest: bool

    @property
    def year(self) -> int:
        return self.settlement_date.year

    def data(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "person_key": person_key(self.person),
            "id_number": id_number(self.person),
            "name": "王五",
            "region_code": COUNTY,
            "settlement_date": self.settlement_date.isoformat(),
            "diagnosis": "肺恶性肿瘤",
            "total_cost": str(self.total_cost),
            "basic_insurance_paid": str(self.total_cost - self.burden),
            "critical_illness_paid": "0.00",
            "medical_assistance_paid": "0.00",
            "other_paid": "0.00",
            "personal_burden": str(self.burden),
        }

    def rest_body(self) -> dict[str, Any]:
        body = self.data()
        del body["person_key"], body["other_paid"]
        body["id_number"] = id_number(self.person)
        return body


def envelope(data: dict[str, Any], subject: str, *, event_id: str | None = None, version: int = 1) -> bytes:
    """A CloudEvents envelope in structured mode, as the services' relays publish them."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id or str(uuid.uuid4()),
            "source": "/faults/settlement",
            "type": CLAIM_TYPE,
            "subject": subject,
            "time": f"2026-06-30T0{random.randint(0, 9)}:00:00.{random.randint(0, 999999):06d}Z",
            "datacontenttype": "application/json",
            "schemaversion": version,
            "correlationid": str(uuid.uuid4()),
            "data": data,
        },
        ensure_ascii=False,
    ).encode()


@dataclass(frozen=True)
class Record:
    """One claims.settled record as the settlement system publishes it; ``value`` None is a tombstone."""

    key: str
    value: bytes | None


@dataclass
class Slice:
    """The part of the workload that flows during one fault."""

    claims: list[Claim]
    records: list[Record] = field(default_factory=list)  # the claims not sent over REST, with copies and poison
    poison: list[str] = field(default_factory=list)  # keys of the poison records
    rest_resends: list[Claim] = field(default_factory=list)  # posted again after the first answer
    rest_concurrent: list[Claim] = field(default_factory=list)  # posted three times at once


def _poison(kind: str, key: str, index: int) -> Record:
    bad = Claim(f"P-{index}-{kind}", 0, date(2026, 3, 1), Decimal("10.00"), Decimal("1.00"), False).data()
    bad["person_key"] = key
    if kind == "malformed":
        return Record(key, b'{"specversion": "1.0", "id": "' + key.encode() + b'", "data": {')
    if kind == "wrong_schema":
        return Record(key, envelope({"claim_id": bad["claim_id"], "person_key": key, "amount": "x"}, key))
    if kind == "unknown_version":
        return Record(key, envelope(bad, key, version=99))
    if kind == "tombstone":
        return Record(key, None)
    if kind == "non_utf8":
        return Record(key, b'\xff\xfe{"claim_id": "\xc3\x28"}')
    if kind == "overflow":
        bad["total_cost"] = bad["personal_burden"] = "100000000000000000000.00"  # 10^20: beyond numeric(14,2)
        bad["basic_insurance_paid"] = "0.00"
        return Record(key, envelope(bad, key))
    raise ValueError(kind)


def _burden(rng: random.Random) -> Decimal:
    return (Decimal(rng.randint(0, 600_000)) * CENT).quantize(CENT)


def generate(claims: int, persons: int, slices: int, *, rest_share: float, seed: int = 15) -> list[Slice]:
    """``claims`` claims over ``persons`` persons (each has at least one), cut into ``slices`` consecutive parts,
    each with its own duplicates and one poison record of every kind."""
    if claims < persons:
        raise ValueError("every person needs a claim: --claims must be at least --persons")
    rng = random.Random(seed)
    made: list[Claim] = []
    for i in range(claims):
        person = i if i < persons else rng.randrange(persons)
        year = rng.choice((2025, 2026))
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365 if year == 2025 else 180))
        burden = _burden(rng)
        total = burden + (Decimal(rng.randint(0, 2_000_000)) * CENT).quantize(CENT)
        made.append(Claim(f"F-{i}", person, day, total, burden, rng.random() < rest_share))
    rng.shuffle(made)
    size = -(-claims // slices)
    result = []
    for s in range(slices):
        part = Slice(made[s * size : (s + 1) * size])
        published = [c for c in part.claims if not c.via_rest]
        rest = [c for c in part.claims if c.via_rest]
        for claim in published:
            part.records.append(Record(person_key(claim.person), envelope(claim.data(), person_key(claim.person))))
        copies: list[Record] = []
        for claim, record in rng.sample(list(zip(published, list(part.records), strict=True)), min(60, len(published))):
            original = json.loads(record.value or b"")
            how = rng.choice(("identical", "re_enveloped", "new_event_id"))
            if how == "identical":
                copies.append(record)
            elif how == "re_enveloped":  # the same event id in a new envelope (new time, correlation id)
                copies.append(Record(record.key, envelope(claim.data(), record.key, event_id=original["id"])))
            else:  # the same claim under a new event id: the claim id, not the event id, keeps it once
                copies.append(Record(record.key, envelope(claim.data(), record.key)))
        for kind in POISON_KINDS:
            key = f"poison-{s}-{kind}"
            part.poison.append(key)
            copies.append(_poison(kind, key, s))
        for copy in copies:  # copies and poison land in the first two thirds, while the fault is on
            part.records.insert(rng.randrange(max(1, 2 * len(part.records) // 3)), copy)
        rng.shuffle(rest)
        part.rest_concurrent = rest[: len(rest) // 10]
        part.rest_resends = rest[len(rest) // 10 : len(rest) // 5]
        result.append(part)
    return result
