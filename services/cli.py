"""The ``safetynet`` command: run the services (all four in one process by default) and operator tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable, Sequence

import uvicorn
from fastapi import FastAPI

from libs.common.logging_setup import configure_logging
from libs.common.messaging.bus import Bus
from libs.common.runtime import build_bus
from libs.common.settings import Settings
from services.assistance.app import build as build_assistance
from services.enrollment.app import build as build_enrollment
from services.monitoring.app import build as build_monitoring
from services.referral.app import build as build_referral

Builder = Callable[[Settings, Bus | None], FastAPI]
SERVICES: dict[str, tuple[Builder, int]] = {
    "enrollment": (build_enrollment, 8001),
    "monitoring": (build_monitoring, 8002),
    "referral": (build_referral, 8003),
    "assistance": (build_assistance, 8004),
}
log = logging.getLogger("safetynet")


async def _serve(apps: Sequence[tuple[str, FastAPI, int]], host: str) -> None:
    servers = [
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False))
        for _name, app, port in apps
    ]
    await asyncio.gather(*(s.serve() for s in servers))


async def run_all(settings: Settings, host: str) -> None:
    # One embedded bus for all four, so a publish wakes the other services' consumers at once.
    shared = build_bus(settings, "safetynet") if settings.bus == "embedded" else None
    if shared is not None:
        await shared.start()
    try:
        apps = [(name, build(settings, shared), port) for name, (build, port) in SERVICES.items()]
        for name, _app, port in apps:
            log.info("%-10s http://%s:%d/docs", name, host, port)
        await _serve(apps, host)
    finally:
        if shared is not None:
            await shared.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="safetynet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the services (default: all four, embedded bus, SQLite)")
    run.add_argument("--service", choices=sorted(SERVICES), help="run this one service only")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, help="port for --service (default: its usual port)")
    args = parser.parse_args(argv)

    settings = Settings()
    configure_logging(settings.log_level)
    if args.command == "run":
        if args.service:
            build, default_port = SERVICES[args.service]
            asyncio.run(_serve([(args.service, build(settings, None), args.port or default_port)], args.host))
        else:
            asyncio.run(run_all(settings, args.host))


if __name__ == "__main__":
    main()
