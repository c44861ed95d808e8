"""``Contract.trusted`` skips validation for values a bulk import has already checked; the event it gives must be
indistinguishable from a validated one."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from libs.common.agencies import Agency
from libs.common.categories import Category
from libs.common.messaging.contracts.enrollment import ChangeType, EnrollmentGapOpenedV1, GapKind, RosterChangedV1

ROSTER: dict[str, Any] = {
    "change_id": "c-1",
    "person_key": "k" * 32,
    "id_number": "141123196005010128",
    "name": '张三 "引号"',
    "region_code": "141123",
    "township": None,
    "village": "村1",
    "change_type": ChangeType.ADDED,
    "category": Category.DIBAO,
    "effective_date": date(2026, 1, 5),
    "list_date": date(2026, 1, 9),
    "agency": Agency.CIVIL_AFFAIRS,
}
GAP: dict[str, Any] = {
    "gap_id": "g-1",
    "person_key": "k" * 32,
    "id_number": "141123196005010128",
    "name": "张三",
    "region_code": "141123",
    "township": "蔚汾镇",
    "village": None,
    "year": 2026,
    "kind": GapKind.NEVER_ENROLLED,
    "categories": (Category.DIBAO, Category.TEKUN),
    "opened_on": date(2026, 9, 30),
    "due_on": date(2026, 10, 13),
    "due_provisional": False,
}


@pytest.mark.parametrize(("model", "values"), [(RosterChangedV1, ROSTER), (EnrollmentGapOpenedV1, GAP)])
def test_a_trusted_event_equals_the_validated_one(model: Any, values: dict[str, Any]) -> None:
    # Given in reverse order: the serialiser must follow the contract's field order, not the dictionary's.
    trusted = model.trusted(**dict(reversed(list(values.items()))))
    validated = model.model_validate(values)
    assert trusted == validated
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert trusted.model_fields_set == validated.model_fields_set


def test_every_field_must_be_given() -> None:
    with pytest.raises(TypeError, match="exactly its fields"):
        RosterChangedV1.trusted(**{k: v for k, v in ROSTER.items() if k != "township"})
    with pytest.raises(TypeError, match="exactly its fields"):
        RosterChangedV1.trusted(**ROSTER, extra="x")
