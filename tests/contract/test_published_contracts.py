"""The event contracts are a public API: the committed specs match the code, and no release is broken.

``baseline/`` holds the JSON Schemas as released to partner departments. A change that removes or retypes a
field, or makes a new field required, fails here: that change needs a new contract version and an upcaster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from libs.common.messaging.contracts import REGISTRY
from services import specs

BASELINE = Path(__file__).parent / "baseline"


def test_committed_specs_match_the_code() -> None:
    assert specs.stale() == [], "run `make specs` and commit deploy/"


def _props(schema: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = schema["properties"]
    return props


@pytest.mark.parametrize("released", sorted(BASELINE.glob("*.json")), ids=lambda p: p.stem)
def test_released_contract_versions_stay_compatible(released: Path) -> None:
    old = json.loads(released.read_text(encoding="utf-8"))
    event_type, _, version = released.stem.rpartition(".v")
    current = {(m.event_type, m.version): m for m in REGISTRY.models()}
    model = current.get((event_type, int(version)))
    assert model is not None, f"{released.stem} was released and must keep flowing until retired"
    new = model.model_json_schema(mode="serialization")
    for field, spec in _props(old).items():
        assert field in _props(new), f"{released.stem}: field {field!r} removed"
        for key in ("type", "format", "pattern", "anyOf", "$ref", "enum", "const"):
            assert _props(new)[field].get(key) == spec.get(key), f"{released.stem}: {field}.{key} changed"
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    assert not added_required, f"{released.stem}: new required fields {added_required} break old producers"
    for name, definition in old.get("$defs", {}).items():
        if "enum" in definition:
            missing = set(definition["enum"]) - set(new["$defs"][name]["enum"])
            assert not missing, f"{released.stem}: enum {name} lost values {missing}"


def test_every_contract_version_has_a_released_baseline() -> None:
    released = {p.stem for p in BASELINE.glob("*.json")}
    assert {f"{m.event_type}.v{m.version}" for m in REGISTRY.models()} <= released, (
        "a new contract version: copy its schema from deploy/schemas/ into tests/contract/baseline/"
    )
