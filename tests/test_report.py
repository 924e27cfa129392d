"""The JSON report: per-file records, histograms, size budget, rendering."""

from __future__ import annotations

import json
from pathlib import Path

from normalizer import Edit, normalize_bytes, normalize_text
from normalizer.edits import apply_edits
from normalizer.report.json_report import (
    SCHEMA,
    SCHEMA_VERSION,
    build_report,
    file_record,
    problem_record,
    render_json,
)

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
SEED_001 = SEEDS / "001_449be7fe8a02e952.txt"
SEED_000 = SEEDS / "000_9f6a37fa5ed33f85.txt"


def _record(path: Path, detail: str = "summary") -> tuple[dict, object]:
    data = path.read_bytes()
    result = normalize_bytes(data)
    out = result.text.encode("utf-8")
    return file_record(
        path.name, result, status="changed", bytes_in=len(data), bytes_out=len(out), detail=detail
    ), result


def test_every_annotation_removal_of_seed_001_is_listed_with_offsets_and_lines():
    record, result = _record(SEED_001)
    removals = [e for e in result.edits if e.kind == "annotation"]
    assert len(removals) == 263
    listed = sorted(
        (start, before, after, line) for before, after, _n, at in record["annotations"] for start, line in at
    )
    source = result.source
    expected = sorted((e.start, e.before, e.after, source.count("\n", 0, e.start) + 1) for e in removals)
    assert listed == expected
    assert (17, "(xié)", "", 1) in listed
    assert all(count == len(at) for _before, _after, count, at in record["annotations"])
    assert sum(g[2] for g in record["annotations"]) == record["edit_counts"]["annotation"] == 263


def test_conversions_are_a_histogram_counted_per_character_pair():
    result = normalize_text("黨組書記。黨組")
    multi = [e for e in result.edits if e.kind == "convert" and len(e.before) > 1]
    assert multi, "the test needs a multi-character conversion edit"
    record = file_record("x.txt", result, status="changed", bytes_in=0, bytes_out=0)
    assert record["mappings"]["convert"] == {"黨→党": 2, "組→组": 2, "書→书": 1, "記→记": 1}
    assert "edits" not in record


def test_full_detail_lists_every_edit_and_reproduces_the_text():
    record, result = _record(SEED_000, detail="full")
    rows = record["edits"]
    assert len(rows) == len(result.edits) == sum(record["edit_counts"].values())
    edits = [Edit(kind, start, end, before, after, reason) for kind, start, end, _line, before, after, reason in rows]
    assert apply_edits(result.source, edits) == result.text
    assert {row[0] for row in rows} == {"convert", "fix", "punctuation"}


def test_undecodable_bytes_are_reported_as_hex_never_raw():
    data = b"\xef\xbb\xbf" + "你好".encode() + b"\xff\xfe" + "\n世界".encode()
    result = normalize_bytes(data, errors="replace")
    record = file_record("bad.txt", result, status="changed", bytes_in=len(data), bytes_out=0, detail="full")
    assert record["replaced"] == [[2, 1, "ff fe"]]
    assert record["edits"][0][4] == "\\xff\\xfe"
    text = render_json(build_report([record], tool={}, run={}))
    text.encode("utf-8")  # would raise on a lone surrogate
    assert json.loads(text)["files"][0]["replaced"] == [[2, 1, "ff fe"]]


def test_report_document_totals_and_one_line_per_file():
    rec0, _ = _record(SEED_000)
    rec1, _ = _record(SEED_001)
    skipped = problem_record("img.png", "skipped", "binary (PNG image)", bytes_in=100)
    failed = problem_record("bad.txt", "error", "no plausible Chinese encoding", bytes_in=50, encoding="gb18030")
    report = build_report([rec1, skipped, rec0, failed], tool={"name": "zhnorm"}, run={"src": "s"}, written=2)
    text = render_json(report)
    doc = json.loads(text)
    assert doc["schema"] == SCHEMA and doc["schema_version"] == SCHEMA_VERSION
    assert [f["path"] for f in doc["files"]] == sorted(f["path"] for f in doc["files"])
    t = doc["totals"]
    assert (t["files"], t["changed"], t["unchanged"], t["skipped"], t["error"], t["written"]) == (4, 2, 0, 1, 1, 2)
    assert t["annotations"] == 263
    assert t["edit_counts"]["annotation"] == 263
    assert (
        t["mappings"]["convert"]["協→协"] == rec0["mappings"]["convert"]["協→协"] + rec1["mappings"]["convert"]["協→协"]
    )
    file_lines = [line for line in text.splitlines() if line.startswith('  {"path":')]
    assert len(file_lines) == 4
    assert doc["truncated"] == []


def test_report_on_the_seeds_is_smaller_than_the_seeds():
    records = [_record(p)[0] for p in (SEED_000, SEED_001)]
    corpus = SEED_000.stat().st_size + SEED_001.stat().st_size
    report = build_report(records, tool={"name": "zhnorm", "version": "0.1.0"}, run={}, budget=corpus)
    assert report["truncated"] == []  # fits without dropping anything
    assert len(render_json(report).encode("utf-8")) <= corpus


def test_size_budget_drops_detail_but_keeps_counts():
    records = [_record(p, detail="full")[0] for p in (SEED_000, SEED_001)]
    summary = [{k: v for k, v in r.items() if k != "edits"} for r in records]
    summary_size = len(render_json(build_report(summary, tool={}, run={})).encode("utf-8"))
    mild = build_report(records, tool={}, run={}, budget=summary_size + 100)  # room for "truncated" fields
    assert mild["truncated"] == ["edits"]
    assert [r.pop("truncated") for r in mild["files"]] == [["edits"], ["edits"]]
    assert mild["files"] == sorted(summary, key=lambda r: r["path"])
    budget = summary_size // 3
    report = build_report(records, tool={}, run={}, budget=budget)
    assert report["truncated"] == ["edits", "mappings", "replaced", "flags", "annotations.at"]
    assert len(render_json(report).encode("utf-8")) <= budget
    rec001 = next(r for r in report["files"] if r["path"].startswith("001"))
    assert "edits" not in rec001 and rec001["mappings"] == {}
    assert rec001["truncated"] == ["edits", "mappings", "annotations.at"]
    assert rec001["annotations"][0][:2] == ["(xié)", ""]
    assert all(len(g) == 3 for g in rec001["annotations"])
    assert sum(g[2] for g in rec001["annotations"]) == 263
    assert rec001["edit_counts"] == summary[1]["edit_counts"]
    assert report["totals"]["annotations"] == 263
