"""What in a run needs a person: errors, flags, replaced bytes, fixes (report.html puts these first).

Plain conversions and annotation removals are the bulk of a run and are what zhnorm is
sure of; errors (nothing written), flags (something found and deliberately left alone),
undecodable bytes replaced and 著/着-style fixes are where a reader's judgement helps.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from functools import cache
from typing import Any

#: How many files needing review report.html shows with their lines, beyond those in path order.
REVIEW_PREVIEWS = 20


@cache  # a run has a handful of kinds, and every record's weight is asked for several times
def _kinds(kind: str) -> frozenset[str]:
    return frozenset(kind.split("+"))


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


class ReviewFiles:
    """The files needing review that report.html shows first (the ``limit`` weightiest, then
    by path), kept while outcomes come back, with the previews their workers sent.

    A worker that has just normalized a file can make its preview for a few milliseconds;
    the main process, at the end, would have to read and normalize it again while the workers
    sit idle. So each task carries a :meth:`floor`: a file whose review weight reaches it comes
    back with its preview. Files are drawn in path order, so once ``limit`` files are held, one
    of the same weight as the last comes later in path order and cannot enter: the floor is
    one more. Which files the page shows is decided at the end from all records (files in the
    path-order detail are left out then); one of those that came without a preview gets it
    then, as before.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.best: list[tuple[int, str]] = []  # (-weight, path), sorted: the page's order
        self.previews: dict[str, dict[str, Any]] = {}
        self.candidates: list[tuple[int, str]] = []  # (-weight, path) of every file needing review with lines

    def floor(self) -> int | None:
        """The review weight a file drawn now must reach for its preview to be wanted (None: none is)."""
        if not self.limit:
            return None
        return 1 if len(self.best) < self.limit else 1 - self.best[-1][0]

    def add(self, record: Mapping[str, Any], preview: dict[str, Any] | None, *, detailed: bool = False) -> None:
        """Note an outcome with the preview its worker sent. ``detailed``: the file is in the path-order
        detail now, which keeps its preview (it may drop out of it later, see :meth:`shown`)."""
        if not self.limit or not needs_preview(record):
            return
        key = (-review_weight(record), record["path"])
        self.candidates.append(key)
        if detailed or (len(self.best) >= self.limit and key >= self.best[-1]):
            return
        insort(self.best, key)
        if preview is not None:
            self.previews[key[1]] = preview
        if len(self.best) > self.limit:
            self.previews.pop(self.best.pop()[1], None)

    def shown(self, detailed: Mapping[str, Any]) -> dict[str, dict[str, Any] | None]:
        """The files needing review the page shows first, wherever they are in path order, decided
        from every file added (files in the path-order detail, ``detailed``, left out), with the
        previews at hand (None: to be made)."""
        review = sorted(key for key in self.candidates if key[1] not in detailed)
        return {path: self.previews.get(path) for _, path in review[: self.limit]}
