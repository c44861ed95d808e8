"""What a run prints: per fault, the figures that appeared during it and its time to recover; then the overall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from bench.faults.check import Figures


@dataclass
class Phase:
    fault: str
    claims: int
    figures: Figures  # what appeared during this fault (state after it, less the state before it)
    recovery_seconds: float | None  # from the fault's end until caught up; None: not caught up in time
    lag_seconds: float | None  # from the slice's last record sent until caught up
    exits: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # service → its ERROR lines during the phase
    rest_answers: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return self.skipped is not None or (not self.figures.failures() and self.recovery_seconds is not None)


def _figures(figures: Figures) -> str:
    return "  ".join(f"{f.name}={getattr(figures, f.name)}" for f in fields(figures))


def render_phase(p: Phase, max_errors: int = 12) -> list[str]:
    if p.skipped is not None:
        return [f"[SKIP] {p.fault}: {p.skipped}"]
    recovery = (
        "not caught up in time"
        if p.recovery_seconds is None or p.lag_seconds is None
        else f"{p.recovery_seconds:.1f} s ({p.lag_seconds:.1f} s after the slice's last record)"
    )
    lines = [
        f"[{'PASS' if p.ok else 'FAIL'}] {p.fault}: {p.claims} claims, recovered in {recovery}",
        f"       {_figures(p.figures)}",
        f"       REST answers: {dict(sorted(p.rest_answers.items()))}",
    ]
    lines.extend(f"       exited: {exit_}" for exit_ in p.exits)
    for service, errors in p.errors.items():
        lines.append(f"       {service}: {len(errors)} ERROR lines, first ones:")
        lines.extend(f"         {e[:300]}" for e in errors[:max_errors])
    return lines


def render(phases: Sequence[Phase], overall: Figures) -> str:
    lines = ["故障测试结果 / fault suite results", ""]
    for p in phases:
        lines.extend(render_phase(p))
    lines += ["", "overall / 总计:", f"       {_figures(overall)}"]
    failed = [p.fault for p in phases if not p.ok]
    verdict = "PASS: every invariant 0" if not overall.failures() and not failed else f"FAIL: {failed or 'overall'}"
    lines.append(verdict)
    return "\n".join(lines)
