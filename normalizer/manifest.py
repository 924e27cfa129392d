"""DST's manifest: what each input became, so that a rerun redoes only what changed.

``DST/.zhnorm-manifest.sqlite`` (:data:`MANIFEST_NAME`) is an SQLite database (the
standard library's ``sqlite3``) in WAL mode:

* table ``files``, keyed by the path the report shows (relative to SRC), one row per
  input that went well: its SHA-256, its report record (the compact JSON line, with
  ``"reused": false``, packed by :mod:`normalizer.record_pack` with a zlib dictionary
  learned from the first records the manifest kept), its histogram of changes (packed
  arrays, :func:`normalizer.tally.pack_tallies`: a rerun that reuses the record still
  counts them in the run totals), the state (size, mtime and ctime in ns, inode:
  :func:`normalizer.inputs.file_state`) of the input when it was read and of the output
  written for it. A state is null when it was not kept: one taken within
  :data:`normalizer.inputs.RACY_NS` of the file's last change is not trusted (a change
  in the same clock tick would be missed), and skipped files have no output. A file
  whose size, times and inode are unchanged is trusted without being read (as git does).
* table ``meta``: ``version``; ``key`` (zhnorm version, code digest, OpenCC version,
  report schema, the options that change outputs: another key empties the manifest);
  ``zdict``, the compression dictionary; ``unfinished``, set while a run works (the
  no-change shortcut is ruled out after a run that did not end); ``report``, the last
  report's states, options, selection and totals, so that a rerun that finds nothing
  changed can say so without reading anything else.

Previews of changed lines are not kept here: they belong to the report (the few files
report.html shows with their lines are normalized again when reused).

Crash consistency without replay code: a run commits one transaction per finished batch
of files (:attr:`Recorder.batch_files`, or every ``every`` seconds), after those files'
outputs are in place; a run killed at any moment leaves the last committed transaction,
which SQLite's WAL recovers on the next open. Commits are not flushed to disk one by one
(``synchronous=NORMAL``): a power failure may lose the last transactions, never corrupt
the database; what they described is redone. Only a file's row is read when needed, so
a run of millions of files does not hold every entry in memory.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .record_pack import learning_text, pack, pack_bytes, unpack, unpack_bytes

MANIFEST_NAME = ".zhnorm-manifest.sqlite"
MANIFEST_VERSION = 4  # 4: the pairs column (a manifest of another version is started afresh)
#: SQLite's write-ahead log beside the manifest: present while a run works, or after one was killed.
WAL_NAME = MANIFEST_NAME + "-wal"
ZDICT_BYTES = 32 * 1024  # zlib's window: a longer dictionary is not used
#: Records seen before the compression dictionary is learned from them (they are stored without one).
LEARN_BYTES = ZDICT_BYTES

#: [st_size, st_mtime_ns, st_ctime_ns, st_ino] of a file.
Fingerprint = list[int]
#: [input fingerprint or None, output fingerprint or None].
IndexItem = list[Fingerprint | None]

_META_TABLE = "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID"
_FILES_TABLE = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, record BLOB NOT NULL, pairs BLOB NOT NULL,
    in_size INTEGER, in_mtime INTEGER, in_ctime INTEGER, in_ino INTEGER,
    out_size INTEGER, out_mtime INTEGER, out_ctime INTEGER, out_ino INTEGER
)
"""
# A rowid table (with an index on path), not WITHOUT ROWID: there a row over ~1 KB spills
# into an overflow page of its own, and most compressed records are about that size.
_COLUMNS = "sha256, record, pairs, in_size, in_mtime, in_ctime, in_ino, out_size, out_mtime, out_ctime, out_ino"


class Entry(NamedTuple):
    """One input's manifest entry: its SHA-256, its record's JSON (compact, ``"reused": false``)
    and its histogram of changes, packed (:func:`normalizer.tally.pack_tallies`; empty: none)."""

    sha256: str
    record: bytes
    pairs: bytes = b""


class Row(NamedTuple):
    """A file's row: its entry and the states its input and output had."""

    entry: Entry
    item: IndexItem


#: Paths looked up per query by :meth:`Manifest.rows` (SQLite allows 32,766 parameters).
ROWS_AT_ONCE = 500
#: A row's input and output states (:func:`normalizer.inputs.file_state` each).
_STATES = "in_size, in_mtime, in_ctime, in_ino, out_size, out_mtime, out_ctime, out_ino"


def _state(values: tuple[Any, ...]) -> Fingerprint | None:
    return None if values[0] is None else list(values)


def page_size(corpus_bytes: int) -> int:
    """SQLite's page size for a manifest of a corpus this large.

    Small pages for a small corpus (a database is at least four pages), large ones for a
    large corpus: a page holds whole rows, and the room left at the end of each page (half
    a row on average) matters less in large pages.
    """
    size = 1024
    while size < 65536 and size * 1024 < corpus_bytes:
        size *= 2
    return size


def _read_only(path: Path) -> str:
    """The URI that opens ``path`` read only, creating nothing beside it.

    Without a WAL beside it (a run that ended folds it in) the file is opened as
    immutable: SQLite then creates no shared-memory file and takes no lock. With one (a
    run that did not end), only its committed part is read.
    """
    uri = Path(os.path.abspath(path)).as_uri()
    return uri + ("?mode=ro" if os.path.lexists(str(path) + "-wal") else "?immutable=1")


def _flat(item: IndexItem) -> list[int | None]:
    return [*(item[0] or (None,) * 4), *(item[1] or (None,) * 4)]


class Manifest:
    """DST's manifest for one key, open for a run (``write``) or to look (read only: a dry run).

    An unreadable manifest, or one of another version, is started afresh when writing and
    taken as empty when reading: its outputs are then redone, nothing is lost.
    """

    def __init__(self, dst: Path, key: Mapping[str, Any], *, write: bool, corpus_bytes: int = 0):
        self.path = dst / MANIFEST_NAME
        self.page_size = page_size(corpus_bytes)  # for a new database
        self.key = dict(key)
        self.write = write
        self.report: dict[str, Any] | None = None  # the last run's (see the module docstring)
        self.last_report: dict[str, Any] | None = None
        self.unfinished = False
        self.db: sqlite3.Connection | None = None
        self.zdict: bytes | None = None
        self.learning: list[bytes] = []  # the first records, until the dictionary is learned from them
        if write:
            self._open_for_writing()
        elif self.path.exists():
            self._open_read_only()

    def _open_for_writing(self) -> None:
        try:
            self.db = self._connect(f"file:{self.path}", uri=False)
            self._check_or_reset()
        except sqlite3.DatabaseError:  # not a database (damaged): start afresh
            self.close()
            for name in (MANIFEST_NAME, WAL_NAME, MANIFEST_NAME + "-shm"):
                try:
                    os.unlink(self.path.with_name(name))
                except FileNotFoundError:
                    pass
            self.db = self._connect(f"file:{self.path}", uri=False)
            self._check_or_reset()
        self._set_meta("unfinished", b"1")
        self.db.commit()
        self.db.execute("BEGIN IMMEDIATE")  # the first batch's transaction

    def _open_read_only(self) -> None:
        if os.path.lexists(self.path.with_name(WAL_NAME)):
            return  # a run did not end: a dry run does not recover its log (it writes nothing), redoes more
        try:
            self.db = self._connect(_read_only(self.path), uri=True)
            meta = self._meta()
        except sqlite3.DatabaseError:
            self.close()
            return
        if meta.get("version") != str(MANIFEST_VERSION).encode() or json.loads(meta.get("key") or b"null") != self.key:
            self.close()  # another version or key: nothing in it stands
            return
        self._take_meta(meta)

    @staticmethod
    def _connect(target: str, *, uri: bool) -> sqlite3.Connection:
        db = sqlite3.connect(target if uri else target[len("file:") :], uri=uri, isolation_level=None, timeout=30)
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _check_or_reset(self) -> None:
        assert self.db is not None
        self.db.execute(f"PRAGMA page_size={self.page_size}")  # only a new database takes it
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(_META_TABLE)
        self.db.execute(_FILES_TABLE)
        self.db.execute("BEGIN IMMEDIATE")
        meta = self._meta()
        if meta.get("version") == str(MANIFEST_VERSION).encode() and json.loads(meta.get("key") or b"null") == self.key:
            self._take_meta(meta)
            return
        self.db.execute("DROP TABLE files")  # another version's table may have other columns
        self.db.execute(_FILES_TABLE)
        self.db.execute("DELETE FROM meta")
        self._set_meta("version", str(MANIFEST_VERSION).encode())
        self._set_meta("key", json.dumps(self.key, sort_keys=True).encode())

    def _meta(self) -> dict[str, bytes]:
        assert self.db is not None
        return {name: bytes(value) for name, value in self.db.execute("SELECT name, value FROM meta")}

    def _take_meta(self, meta: Mapping[str, bytes]) -> None:
        self.zdict = meta.get("zdict")
        self.unfinished = meta.get("unfinished") == b"1"
        report = json.loads(meta["report"]) if meta.get("report") else None
        self.last_report = report if isinstance(report, dict) else None

    def _set_meta(self, name: str, value: bytes | None) -> None:
        assert self.db is not None
        if value is None:
            self.db.execute("DELETE FROM meta WHERE name = ?", (name,))
        else:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    # --- reading ------------------------------------------------------------------------

    def get(self, rel: str) -> Row | None:
        """``rel``'s entry and states, or None when the manifest has none."""
        if self.db is None:
            return None
        found = self.db.execute(f"SELECT {_COLUMNS} FROM files WHERE path = ?", (rel,)).fetchone()
        return None if found is None else self._row(found)

    def rows(self, rels: Sequence[str]) -> Iterator[tuple[str, Row | None]]:
        """:meth:`get` of each of ``rels``, in their order, a query per :data:`ROWS_AT_ONCE` paths
        (a rerun reads every reused file's entry: a query each cost ~10 µs)."""
        for at in range(0, len(rels), ROWS_AT_ONCE):
            some = rels[at : at + ROWS_AT_ONCE]
            found: dict[str, Row] = {}
            if self.db is not None:
                marks = ",".join("?" * len(some))
                for row in self.db.execute(f"SELECT path, {_COLUMNS} FROM files WHERE path IN ({marks})", some):
                    found[row[0]] = self._row(row[1:])
            for rel in some:
                yield rel, found.get(rel)

    def _row(self, found: Sequence[Any]) -> Row:
        record = unpack(found[1], self.zdict or b"")
        pairs = unpack_bytes(bytes(found[2]), self.zdict or b"")
        return Row(Entry(found[0], record, pairs), [_state(found[3:7]), _state(found[7:11])])

    def items(self) -> dict[str, IndexItem]:
        """Every path's input and output states as recorded, without its record, in one query (a
        rerun checks them all: a query per path cost ~10 ms on 1,866 files)."""
        if self.db is None:
            return {}
        rows = self.db.execute(f"SELECT path, {_STATES} FROM files").fetchall()
        return {row[0]: [_state(row[1:5]), _state(row[5:])] for row in rows}

    def paths(self) -> Iterator[str]:
        """Every path with an entry, in order (read lazily)."""
        if self.db is not None:
            for (rel,) in self.db.execute("SELECT path FROM files ORDER BY path").fetchall():
                yield rel

    # --- writing (inside the open transaction; :meth:`commit` ends it) --------------------

    def put(self, rel: str, item: IndexItem, entry: Entry) -> None:
        assert self.db is not None and self.write
        if self.zdict is None:
            self._learn(entry.record, entry.pairs)
        packed = pack(entry.record, self.zdict or b"")
        pairs = pack_bytes(entry.pairs, self.zdict or b"")
        self.db.execute(
            f"INSERT OR REPLACE INTO files (path, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rel, entry.sha256, packed, pairs, *_flat(item)),
        )

    def set_item(self, rel: str, item: IndexItem) -> None:
        """Record new states for ``rel``'s entry (its input was reused by hash)."""
        assert self.db is not None and self.write
        columns = ", ".join(f"{c} = ?" for c in _COLUMNS.split(", ")[3:])
        self.db.execute(f"UPDATE files SET {columns} WHERE path = ?", (*_flat(item), rel))

    def _learn(self, record: bytes, pairs: bytes) -> None:
        """Note one of the first records and its histograms; past ``LEARN_BYTES`` of them, learn the
        dictionary from them.

        A small corpus never has one: a dictionary as large as its records would double them.
        """
        self.learning.append(learning_text(record) + pairs)
        if sum(map(len, self.learning)) >= LEARN_BYTES:
            self.zdict = b"".join(self.learning)[-ZDICT_BYTES:]
            self._set_meta("zdict", self.zdict)
            self.learning = []

    def drop(self, rel: str) -> None:
        assert self.db is not None and self.write
        self.db.execute("DELETE FROM files WHERE path = ?", (rel,))

    def keep_only(self, paths: Iterable[str]) -> None:
        """Forget the entries of every path not in ``paths`` (inputs gone from SRC)."""
        keep = set(paths)
        for rel in [rel for rel in self.paths() if rel not in keep]:
            self.drop(rel)

    def commit(self) -> None:
        """End the open transaction (the entries put so far are kept) and open the next."""
        assert self.db is not None and self.write
        self.db.commit()
        self.db.execute("BEGIN IMMEDIATE")

    def finish(self) -> None:
        """Note the report and that the run ended, commit, and fold the WAL into the database."""
        assert self.db is not None and self.write
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")
        report = None if self.report is None else json.dumps(self.report, ensure_ascii=False).encode("utf-8")
        self._set_meta("report", report)
        self._set_meta("unfinished", None)
        self.db.commit()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Close without committing what is open (a killed run's last batch is redone)."""
        if self.db is not None:
            if self.db.in_transaction:
                self.db.rollback()
            self.db.close()
            self.db = None


def read_last(dst: Path, key: Mapping[str, Any]) -> Manifest | None:
    """DST's manifest, read only, when the run that wrote it finished and had ``key``; else None.

    For the no-change shortcut: no WAL beside it (a run that ended folds it in and
    removes it), the same key, a report noted. The caller closes it.
    """
    if os.path.lexists(dst / WAL_NAME) or not os.path.exists(dst / MANIFEST_NAME):
        return None
    manifest = Manifest(dst, key, write=False)
    if manifest.db is None or manifest.unfinished or manifest.last_report is None:
        manifest.close()
        return None
    return manifest


def recorded_outputs(dst: Path, *, write: bool) -> dict[str, Fingerprint]:
    """Every output DST's manifest records, whatever the options or version that wrote it:
    path → the output's state after the write.

    Read before a run opens the manifest (which starts afresh under another key), so that
    outputs orphaned by new options are still known as zhnorm's (:mod:`normalizer.stale`).
    Without ``write`` nothing is changed on disk: an unfinished run's log is left alone.
    """
    path = dst / MANIFEST_NAME
    if not path.exists() or (not write and os.path.lexists(path.with_name(WAL_NAME))):
        return {}
    try:
        db = Manifest._connect(f"file:{path}", uri=False) if write else Manifest._connect(_read_only(path), uri=True)
        try:
            rows = db.execute("SELECT path, out_size, out_mtime, out_ctime, out_ino FROM files").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return {}
    return {rel: [*state] for rel, *state in rows if state[0] is not None}


def dump(dst: Path) -> dict[str, Any]:
    """The whole manifest as plain data (for tests and inspection): key, report, entries (with
    their histograms by name), states."""
    from .tally import named_tallies, unpack_tallies

    db = sqlite3.connect(_read_only(dst / MANIFEST_NAME), uri=True)
    try:
        meta = {name: bytes(value) for name, value in db.execute("SELECT name, value FROM meta")}
        zdict = meta.get("zdict") or b""
        files: dict[str, Any] = {}
        index: dict[str, IndexItem] = {}
        for row in db.execute(f"SELECT path, {_COLUMNS} FROM files ORDER BY path"):
            record = unpack(row[2], zdict)
            mappings = named_tallies(unpack_tallies(unpack_bytes(bytes(row[3]), zdict)))
            files[row[0]] = {"sha256": row[1], "record": json.loads(record), "mappings": mappings}
            index[row[0]] = [_state(row[4:8]), _state(row[8:12])]
    finally:
        db.close()
    report = json.loads(meta["report"]) if meta.get("report") else None
    key = json.loads(meta.get("key") or b"null")
    return {"version": int(meta.get("version") or 0), "key": key, "report": report, "files": files, "index": index}


class Recorder:
    """A run's changes to the manifest, committed one transaction per finished batch of files.

    A transaction ends after ``batch_files`` outcomes or ``every`` seconds, whichever
    comes first, and at the end (:meth:`save`). A dry run has no manifest to write
    (``manifest.write`` false): nothing is recorded.
    """

    def __init__(self, manifest: Manifest, *, every: float, batch_files: int = 32):
        self.manifest = manifest
        self.every = every
        self.batch_files = batch_files
        self.pending = 0
        self.last_commit = time.monotonic()

    @property
    def writes(self) -> bool:
        return self.manifest.write and self.manifest.db is not None

    def put(self, rel: str, item: IndexItem, entry: Entry) -> None:
        """Set ``rel``'s entry and states."""
        if self.writes:
            self.manifest.put(rel, item, entry)

    def set_item(self, rel: str, item: IndexItem) -> None:
        if self.writes:
            self.manifest.set_item(rel, item)

    def drop(self, rel: str) -> None:
        """Forget ``rel`` (a file that errored: retried by the next run)."""
        if self.writes:
            self.manifest.drop(rel)

    def tick(self) -> None:
        """Count a finished file; commit when the batch is full or ``every`` seconds old."""
        self.pending += 1
        if self.pending >= self.batch_files or time.monotonic() - self.last_commit > self.every:
            self.flush()

    def flush(self) -> None:
        """Commit what was recorded so far."""
        if self.writes and self.pending:
            self.manifest.commit()
        self.pending = 0
        self.last_commit = time.monotonic()

    def save(self) -> str | None:
        """Commit everything with the report, mark the run finished, close; the warning to show on failure.

        On failure what was committed stays: a rerun redoes only what is missing. Saving
        twice writes once.
        """
        manifest = self.manifest
        if not self.writes:
            manifest.close()
            return None
        try:
            manifest.finish()
        except sqlite3.Error as err:
            return f"cannot write {manifest.path}: {err}"
        finally:
            manifest.close()
        return None
