"""The Grafana dashboard and the Prometheus alerts ask only for metrics the code exports.

The exported names come from a real /metrics scrape of every service (the common metrics, the referral deadlines,
monitoring's unevaluated claims); the queries are parsed as PromQL (promql-parser), not grepped, so a typo in a
query is a parse error and a renamed metric is a missing name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import yaml
from prometheus_client.parser import text_string_to_metric_families

from services.system import running
from tests import backends
from tests.conftest import make_settings

DASHBOARDS = backends.REPO / "deploy" / "grafana" / "dashboards"
ALERTS = backends.REPO / "deploy" / "prometheus" / "alerts.yml"


def selected_metrics(node: Any) -> Iterator[str]:
    """Every metric name a PromQL expression selects, by walking its syntax tree."""
    if type(node).__name__ == "VectorSelector":
        yield node.name
        return
    for attr in ("expr", "lhs", "rhs", "param", "vector_selector"):
        child = getattr(node, attr, None)
        if child is not None:
            yield from selected_metrics(child)
    for arg in getattr(node, "args", None) or ():
        yield from selected_metrics(arg)


def dashboard_queries(dashboard: dict[str, Any]) -> list[str]:
    queries = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        # label_values(metric, label) is Grafana's, not PromQL: the metric is its first argument.
        definition = variable.get("definition", "")
        if definition.startswith("label_values("):
            queries.append(definition.removeprefix("label_values(").split(",")[0])
    return queries


async def exported_names(tmp_path: Path) -> set[str]:
    texts = []
    async with running(make_settings(tmp_path)) as apps:
        for name, app in apps.items():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
                texts.append((await client.get("/metrics")).text)
    names: set[str] = set()
    for family in (f for text in texts for f in text_string_to_metric_families(text)):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(family.name + "_total")  # present even before the first sample
    return names


async def test_every_dashboard_and_alert_query_uses_exported_metrics(tmp_path: Path) -> None:
    exported = await exported_names(tmp_path)
    assert {"safetynet_referrals_overdue", "safetynet_consumer_lag", "safetynet_outbox_backlog"} <= exported
    assert {"safetynet_policy_blind_spots", "safetynet_claims_unevaluated"} <= exported
    queries: dict[str, list[str]] = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        assert dashboard["panels"], path
        queries[path.name] = dashboard_queries(dashboard)
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    queries[ALERTS.name] = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert queries["deadlines.json"], "the deadline dashboard has no queries"

    for source, exprs in queries.items():
        for expr in exprs:
            used = set(selected_metrics(promql_parser.parse(expr)))
            assert used, f"{source}: {expr!r} selects no metric"
            assert used <= exported, f"{source}: {expr!r} uses {sorted(used - exported)}, not exported"


def test_the_deadline_dashboard_covers_what_ops_asked_for() -> None:
    dashboard = json.loads((DASHBOARDS / "deadlines.json").read_text(encoding="utf-8"))
    used = {name for expr in dashboard_queries(dashboard) for name in selected_metrics(promql_parser.parse(expr))}
    wanted = {
        "safetynet_referrals_open",
        "safetynet_referrals_overdue",
        "safetynet_outbox_backlog",
        "safetynet_consumer_lag",
        "safetynet_events_dead_lettered_total",
    }
    assert wanted <= used, sorted(wanted - used)
    assert dashboard["uid"] and dashboard["panels"][0]["datasource"]["uid"] == "prometheus"  # the provisioned one
