"""``safetynet policy set-figure`` / ``figure-history``: the operator's figure entry from a terminal, over the same
REST API the assistance service serves (so the same checks, the same history, the same policy.changed)."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8004"


def add_commands(commands: Any) -> None:
    setting = commands.add_parser("set-figure", help="enter (or correct) a policy figure for a year (政策参数录入)")
    setting.add_argument("pack", help="pack id, e.g. weihai-2023")
    setting.add_argument("figure", help="figure name in the pack, e.g. shandong_income")
    setting.add_argument("year", type=int, help="the year the value applies in")
    setting.add_argument("value", help="yuan, e.g. 39000.00")
    setting.add_argument("--source", required=True, help="the document it comes from (统计公报、文件文号)")
    setting.add_argument("--note")
    setting.add_argument("--unconfirmed", action="store_true", help="a provisional value (not yet in the bulletin)")
    history = commands.add_parser("figure-history", help="a figure's values by year and every entry made for it")
    history.add_argument("pack")
    history.add_argument("figure")
    for parser in (setting, history):
        parser.add_argument("--url", default=os.environ.get("SAFETYNET_ASSISTANCE_URL", DEFAULT_URL))
        parser.add_argument(
            "--token",
            default=os.environ.get("SAFETYNET_TOKEN"),
            help="the operator's token (default: $SAFETYNET_TOKEN)",
        )


def run(args: argparse.Namespace, transport: httpx.BaseTransport | None = None) -> int:
    """Exit code: 0 done, 1 refused (the problem is printed), 2 not reachable or no token."""
    if not args.token:
        print("no token: pass --token or set SAFETYNET_TOKEN (the operator's token, role policy_admin)")
        return 2
    headers = {"Authorization": f"Bearer {args.token}"}
    try:
        with httpx.Client(base_url=args.url, headers=headers, timeout=30, transport=transport) as client:
            if args.policy_command == "set-figure":
                body: dict[str, Any] = {"value": args.value, "source": args.source, "confirmed": not args.unconfirmed}
                if args.note:
                    body["note"] = args.note
                response = client.put(f"/policies/{args.pack}/figures/{args.figure}/{args.year}", json=body)
            else:
                response = client.get(f"/policies/{args.pack}/figures/{args.figure}")
    except httpx.HTTPError as exc:
        print(f"cannot reach {args.url}: {exc}")
        return 2
    print(json.dumps(response.json(), ensure_ascii=False, indent=2))
    return 0 if response.is_success else 1
