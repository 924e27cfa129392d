"""The JSON report: per-file records, histograms, size budget, rendering."""

from __future__ import annotations

import json
from collections import Counter
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
from normalizer.tally import named_tallies, sum_tallies

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
    assert result.summary.mappings["convert"] == {"黨→党": 2, "組→组": 2, "書→书": 1, "記→记": 1}
    full = file_record("x.txt", result, status="changed", bytes_in=0, bytes_out=0, detail="full")
    assert full["mappings"]["convert"] == {"黨→党": 2, "組→组": 2, "書→书": 1, "記→记": 1}
    assert list(full["mappings"]["convert"]) == ["組→组", "黨→党", "書→书", "記→记"]  # most first, then by key


def test_summary_records_leave_the_histogram_to_the_run_totals():
    result = normalize_text("黨組書記。黨組")
    record = file_record("x.txt", result, status="changed", bytes_in=0, bytes_out=0)
    assert "mappings" not in record and "edits" not in record
    full = file_record("x.txt", result, status="changed", bytes_in=0, bytes_out=0, detail="full")
    assert {k: v for k, v in full.items() if k not in ("mappings", "edits")} == record


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
    rec0, res0 = _record(SEED_000)
    rec1, res1 = _record(SEED_001)
    skipped = problem_record("img.png", "skipped", "binary (PNG image)", bytes_in=100)
    failed = problem_record("bad.txt", "error", "no plausible Chinese encoding", bytes_in=50, encoding="gb18030")
    run_total = named_tallies(sum_tallies([res0.summary.tallies, res1.summary.tallies]))
    records = [rec1, skipped, rec0, failed]
    report = build_report(records, tool={"name": "zhnorm"}, run={"src": "s"}, written=2, mappings=run_total)
    text = render_json(report)
    doc = json.loads(text)
    assert doc["schema"] == SCHEMA and doc["schema_version"] == SCHEMA_VERSION
    assert [f["path"] for f in doc["files"]] == sorted(f["path"] for f in doc["files"])
    t = doc["totals"]
    assert (t["files"], t["changed"], t["unchanged"], t["skipped"], t["error"], t["written"]) == (4, 2, 0, 1, 1, 2)
    assert t["annotations"] == 263
    assert t["edit_counts"]["annotation"] == 263
    both = res0.summary.mappings["convert"], res1.summary.mappings["convert"]
    assert t["mappings"]["convert"]["協→协"] == both[0]["協→协"] + both[1]["協→协"]
    assert t["mappings"]["convert"] == dict(Counter(both[0]) + Counter(both[1]))  # every pair, not the top 20
    assert len(t["mappings"]["convert"]) > 20
    counts = list(t["mappings"]["convert"].values())
    assert counts == sorted(counts, reverse=True)
    full = [_record(p, detail="full")[0] for p in (SEED_000, SEED_001)]
    assert build_report(full, tool={}, run={})["totals"]["mappings"] == t["mappings"]  # from full records alike
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
    budget = summary_size * 11 // 20  # the run totals keep their whole histogram: about half is the floor
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


# --- JSON Schema, previews and the HTML report ------------------------------------------

import re  # noqa: E402
from importlib import resources  # noqa: E402

import jsonschema  # noqa: E402
import pytest  # noqa: E402

from normalizer import batch  # noqa: E402
from normalizer.batch import RunOptions  # noqa: E402
from normalizer.manifest import dump  # noqa: E402
from normalizer.report import html_report, preview  # noqa: E402
from normalizer.report.preview import build_preview, output_line, source_line  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
UNDECODABLE = bytes(range(0x80, 0x100)) * 8


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((resources.files("normalizer.report") / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _mixed_corpus(root: Path) -> Path:
    """The seeds in several encodings, a clean file, a binary file and an undecodable one."""
    s0, s1 = SEED_000.read_text(encoding="utf-8"), SEED_001.read_text(encoding="utf-8")
    files = {
        SEED_000.name: SEED_000.read_bytes(),
        SEED_001.name: SEED_001.read_bytes(),
        "enc/001-gb18030.txt": s1.encode("gb18030"),
        "enc/000-utf16.txt": s0.encode("utf-16"),
        "enc/001-bom.txt": s1.encode("utf-8-sig"),
        "clean.txt": "已经是简体。\n".encode(),
        "img/logo.png": PNG,
        "bad.txt": UNDECODABLE,
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


@pytest.mark.parametrize("detail", ["summary", "full"])
def test_real_reports_match_the_json_schema(tmp_path: Path, detail: str):
    src = _mixed_corpus(tmp_path / "raw")
    rep = tmp_path / "rep"
    result = batch.run(src, tmp_path / "clean", RunOptions(jobs=2, report_detail=detail), report_dir=rep)
    doc = json.loads((rep / "report.json").read_text(encoding="utf-8"))
    assert {r["status"] for r in doc["files"]} == {"changed", "unchanged", "skipped", "error"}
    assert doc["run"]["options"]["report_detail"] == detail
    assert ("edits" in doc["files"][0]) == (detail == "full")
    validator = _validator()
    assert list(validator.iter_errors(doc)) == []
    # a rerun (records reused from the manifest) and a replace run (undecodable bytes recorded) too
    again = batch.run(src, tmp_path / "clean", RunOptions(jobs=1, report_detail=detail), report_dir=rep)
    assert again.report["totals"]["reused"] == 7
    assert list(validator.iter_errors(json.loads((rep / "report.json").read_text(encoding="utf-8")))) == []
    (src / "mixed.txt").write_bytes("你好".encode() + b"\xff\xfe" + "\n協會".encode())
    batch.run(src, tmp_path / "clean2", RunOptions(jobs=1, errors="replace", report_detail=detail), report_dir=rep)
    doc = json.loads((rep / "report.json").read_text(encoding="utf-8"))
    assert next(r for r in doc["files"] if r["path"] == "mixed.txt")["replaced"] == [[2, 1, "ff fe"]]
    assert list(validator.iter_errors(doc)) == []
    assert result.exit_code == 1


def test_schema_accepts_truncated_reports_and_rejects_wrong_ones():
    records = [_record(p, detail="full")[0] for p in (SEED_000, SEED_001)]
    tool = {"name": "zhnorm", "version": "0.1.0", "opencc": "1.4.2", "python": "3.11.7"}
    run = {
        "src": "raw",
        "dst": "clean",
        "started": "2024-01-01T00:00:00+00:00",
        "finished": "2024-01-01T00:00:01+00:00",
        "duration_s": 1.0,
        "options": {
            "jobs": 1,
            "include": [],
            "exclude": [],
            "dry_run": False,
            "force": False,
            "errors": "strict",
            "report_detail": "full",
        },
    }
    validator = _validator()
    report = json.loads(render_json(build_report(records, tool=tool, run=run, budget=3000)))
    assert report["truncated"] == ["edits", "mappings", "replaced", "flags", "annotations.at"]
    assert list(validator.iter_errors(report)) == []
    report["schema_version"] = 1
    report["files"][0]["status"] = "fine"
    report["files"][1]["surprise"] = 1
    assert len(list(validator.iter_errors(report))) == 3


def test_preview_lines_rebuild_source_and_output_lines():
    for path in (SEED_000, SEED_001):
        result = normalize_bytes(path.read_bytes())
        whole = build_preview(result, max_lines=10_000, line_chars=10**9)
        src_lines, out_lines = result.source.split("\n"), result.text.split("\n")
        changed = {i + 1 for i, (a, b) in enumerate(zip(src_lines, out_lines)) if a != b}
        assert [e["n"] for e in whole["lines"]] == sorted(changed) and whole["changed_lines"] == len(changed)
        for entry in whole["lines"]:
            assert source_line(entry) == src_lines[entry["n"] - 1]
            assert output_line(entry) == out_lines[entry["n"] - 1]
        capped = build_preview(result)
        assert len(capped["lines"]) == min(preview.PREVIEW_LINES, len(changed))
        for entry in capped["lines"]:  # a cut line is a window of the source line
            longest_edit = max(len(s[1]) for s in entry["segs"] if not isinstance(s, str))
            assert len(source_line(entry)) <= preview.LINE_CHARS + longest_edit
            assert source_line(entry) in src_lines[entry["n"] - 1]


def test_preview_of_a_long_line_is_cut_around_its_first_edit():
    text = "x" * 500 + "協會" + "y" * 400 + "開" + "\r\n" + "abc協\n"
    entry, second = build_preview(normalize_text(text))["lines"]
    assert entry["head"] and entry["tail"] and entry["hidden"] == 1
    assert entry["segs"][1] == ["convert", "協會", "协会"]
    assert len(source_line(entry)) == preview.LINE_CHARS
    assert second == {"n": 2, "segs": ["abc", ["convert", "協", "协"]]}


def test_html_report_of_the_seeds_highlights_the_edits_of_seed_001(tmp_path: Path):
    src = tmp_path / "raw"
    src.mkdir()
    for seed in (SEED_000, SEED_001):
        (src / seed.name).write_bytes(seed.read_bytes())
    rep = tmp_path / "rep"
    result = batch.run(src, tmp_path / "clean", RunOptions(jobs=1), report_dir=rep)
    assert result.html_path == rep / "report.html"
    assert sorted(p.name for p in rep.iterdir()) == ["report.html", "report.json"]  # one self-contained file
    page = (rep / "report.html").read_text(encoding="utf-8")
    section = page[page.index(f'<code class="p">{SEED_001.name}</code>') :]
    section = section[: section.index("</details>")]
    # the reason also says the removal fits the page's own noise (its table of annotations)
    assert '<del class="ed an" title="toned reading of 協 (xie2); fits the page&#x27;s noise">(xié)</del>' in section
    assert '<ins class="ed cv" title="協→协">协</ins>' in section
    # seed 001 has 8 long lines: all are shown, each cut to a window with its other edits counted
    assert section.count('<tr class="ln">') == 8 and section.count('<del class="ed an"') > 100
    assert "more edits on this line)" in section
    first = '<tr class="ln"><th><button type="button" class="ba-t" title="before / after">1</button></th><td>'
    assert first + '2023年12月29日,云南省科<ins class="ed cv" title="協→协">协</ins><del' in section
    # self-contained: nothing is loaded from anywhere
    assert not re.search(r"https?://", page)
    assert not re.search(r"""\b(src|href)\s*=|@import|url\(""", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # summary and filters
    assert 'id="f-status"' in page and 'id="f-kind"' in page and '<option value="annotation">' in page
    assert "2 of 2 files with edits are shown with their changed lines" in page


def test_html_report_escapes_corpus_text(tmp_path: Path):
    src = tmp_path / "raw"
    src.mkdir()
    (src / "<b>&x.txt").write_bytes("<script>alert(1)</script> 協會 &amp;\n".encode())
    rep = tmp_path / "rep"
    batch.run(src, tmp_path / "clean", RunOptions(jobs=1), report_dir=rep)
    page = (rep / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<b>&x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; " in page and "&lt;b&gt;&amp;x.txt" in page
    assert page.count("<script>") == 1  # the page's own


def test_html_detail_is_capped_and_previews_survive_a_rerun(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(preview, "PREVIEW_FILES", 2)
    monkeypatch.setattr(html_report, "PREVIEW_FILES", 2)
    src = tmp_path / "raw"
    src.mkdir()
    for i in range(5):
        (src / f"{i}.txt").write_bytes(f"第{i}行協會\n".encode())
    (src / "clean.txt").write_bytes("简体\n".encode())
    dst, rep = tmp_path / "clean", tmp_path / "rep"

    def detailed() -> list[str]:
        page = (rep / "report.html").read_text(encoding="utf-8")
        assert "2 of 5 files with edits are shown with their changed lines (those needing review first" in page
        assert page.count('<tr data-p="') == 6  # every file has its row
        return re.findall(r'<details class="file"[^>]*>\s*<summary><code class="p">([^<]*)</code>', page)

    batch.run(src, dst, RunOptions(jobs=2), report_dir=rep)
    assert detailed() == ["0.txt", "1.txt"]
    assert all(set(e) == {"sha256", "record", "mappings"} for e in dump(dst)["files"].values())  # no previews
    again = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert again.report["totals"]["reused"] == 6
    assert detailed() == ["0.txt", "1.txt"]
    assert '<ins class="ed cv" title="協會→协会">协会</ins>' in (rep / "report.html").read_text(encoding="utf-8")
    (src / "0.txt").unlink()  # 2.txt moves into the detailed set: its preview is made again
    batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    page = (rep / "report.html").read_text(encoding="utf-8")
    assert "2 of 4 files with edits are shown" in page
    shown = re.findall(r'<details class="file"[^>]*>\s*<summary><code class="p">([^<]*)</code>', page)
    assert shown == ["1.txt", "2.txt"]
    assert all(set(e) == {"sha256", "record", "mappings"} for e in dump(dst)["files"].values())


def test_report_json_holds_no_preview(tmp_path: Path):
    src = tmp_path / "raw"
    src.mkdir()
    (src / "a.txt").write_bytes("協會\n".encode())
    batch.run(src, tmp_path / "clean", RunOptions(jobs=1), report_dir=tmp_path / "rep")
    assert "segs" not in (tmp_path / "rep" / "report.json").read_text(encoding="utf-8")


def _review_record(path: str, fixes: int) -> dict:
    return {"path": path, "status": "changed", "edit_counts": {"convert": 3, "fix": fixes}}


def test_review_files_keep_the_weightiest_with_the_previews_their_workers_sent():
    from normalizer.report.review import ReviewFiles

    review = ReviewFiles(2)
    assert review.floor() == 1  # room left: any file needing review sends its preview
    review.add(_review_record("a.txt", 1), {"lines": "a"})
    nothing_to_review = {"path": "b.txt", "status": "changed", "edit_counts": {"convert": 3}}
    review.add(nothing_to_review, {"lines": "b"})
    review.add(_review_record("c.txt", 3), {"lines": "c"})
    assert review.floor() == 2  # full: a later path of the same weight as the last cannot enter
    review.add(_review_record("d.txt", 1), {"lines": "d"})
    review.add(_review_record("e.txt", 5), {"lines": "e"})
    assert review.best == [(-5, "e.txt"), (-3, "c.txt")] and set(review.previews) == {"e.txt", "c.txt"}
    assert review.floor() == 4
    # Decided from every file added: e.txt is in the path-order detail; of the others, c.txt and a.txt
    # (d.txt, of a.txt's weight, comes later in path order); a.txt's preview was not kept.
    assert review.shown(detailed={"e.txt": None}) == {"c.txt": {"lines": "c"}, "a.txt": None}
    review.add(_review_record("f.txt", 9), {"lines": "f"}, detailed=True)
    assert review.shown(detailed={}) == {"f.txt": None, "e.txt": {"lines": "e"}}  # f.txt dropped out of the detail


def test_files_needing_review_come_back_with_their_previews_none_normalized_again(tmp_path: Path, monkeypatch):
    from normalizer.report import assemble, review

    monkeypatch.setattr(preview, "PREVIEW_FILES", 2)  # the run's path-order detail (the page shows up to 100)
    monkeypatch.setattr(review, "REVIEW_PREVIEWS", 3)
    src = tmp_path / "raw"
    src.mkdir()
    for i in range(8):  # 著 after a verb on a traditional line: a fix, which needs review
        (src / f"{i}.txt").write_bytes(("他們看著我們說話。\n" * (i % 4 + 1) + "協會\n").encode())
    again: list[Path] = []
    preview_again = assemble._preview_again
    monkeypatch.setattr(assemble, "_preview_again", lambda path, **k: again.append(path) or preview_again(path, **k))
    rep = tmp_path / "rep"
    for jobs in (1, 2):
        batch.run(src, tmp_path / f"clean{jobs}", RunOptions(jobs=jobs), report_dir=rep)
        page = (rep / "report.html").read_text(encoding="utf-8")
        shown = re.findall(r'<details class="file" id="d\d+" data-p="([^"]*)"', page)
        assert sorted(shown) == ["0.txt", "1.txt", "2.txt", "3.txt", "7.txt"]  # 2 in path order, the 3 weightiest
        assert page.count('<ins class="ed fx"') >= 5
    assert again == []


def test_complete_previews_loads_no_pipeline_when_every_preview_came() -> None:
    """With a pool, the main process never needs the pipeline unless a detailed file came without
    its preview: asked in a fresh process whether completing the previews imported it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from normalizer.report.assemble import complete_previews\n"
        "previews = {'a.txt': {'changed_lines': 1, 'shown': 1, 'html': '<tr></tr>'}}\n"
        "done = complete_previews(previews, ['a.txt'], {}, errors='strict', stream_bytes=1)\n"
        "print(done, 'normalizer.pipeline' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "False"]


def test_complete_previews_normalizes_the_files_that_came_without(tmp_path: Path) -> None:
    from typing import Any

    from normalizer.report import assemble

    a = tmp_path / "a.txt"
    a.write_text("這是(zhè)測試。\n", encoding="utf-8")
    previews: dict[str, dict[str, Any] | None] = {"a.txt": None, "b.txt": {"changed_lines": 0, "lines": []}}
    done = assemble.complete_previews(previews, ["b.txt", "a.txt"], {"a.txt": a}, errors="strict", stream_bytes=1 << 20)
    assert done == ["a.txt"]
    assert previews["a.txt"] is not None and previews["a.txt"]["changed_lines"] == 1
    assert previews["b.txt"] == {"changed_lines": 0, "lines": []}


def test_complete_previews_makes_none_the_page_has_no_room_for(tmp_path: Path, monkeypatch) -> None:
    """The page shows lines in review order until DETAIL_BYTES of them: a file reused from the
    manifest past that point is not normalized again for a preview nobody sees."""
    from typing import Any

    from normalizer.report import assemble, html_report

    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text("這是(zhè)測試。\n" * 5, encoding="utf-8")
    previews: dict[str, dict[str, Any] | None] = {"a.txt": None, "b.txt": None, "c.txt": None}
    sources = {name: tmp_path / name for name in previews}
    monkeypatch.setattr(html_report, "DETAIL_BYTES", 1)  # room for the first file only (it is always shown)
    order = ["b.txt", "c.txt", "a.txt"]
    done = assemble.complete_previews(previews, order, sources, errors="strict", stream_bytes=1 << 20)
    # b.txt is shown; c.txt is made to learn that it does not fit, and the walk stops there
    assert done == ["b.txt", "c.txt"] and previews["a.txt"] is None
    shown, budget_hit = html_report.shown_in_detail(order, previews.get)
    assert [item.path for item in shown] == ["b.txt"] and budget_hit
