"""Published contracts: frozen, versioned models, kept apart from each service's internal events.

Evolution rules (they are a public API for partner departments):
- adding an optional field is a minor change: same version;
- removing or renaming a field, or changing its meaning, is a new version with an upcaster from the
  previous one, registered in ``upcasters``; consumers always see the newest version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class Contract(BaseModel):
    """Base of every published event payload (the envelope's ``data``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    version: ClassVar[int]
    topic: ClassVar[str]
    summary: ClassVar[str]  # one line for the AsyncAPI document

    @classmethod
    def trusted(cls, **values: Any) -> Self:
        """An event from values already checked and of the fields' own types (enums, dates), every field given:
        no validation and no per-field work. ``model_construct`` walks every field for defaults and aliases,
        a second or more of a 100,000-row import that builds 200,000 events; the serialiser reads the same
        instance dictionary either way."""
        names = _FIELD_NAMES.get(cls)
        if names is None:  # pydantic's model_fields is a computed property: looked up once per class
            names = _FIELD_NAMES[cls] = tuple(cls.model_fields)
        try:
            # In the fields' order: the serialiser writes the dictionary's order.
            ordered = {name: values[name] for name in names}
        except KeyError:
            ordered = {}
        if len(ordered) != len(values):  # a field left out, or one the contract does not have
            raise TypeError(f"{cls.__name__}.trusted needs exactly its fields: {sorted(names)}")
        event = cls.__new__(cls)
        object.__setattr__(event, "__dict__", ordered)
        object.__setattr__(event, "__pydantic_fields_set__", set(names))
        object.__setattr__(event, "__pydantic_extra__", None)
        object.__setattr__(event, "__pydantic_private__", None)
        return event


_FIELD_NAMES: dict[type[Contract], tuple[str, ...]] = {}


class UnknownEventType(LookupError):
    pass


class ContractRegistry:
    """Every contract version and the upcasters between them; looked up by (event type, version)."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[Contract]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._latest: dict[str, type[Contract]] = {}  # every decoded record asks; worth keeping

    def register(self, model: type[Contract]) -> type[Contract]:
        key = (model.event_type, model.version)
        if key in self._models:
            raise ValueError(f"contract {key} registered twice")
        self._models[key] = model
        self._latest.pop(model.event_type, None)
        return model

    def register_upcaster(self, event_type: str, from_version: int, fn: Upcaster) -> None:
        self._upcasters[(event_type, from_version)] = fn

    def latest(self, event_type: str) -> type[Contract]:
        if event_type in self._latest:
            return self._latest[event_type]
        versions = [v for (t, v) in self._models if t == event_type]
        if not versions:
            raise UnknownEventType(event_type)
        self._latest[event_type] = self._models[(event_type, max(versions))]
        return self._latest[event_type]

    def models(self) -> list[type[Contract]]:
        return sorted(self._models.values(), key=lambda m: (m.topic, m.event_type, m.version))

    def decode(self, event_type: str, version: int, data: dict[str, Any]) -> Contract:
        """Upcast ``data`` step by step to the newest version and validate it."""
        target = self.latest(event_type)
        if version > target.version:
            raise ValueError(f"{event_type} v{version} is newer than this service knows (v{target.version})")
        if (event_type, version) not in self._models:
            raise UnknownEventType(f"{event_type} v{version}")
        while version < target.version:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise LookupError(f"no upcaster for {event_type} v{version} -> v{version + 1}")
            data = step(data)
            version += 1
        return target.model_validate(data)
