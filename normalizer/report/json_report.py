"""The versioned JSON run report: one compact record per file, plus run metadata.

Why this shape: the report must say what happened to every file and every annotation
removal, yet stay smaller than the corpus it describes. So conversions are a
histogram rather than a list, annotation removals are grouped by removed text, and
one file record takes one line (``render_json``), which keeps the file greppable and
diff-friendly while staying valid JSON. The histogram of changes is the run's, in the
totals; a file's own is in its record only with detail ``full``.

Schema ``zhnorm-report``, ``schema_version`` 2 (a change that removes or redefines a
field bumps the version; new optional fields do not; version 2 moved the per-file
``mappings`` into the run totals, which list every change instead of the 20 most
frequent)::

    {
     "schema": "zhnorm-report", "schema_version": 2,
     "tool": {"name": "zhnorm", "version": "0.1.0", "opencc": "1.4.2", "python": "3.11.7"},
     "run": {"src": str, "dst": str, "started": ISO-8601 UTC, "finished": ISO-8601 UTC,
             "duration_s": float,
             "options": {"jobs", "include", "exclude", "dry_run", "force", "errors", "report_detail"}},
             # jobs: null when not given (every core; this process alone for a run under 512 KiB to read)
     "totals": {"files", "changed", "unchanged", "skipped", "error",   # files per status
                "reused",          # records taken from the manifest (input, options, version unchanged)
                "written",         # output files (re)written by this run
                "bytes_in", "bytes_out",
                "edit_counts": {kind: n}, "annotations": n, "flags": {kind: n},
                "mappings": {kind: {"協→协": n}}},   # every change per kind, whole run (reused
                   # files included), most frequent first; same-length edits count once
                   # per changed character pair, others as whole strings
     "truncated": [str],   # detail dropped to respect the size budget (see below); usually []
     "files": [record, ...]   # sorted by path
    }

A file record::

    {"path": "sub/a.txt",          # relative to SRC, "/"-separated
     "status": "changed" | "unchanged" | "skipped" | "error" | "stale",
        # changed: output bytes differ from the input bytes; unchanged: identical
        # (already clean UTF-8); skipped: binary, not copied; error: not written;
        # stale: the source is gone, an earlier run's output is left (see normalizer.stale)
     "stale_output": "kept" | "deleted",   # only on a record whose earlier output is stale
     "reason": str | null,         # why skipped / error (one line)
     "reused": bool,               # from the manifest, not redone by this run
     "bytes_in": int, "bytes_out": int | null,
     "encoding": str | null,       # codec the input was decoded with, e.g. "big5"
     "script": {"verdict", "traditional_share", "simplified_share",   # of the input
                "traditional", "simplified",   # counts of script-distinguishing characters
                "lines": {verdict: number of lines}},
     "edit_counts": {kind: n},     # merged kinds appear as "nfc+convert"
     "annotations": [["(xié)", "", 38, [[start, line], ...]], ...],
        # every annotation removal, grouped as [before, after, count, occurrences]
        # in order of first occurrence; end = start + len(before)
     "mappings": {kind: {"協→协": 38}},   # only with detail "full": this file's histogram
        # of all other edits, counted as in the totals
     "replaced": [[start, line, "ff fe"]],   # undecodable bytes (hex) replaced by U+FFFD
     "flags": [{"kind", "start", "end", "line", "text", "reason"}],
     "flag_counts": {kind: n},
     "edits": [[kind, start, end, line, before, after, reason]],   # only with detail "full"
     "truncated": [str]            # only when detail was dropped from this record
    }

Offsets (``start``, ``end``) are code-point offsets into the decoded input, as in
:class:`normalizer.Edit`; ``line`` is 1-based, as editors show it. Undecodable bytes
never appear raw: in ``edits`` each one is written ``\\xNN``.

Size: :func:`build_report` takes a byte ``budget``; the batch runner passes the size
of the corpus for the default detail level, so a summary report is never larger than
the corpus it describes (``full`` detail, asked for explicitly, has no budget: one
edit takes more bytes to describe than to make). When the rendered report is larger
than the budget, detail is dropped in this order until it fits, and named in
``truncated``: ``edits``, ``mappings`` (records that have them; the run totals keep
theirs), ``replaced``,
``flags``, ``annotations.at`` (the occurrence lists; groups and counts stay). Counts
always stay.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from ..escapes import escape_undecodable, has_undecodable, undecodable_bytes
from ..result import NormalizeResult
from ..tally import PairTally, named_tallies, sum_tallies
from .schema import DETAIL_LEVELS, SCHEMA, SCHEMA_VERSION, STATUSES

Record = dict[str, Any]

# What the size budget may drop, in order: (name in "truncated", how to drop it).
_DROPPABLE = ("edits", "mappings", "replaced", "flags", "annotations.at")


class LineIndex:
    """Maps code-point offsets of a text to 1-based line numbers (indexed on first use:
    most records name no position)."""

    def __init__(self, text: str):
        self._text = text
        self._starts: list[int] | None = None

    def line(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        return bisect_right(self._starts, offset)


def _script(result: NormalizeResult) -> dict[str, Any]:
    s = result.script
    lines = s.lines.tally()
    return {
        "verdict": s.verdict,
        "traditional_share": round(s.traditional_share, 4),
        "simplified_share": round(s.simplified_share, 4),
        "traditional": s.counts.traditional,
        "simplified": s.counts.simplified,
        "lines": dict(sorted(lines.items())),
    }


def file_record(
    path: str,
    result: NormalizeResult,
    *,
    status: str,
    bytes_in: int,
    bytes_out: int | None,
    detail: str = "summary",
) -> Record:
    """The record of one normalized file (see the module docstring)."""
    if detail not in DETAIL_LEVELS:
        raise ValueError(f"detail must be one of {DETAIL_LEVELS}, not {detail!r}")
    index = LineIndex(result.source)
    summary = result.summary
    groups: dict[tuple[str, str], list[Any]] = {}
    line = index.line
    for e in summary.annotations:  # a page of noise has hundreds: no new group list made per removal
        g = groups.get((e.before, e.after))
        if g is None:
            g = groups[e.before, e.after] = [e.before, e.after, 0, []]
        g[2] += 1
        g[3].append([e.start, line(e.start)])
    replaced = [[e.start, index.line(e.start), undecodable_bytes(e.before).hex(" ")] for e in summary.replaced]
    record: Record = {
        "path": path,
        "status": status,
        "reason": None,
        "reused": False,
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
        "encoding": result.encoding,
        "script": _script(result),
        "edit_counts": dict(sorted(summary.counts.items())),
        "annotations": list(groups.values()),
        # Named only for detail "full": a run sums the files' tallies (summary.tallies) unnamed.
        **({"mappings": _named_mappings(summary.mappings)} if detail == "full" else {}),
        "replaced": replaced,
        "flags": [
            {
                "kind": f.kind,
                "start": f.start,
                "end": f.end,
                "line": index.line(f.start),
                "text": escape_undecodable(f.text),
                "reason": f.reason,
            }
            for f in result.flags
        ],
        "flag_counts": dict(sorted(Counter(f.kind for f in result.flags).items())),
    }
    if detail == "full":
        record["edits"] = [
            [e.kind, e.start, e.end, index.line(e.start), escape_undecodable(e.before), e.after, e.reason]
            for e in result.edits
        ]
    return record


def problem_record(path: str, status: str, reason: str, *, bytes_in: int, encoding: str | None = None) -> Record:
    """The record of a file that was skipped or could not be normalized."""
    return {
        "path": path,
        "status": status,
        "reason": reason,
        "reused": False,
        "bytes_in": bytes_in,
        "bytes_out": None,
        "encoding": encoding,
    }


def _safe_keys(tally: Mapping[str, int]) -> Mapping[str, int]:
    """``tally`` with undecodable bytes in its keys written as ``\\xNN`` (rare: one check per file)."""
    if not has_undecodable("".join(tally)):
        return tally
    return {escape_undecodable(k): n for k, n in tally.items()}


def _named_mappings(mappings: Mapping[str, Mapping[str, int]]) -> dict[str, Mapping[str, int]]:
    """A summary's histograms as a record holds them: kinds sorted, keys escaped."""
    return {kind: _safe_keys(tally) for kind, tally in sorted(mappings.items())}


def _histogram(counter: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def totals(records: Iterable[Record], *, mappings: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Any]:
    """Run totals over file records (the ``totals`` object minus ``written``).

    ``mappings``: the run's histograms, kind by kind (a batch run sums its files' tallies,
    reused files' included, and names the sum once: :mod:`normalizer.tally`); None: the
    sum of the records' own ``mappings`` (records made with detail ``full``).
    """
    running = RunningTotals(own_mappings=mappings is None)
    for r in records:
        running.add(r)
    return running.totals(mappings)


class RunningTotals:
    """:func:`totals`, added up one record at a time: a batch run adds each file's record as it
    comes back and keeps no record for them. ``own_mappings``: sum the records' own ``mappings``
    (False when the run's histograms will be given to :meth:`totals`)."""

    def __init__(self, *, own_mappings: bool = True) -> None:
        self.own_mappings = own_mappings
        self.files = self.reused = self.stale = self.annotations = self.bytes_in = self.bytes_out = 0
        self.status: Counter[str] = Counter()
        self.edit_counts: Counter[str] = Counter()
        self.flags: Counter[str] = Counter()
        self.merged: dict[str, dict[str, int]] = {}  # the records' own mappings (detail full)

    def add(self, r: Record) -> None:
        self.files += 1
        self.status[r["status"]] += 1
        self.reused += bool(r.get("reused"))
        self.stale += "stale_output" in r
        self.bytes_in += r.get("bytes_in") or 0
        self.bytes_out += r.get("bytes_out") or 0
        self.edit_counts.update(r.get("edit_counts", {}))
        self.flags.update(r.get("flag_counts", {}))
        self.annotations += sum(g[2] for g in r.get("annotations", ()))
        if self.own_mappings and r.get("mappings"):
            from .compact import merge_mappings

            merge_mappings(self.merged, r["mappings"])

    def totals(self, mappings: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Any]:
        """The ``totals`` object minus ``written``; ``mappings`` as for :func:`totals`."""
        merged: Mapping[str, Mapping[str, int]] = self.merged
        if mappings is not None:
            merged = {kind: _safe_keys(hist) for kind, hist in mappings.items()}
        return {
            "files": self.files,
            **{s: self.status[s] for s in STATUSES},
            "reused": self.reused,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "edit_counts": dict(sorted(self.edit_counts.items())),
            "annotations": self.annotations,
            "flags": dict(sorted(self.flags.items())),
            "mappings": {k: _histogram(c) for k, c in sorted(merged.items())},
            **({"stale": self.stale} if self.stale else {}),  # outputs whose source is gone or now fails
        }


def build_report(
    records: Iterable[Record],
    *,
    tool: Mapping[str, Any],
    run: Mapping[str, Any],
    written: int = 0,
    budget: int | None = None,
    mappings: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """Assemble the report document; drop detail until it renders within ``budget`` bytes.

    ``mappings``: the run's histograms (see :func:`totals`; None: the records')."""
    files = sorted(records, key=lambda r: r["path"])
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool": dict(tool),
        "run": dict(run),
        "totals": {**totals(files, mappings=mappings), "written": written},
        "truncated": [],
        "files": files,
    }
    if budget is None:
        return report
    for what in _DROPPABLE:
        if len(render_json(report).encode("utf-8")) <= budget:
            break
        dropped = [_drop(r, what) for r in files]
        if any(new is not old for new, old in zip(dropped, files)):
            report["truncated"].append(what)
        files = report["files"] = dropped
    return report


def _drop(record: Record, what: str) -> Record:
    """A copy of ``record`` without the detail named ``what``."""
    r = dict(record)
    if what == "annotations.at":
        if not r.get("annotations"):
            return r
        r["annotations"] = [g[:3] for g in r["annotations"]]
    elif r.get(what):
        r[what] = {} if isinstance(r[what], dict) else []
        if what == "edits":
            del r["edits"]
    else:
        return r
    r["truncated"] = [*r.get("truncated", []), what]
    return r


def render_json(report: Mapping[str, Any]) -> str:
    """Serialize a report: readable header, then one line per file record."""
    head = {k: v for k, v in report.items() if k != "files"}
    text = json.dumps(head, ensure_ascii=False, indent=1)
    files = report.get("files", [])
    if not files:
        return text[:-2] + ',\n "files": []\n}\n'
    lines = ",\n".join("  " + json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in files)
    return text[:-2] + ',\n "files": [\n' + lines + "\n ]\n}\n"


#: Positions (annotation removals, flags, replaced bytes) a streamed file's record keeps.
STREAM_MAX_POSITIONS = 20_000


class StreamRecordBuilder:
    """The record of a file normalized piece by piece (:func:`normalizer.stream.normalize_file`),
    built from each piece's :func:`file_record` without holding the whole text.

    Offsets and line numbers are shifted by the piece's place in the document, counts
    and histograms summed, annotation groups merged in order of first occurrence, so the
    result equals the whole-file record, with these documented exceptions:

    * ``script`` takes the document verdict and counts from the survey
      (``survey.context.script``, counted on the decoded text before NFC; the whole-file
      record counts after NFC, which differs only when NFC changes a character that
      tells the scripts apart); ``script.lines`` sums the pieces' line verdicts, so a
      line longer than a piece (cut inside the line) counts once per piece it spans.
    * the histograms are summed unnamed (:attr:`tallies`, what the run totals take);
      they are named into the record only with ``detail="full"``, as for a whole file.
    * with ``detail="full"`` the ``edits`` list is held in memory, one entry per edit, as
      for a whole file: memory then grows with the number of edits, not the text.
    * so that memory stays flat however large the file, positions stop being kept past
      :data:`STREAM_MAX_POSITIONS` annotation positions, flags or replaced-byte entries:
      that detail is then dropped from the record and named in its ``truncated`` list
      (``annotations.at``, ``flags``, ``replaced``), as the report's size budget does;
      all counts stay exact.
    """

    def __init__(self, path: str, *, detail: str = "summary"):
        if detail not in DETAIL_LEVELS:
            raise ValueError(f"detail must be one of {DETAIL_LEVELS}, not {detail!r}")
        self.path = path
        self.detail = detail
        self.encoding: str | None = None
        self.lines: Counter[str] = Counter()
        self.edit_counts: Counter[str] = Counter()
        self.groups: dict[tuple[str, str], list[Any]] = {}
        self.tallies: dict[str, PairTally] = {}
        self.replaced: list[list[Any]] = []
        self.flags: list[dict[str, Any]] = []
        self.flag_counts: Counter[str] = Counter()
        self.edits: list[list[Any]] = []
        self.positions = 0
        self.truncated: list[str] = []

    def add(self, piece: Any) -> None:
        """Add one :class:`normalizer.stream.Piece` (pieces in document order)."""
        off, ln = piece.offset, piece.line
        r = file_record(self.path, piece.result, status="changed", bytes_in=0, bytes_out=0, detail=self.detail)
        self.encoding = r["encoding"]
        self.lines.update(r["script"]["lines"])
        self.edit_counts.update(r["edit_counts"])
        keep_at = "annotations.at" not in self.truncated
        for before, after, count, at in r["annotations"]:
            group = self.groups.setdefault((before, after), [before, after, 0, []] if keep_at else [before, after, 0])
            group[2] += count
            if keep_at:
                group[3].extend([start + off, line + ln] for start, line in at)
                self.positions += len(at)
        if keep_at and self.positions > STREAM_MAX_POSITIONS:
            self.truncated.append("annotations.at")
            for group in self.groups.values():
                del group[3:]
        self.tallies = sum_tallies((self.tallies, piece.result.summary.tallies))
        if "replaced" not in self.truncated:
            self.replaced.extend([start + off, line + ln, raw] for start, line, raw in r["replaced"])
            if len(self.replaced) > STREAM_MAX_POSITIONS:
                self.truncated.append("replaced")
                self.replaced = []
        if "flags" not in self.truncated:
            self.flags.extend(
                {**f, "start": f["start"] + off, "end": f["end"] + off, "line": f["line"] + ln} for f in r["flags"]
            )
            if len(self.flags) > STREAM_MAX_POSITIONS:
                self.truncated.append("flags")
                self.flags = []
        self.flag_counts.update(r["flag_counts"])
        if self.detail == "full":
            self.edits.extend(
                [kind, start + off, end + off, line + ln, *rest] for kind, start, end, line, *rest in r["edits"]
            )

    def record(self, survey: Any, *, status: str, bytes_in: int, bytes_out: int | None) -> Record:
        """The file record; ``survey`` is the file's :class:`normalizer.stream.Survey`."""
        from ..script import verdict_of

        counts = survey.context.script
        record: Record = {
            "path": self.path,
            "status": status,
            "reason": None,
            "reused": False,
            "bytes_in": bytes_in,
            "bytes_out": bytes_out,
            "encoding": survey.encoding,
            "script": {
                "verdict": verdict_of(counts),
                "traditional_share": round(counts.traditional_share, 4),
                "simplified_share": round(counts.simplified_share, 4),
                "traditional": counts.traditional,
                "simplified": counts.simplified,
                "lines": dict(sorted(self.lines.items())),
            },
            "edit_counts": dict(sorted(self.edit_counts.items())),
            "annotations": list(self.groups.values()),
            **({"mappings": self._mappings()} if self.detail == "full" else {}),
            "replaced": self.replaced,
            "flags": self.flags,
            "flag_counts": dict(sorted(self.flag_counts.items())),
        }
        if self.detail == "full":
            record["edits"] = self.edits
        if self.truncated:
            record["truncated"] = list(self.truncated)
        return record

    def _mappings(self) -> dict[str, dict[str, int]]:
        """The histograms by name, as a whole file's record has them (keys escaped, then ordered)."""
        return {kind: _histogram(_safe_keys(tally)) for kind, tally in named_tallies(self.tallies).items()}
