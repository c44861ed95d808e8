"""``safetynet dead-letters list|show|redrive``: an operator's view of a consumer group's dead letters (死信), and
sending chosen ones back to their original topic once the cause is fixed (重投). Works on either bus, with the
bus and topic prefix of the settings (SAFETYNET_*), the same as the services use."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from libs.common.idcard import mask_id_numbers_in_text
from libs.common.messaging.bus import BusUnavailable
from libs.common.messaging.dead_letters import (
    DeadLetter,
    NotOurs,
    Redrive,
    dead_letters,
    redrive,
    redriven_by,
    redrives,
)
from libs.common.runtime import build_bus
from libs.common.settings import Settings
from services.system import SERVICES

Out = Callable[[str], None]
_ERROR_IN_TABLE = 60  # characters of the error a table row shows; ``show`` and ``--json`` give all of it


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("dead-letters", help="死信: list, show and send back (redrive) a group's dead letters")
    sub = parser.add_subparsers(dest="dead_letters_command", required=True)
    listing = sub.add_parser("list", help="列出死信 / list a consumer group's dead letters with their errors")
    listing.add_argument("--json", action="store_true", help="one JSON document, for machines")
    show = sub.add_parser("show", help="查看一条死信 / one dead letter in full (ID numbers masked)")
    show.add_argument("id", help="its id from list: partition:offset (or the offset alone, if only one has it)")
    send = sub.add_parser("redrive", help="重投 / send dead letters back to their original topic")
    send.add_argument("ids", nargs="*", help="ids from list (partition:offset, or the offset alone)")
    send.add_argument(
        "--all", action="store_true", help="every dead letter not yet sent back (with --again: every one)"
    )
    send.add_argument("--by", required=True, help="who sends them back (recorded)")
    send.add_argument("--reason", default="", help="why, e.g. the fix that makes them pass now (recorded)")
    send.add_argument("--again", action="store_true", help="send even those already sent back once")
    for p in (listing, show, send):
        p.add_argument("--group", required=True, choices=sorted(SERVICES), help="the consumer group (service)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(execute(args, settings))


async def execute(args: argparse.Namespace, settings: Settings, out: Out = print) -> int:
    """Exit code: 0 done, 1 refused or not found (the reason is printed), 2 the bus cannot be reached."""
    bus = build_bus(settings, "safetynet-dead-letters")
    await bus.start()
    try:
        letters = await dead_letters(bus, args.group)
        history = await redrives(bus, args.group)
        if args.dead_letters_command == "list":
            _list(letters, history, settings.topic_prefix, args.json, out)
            return 0
        if args.dead_letters_command == "show":
            found = _select(letters, [args.id], out)
            if found is None:
                return 1
            _show(found[0], history, settings.topic_prefix, out)
            return 0
        chosen = _chosen(args, letters, history, out)
        if chosen is None:
            return 1
        if not chosen:
            out("没有要重投的死信 / nothing to redrive")
            return 0
        try:
            done = await redrive(
                bus, args.group, chosen, by=args.by, reason=args.reason, topic_prefix=settings.topic_prefix,
                again=args.again,
            )  # fmt: skip
        except NotOurs as exc:
            out(f"无法重投 / cannot redrive: {exc}")
            return 1
        out(f"已重投 {len(done.dead_letters)} 条 / redrove {len(done.dead_letters)}: {', '.join(done.dead_letters)}")
        out(f"记录 / recorded: by {done.by} at {done.at}" + (f", reason: {done.reason}" if done.reason else ""))
        return 0
    except BusUnavailable as exc:
        out(f"消息总线不可达 / the bus cannot be reached: {exc}")
        return 2
    finally:
        await bus.stop()


def _select(letters: Sequence[DeadLetter], ids: Sequence[str], out: Out) -> list[DeadLetter] | None:
    """The dead letters the operator named, in the order named; None (and why, printed) if any is not found."""
    chosen: list[DeadLetter] = []
    for wanted in ids:
        matches = [
            letter
            for letter in letters
            if letter.id == wanted or (":" not in wanted and str(letter.delivery.offset) == wanted)
        ]
        if not matches:
            out(f"没有这条死信 / no dead letter {wanted} in this group")
            return None
        if len(matches) > 1:
            out(f"{wanted} 不唯一 / is ambiguous: name one of {', '.join(m.id for m in matches)}")
            return None
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def _chosen(
    args: argparse.Namespace, letters: Sequence[DeadLetter], history: Sequence[Redrive], out: Out
) -> list[DeadLetter] | None:
    if args.all == bool(args.ids):
        out("请指定编号或 --all / name dead letters by id, or give --all (not both)")
        return None
    sent = redriven_by(history)
    if args.all:
        skipped = [letter.id for letter in letters if letter.id in sent]
        if skipped and not args.again:
            out(f"已重投过，跳过 / already sent back, skipped (--again sends them too): {', '.join(skipped)}")
            return [letter for letter in letters if letter.id not in sent]
        return list(letters)
    chosen = _select(letters, args.ids, out)
    if chosen is None:
        return None
    before = [letter for letter in chosen if letter.id in sent]
    if before and not args.again:
        for letter in before:
            last = sent[letter.id][-1]
            out(f"{letter.id} 已重投过 / was already sent back by {last.by} at {last.at}")
        out("未发送 / nothing sent: 加 --again 再发一次 / add --again to send anyway")
        return None
    return chosen


def _topic(letter: DeadLetter, prefix: str) -> str:
    topic = letter.original_topic
    return topic[len(prefix) :] if prefix and topic.startswith(prefix) else topic


def _row(letter: DeadLetter, sent: dict[str, list[Redrive]], prefix: str) -> dict[str, Any]:
    envelope = letter.envelope
    return {
        "id": letter.id,
        "original_topic": _topic(letter, prefix),
        "original_partition": letter.original_partition,
        "original_offset": letter.original_offset,
        "event_type": envelope.type if envelope else None,
        "event_id": envelope.id if envelope else None,
        "failed_at": letter.failed_at,
        "error": mask_id_numbers_in_text(letter.error),
        "redriven": [{"by": r.by, "at": r.at, "reason": r.reason} for r in sent.get(letter.id, [])],
    }


def _list(letters: Sequence[DeadLetter], history: Sequence[Redrive], prefix: str, as_json: bool, out: Out) -> None:
    sent = redriven_by(history)
    rows = [_row(letter, sent, prefix) for letter in letters]
    if as_json:
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        out("没有死信 / no dead letters")
        return
    headings = ["编号 id", "原主题 topic", "原位置 at", "事件类型 type", "事件ID event id", "失败时间 failed at"]
    headings += ["已重投 redriven", "错误 error"]
    table = [
        [
            r["id"],
            r["original_topic"],
            f"{r['original_partition']}:{r['original_offset']}",
            r["event_type"] or "—",
            r["event_id"] or "— (无法解码 / not decodable)",
            r["failed_at"],
            f"{len(r['redriven'])}×" if r["redriven"] else "",
            _short(r["error"]),
        ]
        for r in rows
    ]
    for line in _aligned([headings, *table]):
        out(line)


def _show(letter: DeadLetter, history: Sequence[Redrive], prefix: str, out: Out) -> None:
    row = _row(letter, redriven_by(history), prefix)
    labels = {
        "id": "编号 id",
        "original_topic": "原主题 original topic",
        "original_partition": "原分区 original partition",
        "original_offset": "原偏移 original offset",
        "event_type": "事件类型 event type",
        "event_id": "事件ID event id",
        "failed_at": "失败时间 failed at",
        "error": "错误 error",
    }
    for name, label in labels.items():
        out(f"{label}: {row[name] if row[name] is not None else '—'}")
    out(f"键 key: {letter.delivery.key or '—'}")
    for r in row["redriven"]:
        out(f"已重投 redriven: by {r['by']} at {r['at']}" + (f" ({r['reason']})" if r["reason"] else ""))
    for key, value in letter.original_headers:
        out(f"头 header {key}: {mask_id_numbers_in_text(value.decode('utf-8', 'replace'))}")
    out("内容 payload:")
    out(_payload(letter.delivery.value))


def _payload(value: bytes) -> str:
    """The record's value for a person to read: JSON pretty-printed, anything else as text; ID numbers masked."""
    text = value.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    return mask_id_numbers_in_text(text)


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _ERROR_IN_TABLE else line[: _ERROR_IN_TABLE - 1] + "…"


def _width(text: str) -> int:
    """Columns a terminal gives the text: two for a Chinese character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
