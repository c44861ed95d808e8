"""Test variants of shipped packs: some pending values set, as an operator would set them once known.

The shipped packs leave a value pending where the seed does not give it, and a settlement that needs one answers
a problem naming it. Worked examples of the mechanisms around such a value (a yearly limit that bites, a floor,
out-of-catalog caps) run on a variant where it is set; each variant says in its test module which numbers are
made up and why they leave the worked examples' arithmetic alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from libs.common.policy import PolicyPack

_PART = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


def _key(node: Any, name: str, ident: str) -> Any:
    """The key of one path part in a dumped pack: a list item by its id, a dict key by its text (new keys too)."""
    if ident:
        return next(i for i, item in enumerate(node) if item.get("id") == ident)
    return next((k for k in node if str(k) == name), name)


def with_values(pack: PolicyPack, new_id: str, values: Mapping[str, Any], source: str) -> PolicyPack:
    """``pack`` with each path (as in ``PolicyPack.values()``) set to a value, validated like a shipped pack.

    A plain value (a number, ``"unlimited"``) becomes an unconfirmed value with ``source``; a mapping is taken
    as written (it may give its own status and source).
    """
    data = pack.model_dump()
    data["id"] = new_id
    for path, value in values.items():
        *parents, last = _PART.findall(path)
        node: Any = data
        for name, ident in parents:
            node = node[_key(node, name, ident)]
        given = dict(value) if isinstance(value, Mapping) else {"value": value}
        given.setdefault("status", "unconfirmed")
        given.setdefault("source", source)
        node[_key(node, *last)] = given
    return PolicyPack.model_validate(data)
