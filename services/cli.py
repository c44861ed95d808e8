"""The ``safetynet`` command: run the services (all four in one process by default) and operator tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import uvicorn

from libs.common import clock
from libs.common.db import create_engine
from libs.common.logging_setup import configure_logging
from libs.common.migrations import upgrade
from libs.common.settings import Settings
from services import dead_letters_cli as dead_letters
from services import policy_check
from services import policy_figures_cli as figures
from services.monitoring.rebuild import Rebuilt, rebuild
from services.system import SERVICES, running

MONITORING_MIGRATIONS = Path(__file__).parent / "monitoring" / "migrations"

log = logging.getLogger("safetynet")


async def serve(settings: Settings, host: str, only: str | None = None, port: int | None = None) -> None:
    async with running(settings, only) as apps:
        servers = []
        for name, app in apps.items():
            bound = port or SERVICES[name][1]
            log.info("%-10s http://%s:%d/docs", name, host, bound)
            # Lifespan is ours (services started above), so uvicorn only serves HTTP.
            config = uvicorn.Config(app, host=host, port=bound, lifespan="off", log_config=None, access_log=False)
            servers.append(uvicorn.Server(config))
        await asyncio.gather(*(s.serve() for s in servers))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safetynet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the services (default: all four, embedded bus, SQLite)")
    run.add_argument("--service", choices=sorted(SERVICES), help="run this one service only")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, help="port for --service (default: its usual port)")
    policy = commands.add_parser("policy", help="policy-pack tools")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_commands.add_parser("check", help="validate every pack in a folder and list what is missing")
    check.add_argument("directory", type=Path, nargs="?", default=Path("policies"))
    check.add_argument(
        "--on",
        type=date.fromisoformat,
        help="also list the blind spots (监测盲区) of this date's year, with the claims waiting on each; "
        "exit 1 when there are any",
    )
    figures.add_commands(policy_commands)
    monitoring = commands.add_parser("monitoring", help="monitoring tools")
    monitoring_commands = monitoring.add_subparsers(dest="monitoring_command", required=True)
    rebuild = monitoring_commands.add_parser("rebuild", help="rebuild a year's burden totals from the claim facts")
    rebuild.add_argument("--year", type=int, required=True)
    dead_letters.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)

    if args.command == "policy" and args.policy_command != "check":
        sys.exit(figures.run(args))
    if args.command == "policy":
        report: list[str] = []
        ok = policy_check.check(args.directory, report)
        if ok and args.on is not None:
            database = policy_check.monitoring_database(Settings())
            ok = asyncio.run(policy_check.blind_spot_report(args.directory, args.on, database, report)) == 0
        print("\n".join(report))
        sys.exit(0 if ok else 1)

    settings = Settings()
    configure_logging(settings.log_level)
    if args.command == "dead-letters":
        sys.exit(dead_letters.run(args, settings))
    with clock.installed(clock.Clock(settings.today)):
        if args.command == "run":
            asyncio.run(serve(settings, args.host, args.service, args.port))
        elif args.command == "monitoring":
            result = asyncio.run(rebuild_monitoring_year(settings, args.year))
            print(f"{result.year}: {result.person_years} person-years rebuilt, {result.differing} differed from before")


async def rebuild_monitoring_year(settings: Settings, year: int) -> Rebuilt:
    engine = create_engine(settings.service_database_url("monitoring"))
    try:
        await upgrade(engine, MONITORING_MIGRATIONS)  # the tables as the running service has them (idempotent)
        return await rebuild(engine, year)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
