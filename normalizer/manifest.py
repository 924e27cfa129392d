"""DST's manifest: what ``zhnorm run`` did with each input, so that a rerun redoes only what changed.

Two files in DST:

``.zhnorm-manifest.json`` (:data:`MANIFEST_NAME`), written whole,
atomically and with ``fsync`` at the end of a run. One JSON document, laid out so that
a rerun can read only its first line::

    {"manifest_version":2,"key":{...},"generation":"9f2c…","report":{...}|null,
     "index":{"a.txt":[[size,mtime_ns,ctime_ns,ino],[size,mtime_ns,ctime_ns,ino]],...},"files":{
    "a.txt":{"sha256":"…","record":{...}},
    "b.txt":{"sha256":"…","record":{...},"preview":{...}}
    }}

* ``key``: what decides outputs and records (options, zhnorm code, OpenCC); a manifest
  with another key is ignored, so every file is redone.
* ``files``: per input (by the path the report shows), its SHA-256, its report record
  as made by the worker (``"reused": false``; :func:`normalizer.report.compact.record_json`)
  and, for the few files report.html shows in detail, the preview of their lines.
  One entry per line, in the order of ``index``, so that entries are kept as bytes and
  written back without being parsed or serialized again.
* ``index``: per entry, the state of the input when it was read and of the output
  after it was written (``[st_size, st_mtime_ns, st_ctime_ns, st_ino]``, or null when
  unknown or when there is no output). A rerun reuses an input whose state is
  unchanged without reading it, as git's index does, and accepts the same risk: a
  file rewritten with the same size and times (and inode) is not noticed. A state
  taken within :data:`normalizer.inputs.RACY_NS` of the file's last change is not
  kept (null), so that a change in the same clock tick is never missed.
* ``report``: set when the run also wrote report.json and report.html: their states,
  the options, the files selected and the totals, so that a rerun that finds nothing
  changed can say so without rebuilding (or even reading) anything else.
* ``generation``: a random token per write, which ties the journal to this file.

``.zhnorm-manifest.journal`` (:data:`JOURNAL_NAME`): while a run works, each file's
new entry is appended to the journal (one line ``[path, index item, entry or null]``,
``null`` for a file whose entry is dropped), flushed with ``fsync`` every
:attr:`normalizer.batch.RunOptions.journal_seconds`; its first line names the key and the
generation of the manifest it extends. Appending costs what the new entries weigh,
where rewriting the whole manifest every two seconds cost ~0.2 s each time (9.8 MB for
1,866 files). At the end the run writes the manifest whole (the compaction) and
deletes the journal.

Crash consistency: a run killed at any moment leaves the previous manifest intact
(atomic rename) and a journal whose complete lines describe outputs already in place
(a worker renames a file's output before its entry is journaled). The next run
replays the complete lines of a journal that extends the manifest it finds and ignores
the rest (a torn last line, or a journal left over from before the last compaction);
it then appends after the last good line. A journal on disk also means that the last
run did not finish, which rules out the no-change shortcut.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .atomic import atomic_write, write_all
from .compact_json import encode as _dump

MANIFEST_NAME = ".zhnorm-manifest.json"
MANIFEST_VERSION = 2
JOURNAL_NAME = ".zhnorm-manifest.journal"
JOURNAL_VERSION = 1

_FILES = b',"files":{\n'
_SHA = b'{"sha256":"'
_RECORD = b'","record":'
_PREVIEW = b',"preview":'
_RECORD_AT = len(_SHA) + 64 + len(_RECORD)

#: [st_size, st_mtime_ns, st_ctime_ns, st_ino] of a file, as JSON keeps it.
Fingerprint = list[int]
#: [input fingerprint or None, output fingerprint or None].
IndexItem = list[Fingerprint | None]


class Entry(NamedTuple):
    """One input's manifest entry, kept in the serialized parts it is written back from."""

    sha256: str
    record: bytes  # the record's JSON (compact, "reused": false)
    preview: bytes | None = None  # the preview's JSON, for files report.html shows in detail

    def to_json(self) -> bytes:
        preview = _PREVIEW + self.preview if self.preview is not None else b""
        return b"".join((_SHA, self.sha256.encode("ascii"), _RECORD, self.record, preview, b"}"))

    def without_preview(self) -> Entry:
        return self if self.preview is None else Entry(self.sha256, self.record)


def entry_from_json(data: bytes) -> Entry:
    """Split an entry's JSON into its parts without parsing the record (ValueError when malformed)."""
    if data.startswith(_SHA) and data[_RECORD_AT - len(_RECORD) : _RECORD_AT] == _RECORD and data.endswith(b"}"):
        sha = data[len(_SHA) : len(_SHA) + 64].decode("ascii")
        # The preview comes last; its keys are fixed names, so the last ',"preview":' is the entry's.
        at = data.rfind(_PREVIEW)
        if at < 0:
            return Entry(sha, data[_RECORD_AT:-1])
        record, preview = data[_RECORD_AT:at], data[at + len(_PREVIEW) : -1]
        json.loads(record)  # a wrong split cannot parse
        return Entry(sha, record, preview)
    doc = json.loads(data)  # not laid out as we write it: parse and rebuild
    return entry_from_object(doc)


def entry_from_object(doc: Any) -> Entry:
    if not isinstance(doc, dict) or not isinstance(doc.get("sha256"), str) or not isinstance(doc.get("record"), dict):
        raise ValueError("not a manifest entry")
    preview = doc.get("preview")
    return Entry(
        doc["sha256"],
        _dump(doc["record"]).encode("utf-8"),
        None if preview is None else _dump(preview).encode("utf-8"),
    )


@dataclass
class Head:
    """The first line of a manifest: everything but the entries."""

    key: dict[str, Any]
    generation: str
    report: dict[str, Any] | None
    index: dict[str, IndexItem]


@dataclass
class Manifest:
    """DST's manifest as loaded (journal replayed), and as the run updates it."""

    key: dict[str, Any]
    generation: str | None = None  # of the manifest file on disk; None: there is none
    entries: dict[str, Entry] = field(default_factory=dict)
    index: dict[str, IndexItem] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    journal_valid: int = 0  # bytes of the journal on disk that extend this manifest (0: start it anew)

    def keep_only(self, paths: Iterable[str]) -> None:
        keep = set(paths)
        for rel in [rel for rel in self.entries if rel not in keep]:
            del self.entries[rel]
            self.index.pop(rel, None)


def read_head(dst: Path) -> Head | None:
    """The first line of DST's manifest, or None when missing, unreadable or of another version."""
    try:
        with open(dst / MANIFEST_NAME, "rb") as f:
            line = f.readline()
    except OSError:
        return None
    return _parse_head(line)


def _parse_head(line: bytes) -> Head | None:
    if not line.startswith(b'{"manifest_version":') or not line.endswith(_FILES):
        return None
    try:
        doc = json.loads(line[: -len(_FILES)] + b"}")
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("manifest_version") != MANIFEST_VERSION:
        return None
    index, report = doc.get("index"), doc.get("report")
    if (
        not isinstance(index, dict)
        or not isinstance(doc.get("key"), dict)
        or not isinstance(doc.get("generation"), str)
    ):
        return None
    return Head(doc["key"], doc["generation"], report if isinstance(report, dict) else None, index)


def load(dst: Path, key: Mapping[str, Any]) -> Manifest:
    """DST's manifest for ``key`` with its journal replayed; empty when missing, unreadable or made with another key."""
    manifest = Manifest(dict(key))
    try:
        data = (dst / MANIFEST_NAME).read_bytes()
    except OSError:
        data = b""
    first, _, rest = data.partition(b"\n")
    head = _parse_head(first + b"\n") if data else None
    if head is not None:
        manifest.generation = head.generation
        if head.key == manifest.key:
            try:
                manifest.entries = _entries(rest, head.index)
                manifest.index = {rel: head.index[rel] for rel in manifest.entries}
                manifest.report = head.report
            except ValueError:  # damaged: start afresh (the outputs are redone, nothing is lost)
                manifest.entries, manifest.index = {}, {}
    _replay(dst, manifest)
    return manifest


def _entries(rest: bytes, index: Mapping[str, Any]) -> dict[str, Entry]:
    """The entry lines after the head, one per ``index`` key, in its order."""
    lines = rest.split(b"\n")
    if len(lines) != len(index) + 2 or lines[-2] != b"}}" or lines[-1] != b"":
        raise ValueError("manifest entries do not match its index")
    entries: dict[str, Entry] = {}
    for rel, line in zip(index, lines):
        name = _dump(rel).encode("utf-8") + b":"
        if not line.startswith(name):
            raise ValueError("manifest entries do not match its index")
        entries[rel] = entry_from_json(line[len(name) : -1 if line.endswith(b",") else None])
    return entries


def _replay(dst: Path, manifest: Manifest) -> None:
    """Apply the complete lines of a journal that extends ``manifest``; note how many bytes are good."""
    try:
        data = (dst / JOURNAL_NAME).read_bytes()
    except OSError:
        return
    first, newline, rest = data.partition(b"\n")
    try:
        head = json.loads(first) if newline else None
    except ValueError:
        head = None
    if (
        not isinstance(head, dict)
        or head.get("journal") != JOURNAL_VERSION
        or head.get("key") != manifest.key
        or head.get("generation") != manifest.generation
    ):
        return  # another manifest's, or torn before its first line was written: ignored (rewritten)
    valid = len(first) + 1
    changes: list[tuple[str, IndexItem, Entry | None]] = []
    while True:
        end = rest.find(b"\n")
        if end < 0:
            break  # a torn last line (killed mid-write), or the end
        try:
            rel, item, entry = json.loads(rest[:end])
            changes.append((rel, item, None if entry is None else entry_from_object(entry)))
        except (ValueError, TypeError):
            break
        valid += end + 1
        rest = rest[end + 1 :]
    for rel, item, entry in changes:
        if entry is None:
            manifest.entries.pop(rel, None)
            manifest.index.pop(rel, None)
        else:
            manifest.entries[rel] = entry
            manifest.index[rel] = item
    manifest.journal_valid = valid


class Journal:
    """The append-only journal of a run's new entries (see the module docstring)."""

    def __init__(self, dst: Path, manifest: Manifest):
        self.path = dst / JOURNAL_NAME
        self.pending: list[bytes] = []
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o666)
        try:
            if manifest.journal_valid:
                os.ftruncate(self.fd, manifest.journal_valid)  # drop a torn last line
                os.lseek(self.fd, manifest.journal_valid, os.SEEK_SET)
            else:
                os.ftruncate(self.fd, 0)
                head = {"journal": JOURNAL_VERSION, "key": manifest.key, "generation": manifest.generation}
                write_all(self.fd, _dump(head).encode("utf-8") + b"\n")
        except BaseException:
            os.close(self.fd)
            raise

    def add(self, rel: str, item: IndexItem | None, entry: Entry | None) -> None:
        """Note a new entry (None: the file's entry is dropped); written at the next :meth:`flush`."""
        body = b"null" if entry is None else entry.to_json()
        self.pending.append(b"".join((b"[", _dump([rel, item]).encode("utf-8")[1:-1], b",", body, b"]\n")))

    def flush(self) -> None:
        """Append what was noted since the last flush, durably."""
        if self.pending and self.fd >= 0:
            data, self.pending = b"".join(self.pending), []
            write_all(self.fd, data)
            os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def remove(self) -> None:
        """Close and delete the journal: the manifest just written holds everything in it."""
        self.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def save(dst: Path, manifest: Manifest) -> None:
    """Write the manifest whole (atomically, with fsync), under a new generation."""
    manifest.generation = os.urandom(8).hex()
    rels = sorted(manifest.entries)
    head = {
        "manifest_version": MANIFEST_VERSION,
        "key": manifest.key,
        "generation": manifest.generation,
        "report": manifest.report,
        "index": {rel: manifest.index.get(rel, [None, None]) for rel in rels},
    }
    parts = [_dump(head).encode("utf-8")[:-1] + _FILES]
    last = len(rels) - 1
    for i, rel in enumerate(rels):
        parts.append(
            b"".join((_dump(rel).encode("utf-8"), b":", manifest.entries[rel].to_json(), b",\n" if i < last else b"\n"))
        )
    parts.append(b"}}\n")
    atomic_write(dst / MANIFEST_NAME, b"".join(parts), durable=True, compare=False)
    manifest.journal_valid = 0


class Recorder:
    """A run's changes to the manifest: applied to it and, unless a dry run, journaled.

    The journal is flushed (with ``fsync``) at most every ``every`` seconds while the
    run works, and at its end; :meth:`save` then writes the manifest whole.
    """

    def __init__(self, dst: Path, manifest: Manifest, journal: Journal | None, *, every: float):
        self.dst = dst
        self.manifest = manifest
        self.journal = journal
        self.every = every
        self.last_flush = time.monotonic()

    def put(self, rel: str, item: IndexItem, entry: Entry) -> None:
        """Set ``rel``'s entry and index item (journaled only when they changed)."""
        entries, index = self.manifest.entries, self.manifest.index
        if entry != entries.get(rel) or item != index.get(rel):
            entries[rel], index[rel] = entry, item
            if self.journal is not None:
                self.journal.add(rel, item, entry)

    def drop(self, rel: str) -> None:
        """Forget ``rel`` (a file that errored: retried by the next run)."""
        if self.manifest.entries.pop(rel, None) is not None:
            self.manifest.index.pop(rel, None)
            if self.journal is not None:
                self.journal.add(rel, None, None)

    def drop_preview(self, rel: str) -> None:
        """Drop the cached preview of ``rel``'s entry (no longer a file report.html details)."""
        entry = self.manifest.entries.get(rel)
        if entry is not None and entry.preview is not None:
            self.manifest.entries[rel] = entry.without_preview()
            if self.journal is not None:
                self.journal.add(rel, self.manifest.index.get(rel), self.manifest.entries[rel])

    def tick(self) -> None:
        """Flush the journal when the last flush is ``every`` seconds old."""
        if self.journal is not None and time.monotonic() - self.last_flush > self.every:
            with contextlib.suppress(OSError):  # e.g. disk full: written again later, or at the end
                self.journal.flush()
            self.last_flush = time.monotonic()

    def flush(self) -> None:
        """Flush the journal now (errors ignored: the manifest save reports them)."""
        if self.journal is not None:
            with contextlib.suppress(OSError):
                self.journal.flush()

    def save(self) -> str | None:
        """Write the manifest whole and drop the journal; the warning to show when that failed.

        On failure the journal (closed) keeps what was done: a rerun replays it, or redoes
        what is missing. Saving twice writes once.
        """
        journal = self.journal
        if journal is None or journal.fd < 0:
            return None
        try:
            save(self.dst, self.manifest)
        except OSError as err:
            journal.close()
            return f"cannot write {self.dst / MANIFEST_NAME}: {err.strerror or err}"
        journal.remove()
        return None
