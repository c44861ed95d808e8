"""Generate the published specs from the code: JSON Schemas, AsyncAPI and OpenAPI, under deploy/.

``python -m services.specs`` writes them; ``python -m services.specs --check`` fails if the committed files
differ from what the code says (CI runs the same comparison as a test).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from libs.common.calendar import WorkingCalendar
from libs.common.messaging.contracts import REGISTRY, Contract
from libs.common.messaging.envelope import CONTENT_TYPE, Envelope
from libs.common.messaging.topics import REDRIVES, dead_letter_topic
from libs.common.policy import load_book
from libs.common.settings import Settings
from services.monitoring.consumers import handler_table as monitoring_handlers
from services.referral.consumers import handler_table as referral_handlers
from services.system import SERVICES

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def _owner(model: type[Contract]) -> str:
    return model.__module__.rsplit(".", 1)[-1]


def _consumers() -> dict[str, list[type[Contract]]]:
    book = load_book(REPO / "policies")
    return {
        "monitoring": list(monitoring_handlers(book)),
        "referral": list(referral_handlers(book, WorkingCalendar())),
    }


def _name(model: type[Contract]) -> str:
    return model.__name__


def contract_schemas() -> dict[str, dict[str, Any]]:
    """One self-contained JSON Schema file per contract version, plus the envelope."""
    files = {"cloudevents-envelope.json": Envelope.model_json_schema(mode="serialization")}
    for model in REGISTRY.models():
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"urn:safetynet:schema:{model.event_type}:v{model.version}"
        schema["description"] = model.summary
        files[f"{model.event_type}.v{model.version}.json"] = schema
    return files


def asyncapi() -> dict[str, Any]:
    models = REGISTRY.models()
    _, top = models_json_schema([(m, "serialization") for m in models], ref_template="#/components/schemas/{model}")
    schemas = dict(top.get("$defs", {}))
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for model in models:
        channel = model.topic.replace(".", "_")
        messages[_name(model)] = {
            "name": _name(model),
            "title": f"{model.event_type} v{model.version}",
            "summary": model.summary,
            "contentType": CONTENT_TYPE.split(";")[0],
            "headers": {"type": "object", "properties": {"content-type": {"type": "string", "const": CONTENT_TYPE}}},
            "bindings": {"kafka": {"key": {"type": "string", "description": "pseudonymous person key (= subject)"}}},
            "payload": {
                "type": "object",
                "description": "CloudEvents 1.0 envelope, structured mode",
                "required": ["specversion", "id", "source", "type", "subject", "time", "schemaversion", "data"],
                "properties": {
                    "specversion": {"const": "1.0"},
                    "id": {"type": "string"},
                    "source": {"type": "string", "const": f"/safetynet/{_owner(model)}"},
                    "type": {"const": model.event_type},
                    "subject": {"type": "string"},
                    "time": {"type": "string", "format": "date-time"},
                    "datacontenttype": {"const": "application/json"},
                    "dataschema": {"const": f"urn:safetynet:schema:{model.event_type}:v{model.version}"},
                    "schemaversion": {"const": model.version},
                    "correlationid": {"type": "string"},
                    "causationid": {"type": ["string", "null"]},
                    "data": {"$ref": f"#/components/schemas/{_name(model)}"},
                },
            },
        }
        channels.setdefault(channel, {"address": model.topic, "messages": {}})
        channels[channel]["messages"][_name(model)] = {"$ref": f"#/components/messages/{_name(model)}"}
        if REGISTRY.latest(model.event_type) is not model:
            continue  # an older version is still read (upcast) but no longer sent
        operations[f"{_owner(model)}_sends_{_name(model)}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"published by the {_owner(model)} service",
            "messages": [{"$ref": f"#/channels/{channel}/messages/{_name(model)}"}],
        }
    for service, consumed in _consumers().items():
        for model in consumed:
            channel = model.topic.replace(".", "_")
            operations[f"{service}_receives_{_name(model)}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel}"},
                "summary": f"consumed by the {service} service (group '{service}')",
                "messages": [{"$ref": f"#/channels/{channel}/messages/{_name(model)}"}],
            }
        dlq = dead_letter_topic(service)
        channels[dlq.replace(".", "_").replace("-", "_")] = {
            "address": dlq,
            "description": (
                f"Records the {service} group could not process: the original key, value and headers, plus "
                "dlq-error, dlq-original-topic, dlq-original-partition, dlq-original-offset, "
                "dlq-consumer-group and dlq-failed-at headers."
            ),
        }
    channels[REDRIVES.replace(".", "_")] = {
        "address": REDRIVES,
        "description": (
            "Dead letters an operator sent back to their original topic (safetynet dead-letters redrive), keyed by "
            "the consumer group: JSON {group, by, reason, at, again, dead_letters (partition:offset in the group's "
            "dead-letter topic), event_ids}. The records sent back carry redriven-by, redriven-at and redriven-from "
            "headers."
        ),
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "safetynet events",
            "version": "1.0.0",
            "description": (
                "Events exchanged between agencies to prevent illness-induced poverty (防范化解因病返贫致贫). "
                "Each record is a CloudEvents 1.0 envelope (structured mode) keyed by the pseudonymous person key, "
                "so one person's events stay in order. Contracts are versioned: a new optional field is a minor "
                "change; a removed or renamed field is a new version with an upcaster, and the old version keeps "
                "flowing until retired."
            ),
        },
        "defaultContentType": CONTENT_TYPE.split(";")[0],
        "servers": {"production": {"host": "kafka:9092", "protocol": "kafka", "description": "Apache Kafka (KRaft)"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def openapi() -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="test", data_dir=Path(tmp), policies_dir=REPO / "policies")
        return {f"{name}.json": build(settings, None).openapi() for name, (build, _port) in SERVICES.items()}


def rendered() -> dict[Path, str]:
    out = {DEPLOY / "asyncapi.yaml": yaml.safe_dump(asyncapi(), allow_unicode=True, sort_keys=False, width=110)}
    for name, schema in contract_schemas().items():
        out[DEPLOY / "schemas" / name] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    for name, spec in openapi().items():
        out[DEPLOY / "openapi" / name] = json.dumps(spec, ensure_ascii=False, indent=2) + "\n"
    return out


def stale() -> list[Path]:
    return [p for p, text in rendered().items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed specs are out of date")
    args = parser.parse_args()
    if args.check:
        outdated = stale()
        for path in outdated:
            print(f"out of date: {path.relative_to(REPO)} (run: make specs)")
        sys.exit(1 if outdated else 0)
    for path, text in rendered().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
