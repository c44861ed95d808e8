"""``safetynet policy check DIR [--on DATE]``: validate every pack and say what is missing, before a deployment loads
them; with ``--on``, list the blind spots of that date's year (exit non-zero when there are any)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from libs.common.db import create_engine
from libs.common.policy import PolicyBook, PolicyError, load_book, load_pack
from libs.common.policy.blind_spots import blind_spots
from libs.common.read_models.policy_entries import load_entries
from libs.common.settings import Settings
from services.monitoring.tables import policy_entries
from services.monitoring.waiting import WaitingCount, waiting_by_figure


def check(directory: Path, out: list[str]) -> bool:
    """Append a report to ``out``; True when every pack is valid (pending figures and values are warnings)."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        out.append(f"✗ no policy packs (*.yaml) in {directory}")
        return False
    ok, packs = True, []
    for path in files:
        try:
            pack = load_pack(path)
        except PolicyError as exc:
            ok = False
            out.append(f"✗ {path.name}")
            out.extend(f"    {line}" for line in str(exc).splitlines()[1:] or [str(exc)])
            continue
        packs.append(pack)
        sections = [
            s
            for s in ("monitoring", "referral", "settlement", "subsidy", "enrollment", "waiting_period", "reports")
            if getattr(pack, s) is not None
        ]
        period = f"{pack.effective_from}…{pack.effective_to or ''}"
        out.append(f"✓ {path.name}: {pack.id} ({pack.region_code}, {period}; {', '.join(sections)})")
        out.extend(f"    pending figure — {line}" for line in pack.pending_figures())
        out.extend(f"    pending value — {line}" for line in pack.pending_values())
        unconfirmed = pack.unconfirmed_figures()
        if unconfirmed:
            out.append(f"    unconfirmed figures (check the source before production): {', '.join(unconfirmed)}")
        values = pack.unconfirmed_values()
        if values:
            out.append(f"    unconfirmed values (named in every explanation that uses one): {', '.join(values)}")
    try:
        PolicyBook(packs)
    except PolicyError as exc:
        ok = False
        out.append(f"✗ {exc}")
    return ok


def monitoring_database(settings: Settings) -> str | None:
    """The monitoring service's database URL, or None for an SQLite file that does not exist (nothing ran yet)."""
    url = settings.service_database_url("monitoring")
    if url.startswith("sqlite") and not Path(url.split("///", 1)[1]).exists():
        return None
    return url


async def blind_spot_report(directory: Path, on: date, monitoring_url: str | None, out: list[str]) -> int:
    """Append the blind spots of ``on``'s year to ``out``, with how many persons and claims wait on each; returns
    how many there are. The operators' entries and the waiting counts come from the monitoring service's database
    (it keeps every entry); without one the packs alone are checked, and the report says so."""
    book = load_book(directory)
    counts: dict[tuple[str, str, int], WaitingCount] = {}
    if monitoring_url is None:
        out.append("! no monitoring database yet: operators' entries and waiting claims not counted")
    else:
        engine = create_engine(monitoring_url)
        try:
            async with engine.connect() as conn:
                book.apply(await load_entries(conn, policy_entries))
                counts = await waiting_by_figure(conn)
        except (DBAPIError, OSError) as exc:
            out.append(f"! monitoring database not readable ({type(exc).__name__}): entries and waiting not counted")
        finally:
            await engine.dispose()
    spots = blind_spots(book, on)
    out.append(f"监测盲区 / blind spots on {on.isoformat()} ({on.year}): {len(spots)}")
    for spot in spots:
        waiting = counts.get((spot.pack_id, spot.figure or "", spot.year))
        waits = f" — {waiting.persons} persons, {waiting.claims} claims waiting" if waiting else ""
        out.append(f"✗ {spot.label}{waits}")
        out.append(f"    {spot.kind.value} {spot.pack_id} {spot.section} {spot.figure or ''}: {spot.detail}")
    return len(spots)
