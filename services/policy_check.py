"""``safetynet policy check DIR``: validate every pack and say what is missing, before a deployment loads them."""

from __future__ import annotations

from pathlib import Path

from libs.common.policy import PolicyBook, PolicyError, load_pack


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
