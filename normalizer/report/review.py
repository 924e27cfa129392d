"""What in a run needs a person: errors, flags, replaced bytes, fixes (report.html puts these first).

Plain conversions and annotation removals are the bulk of a run and are what zhnorm is
sure of; errors (nothing written), flags (something found and deliberately left alone),
undecodable bytes replaced and 著/着-style fixes are where a reader's judgement helps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: How many files needing review report.html shows with their lines, beyond those in path order.
REVIEW_PREVIEWS = 20


def _kinds(kind: str) -> set[str]:
    return set(kind.split("+"))


def review_reasons(record: Mapping[str, Any]) -> list[dict[str, str]]:
    """Why a person should look at this file (empty: nothing to review), most pressing first."""
    why: list[dict[str, str]] = []
    if record["status"] == "error":
        why.append({"cls": "st-error", "text": f"error: {record.get('reason') or ''}"})
    flags = record.get("flag_counts") or {}
    for kind, count in sorted(flags.items(), key=lambda kv: (-kv[1], kv[0])):
        why.append({"cls": "k-fl", "text": f"flag {kind} ×{count}"})
    edits = record.get("edit_counts") or {}
    replaced = sum(n for kind, n in edits.items() if {"decode-replace", "surrogate"} & _kinds(kind))
    if replaced:
        why.append({"cls": "k-rp", "text": f"undecodable bytes replaced ×{replaced}"})
    fixes = sum(n for kind, n in edits.items() if "fix" in _kinds(kind))
    if fixes:
        why.append({"cls": "k-fx", "text": f"fix ×{fixes}"})
    return why


def review_weight(record: Mapping[str, Any]) -> int:
    """How much a file needs a person: errors, then flags, replaced bytes, fixes (0: nothing)."""
    edits = record.get("edit_counts") or {}
    return (
        (1000 if record["status"] == "error" else 0)
        + 100 * min(9, sum((record.get("flag_counts") or {}).values()))
        + 10 * min(9, sum(n for k, n in edits.items() if {"decode-replace", "surrogate"} & _kinds(k)))
        + min(9, sum(n for k, n in edits.items() if "fix" in _kinds(k)))
    )


def needs_preview(record: Mapping[str, Any]) -> bool:
    """Whether a file needing review has lines to show (changed, with edits)."""
    return record["status"] == "changed" and bool(record.get("edit_counts")) and review_weight(record) > 0
