"""Stale outputs: files in DST that an earlier run wrote and whose source is gone or now fails.

DST is a mirror of SRC. When a source is deleted, or no longer gives an output (it now
fails to decode, or became binary), the output an earlier run wrote for it stays in DST
and no longer mirrors anything. A run lists each such output (a record with status
``stale`` for a source that is gone; ``stale_output`` on the record of a source that
now fails) and counts them in the summary; with ``delete`` it removes them, as
``rsync --delete`` does.

Only files the manifest says zhnorm wrote are ever considered, and only while they
are still exactly that file (the state recorded after the write: size, times, inode):
nothing else in DST is touched, and an output edited since is left alone. The manifest
keeps a stale output's entry (no source state, the output's state) so that later runs
still list it until it is deleted. The outputs a manifest made with other options or
another zhnorm version recorded count too (they are read from its first line).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .atomic import check_outside
from .escapes import unprintable
from .inputs import FileProblem, state_of
from .manifest import Entry

if TYPE_CHECKING:
    from .manifest import Fingerprint

STALE = "stale"
KEPT = "kept"  # the stale output is still in DST
DELETED = "deleted"  # removed by this run (delete)
GONE = "source is gone; the output an earlier run wrote for it is stale"
NO_SHA = "0" * 64  # the entry of an output whose source is gone: never matches an input


def find_output(dst: Path, names: Iterable[str], recorded: Fingerprint) -> str | None:
    """The path of the output among ``names`` (under DST) that is still the file recorded, or None."""
    for name in dict.fromkeys(names):
        path = os.path.join(dst, name)
        if state_of(path) == recorded and not os.path.islink(path):
            return path
    return None


def gone_output(dst: Path, rel: str, recorded: Fingerprint) -> str | None:
    """:func:`find_output` for a source no longer listed (its name on disk guessed from ``rel``)."""
    return find_output(dst, (rel, unprintable(rel)), recorded)


def settle(path: str, *, delete: bool, outside: str | None = None) -> str:
    """Delete the stale output at ``path`` when asked; :data:`DELETED` or :data:`KEPT`.

    ``outside``: SRC resolved; a file that is, through some link, inside it is never deleted.
    """
    if not delete:
        return KEPT
    try:
        check_outside(path, outside)
        os.unlink(path)
    except FileNotFoundError:
        pass
    except (OSError, FileProblem):
        return KEPT
    return DELETED


class Stale(NamedTuple):
    """One stale output: its record (and its JSON line for the report), the line the manifest
    keeps, the output's recorded state and what became of it (:data:`KEPT`, :data:`DELETED`)."""

    rel: str
    record: dict[str, Any]
    line: bytes
    stored: bytes
    recorded: Fingerprint
    how: str


def gone(
    earlier: Mapping[str, Fingerprint], listed: Mapping[str, Any], dst: Path, *, delete: bool, outside: str | None
) -> Iterator[Stale]:
    """The stale outputs among ``earlier`` whose source is no longer ``listed`` (status ``stale``);
    each deleted first when ``delete``. Outputs gone or changed since they were written are passed over."""
    from .report.compact import record_json
    from .report.json_report import problem_record

    for rel, recorded in earlier.items():
        path = None if rel in listed else gone_output(dst, rel, recorded)
        if path is None:
            continue
        how = settle(path, delete=delete, outside=outside)
        record = {**problem_record(rel, STALE, GONE, bytes_in=0), "stale_output": how}
        line = record_json(record)
        yield Stale(rel, record, line, line, recorded, how)


def failing(
    line: bytes, dst: Path, on_disk: str, recorded: Fingerprint, *, delete: bool, outside: str | None
) -> Stale | None:
    """The stale output of a source that now fails (its record as JSON ``line``), or None when the
    output is no longer the one an earlier run wrote; deleted first when ``delete``."""
    from .report.compact import record_json

    path = find_output(dst, [on_disk], recorded)
    if path is None:
        return None
    how = settle(path, delete=delete)
    doc = json.loads(line)
    doc["stale_output"] = how
    return Stale(doc["path"], doc, record_json(doc), record_json({**doc, "reused": False}), recorded, how)


def entry(sha256: str | None, stored: bytes) -> Entry:
    """The manifest entry that keeps a stale output known to later runs."""
    return Entry(sha256 or NO_SHA, stored)
