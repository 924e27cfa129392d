"""Reruns: reuse by file state, the no-change shortcut, the manifest's journal, what is flushed
to disk, and the compact record form that carries all of it (normalizer.report.compact)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_texts import SEED_000, SEED_001, load_seeds, make_tree

from normalizer import batch, inputs, selection, shortcut, worker
from normalizer.batch import MANIFEST_NAME, RunOptions
from normalizer.cli import main
from normalizer.executors import Executor
from normalizer.manifest import WAL_NAME, dump
from normalizer.report import assemble, compact, file_table, html_report, json_report, schema
from normalizer.tally import named_tallies, sum_tallies, unpack_tallies

OLD = 1_600_000_000  # a time well before any run


@pytest.fixture(autouse=True)
def trust_states(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust file states however recent: a test's files were all changed a moment ago (their
    ctime at least, which no program can set back)."""
    monkeypatch.setenv("ZHNORM_RACY_NS", "0")


def noisy(name: str = SEED_001) -> bytes:
    return load_seeds()[name][0]


def clean(name: str = SEED_001) -> bytes:
    return load_seeds()[name][1].encode("utf-8")


def age(root: Path) -> None:
    """Set every file's times well in the past (as for a corpus that is not being edited)."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))


def corpus(root: Path) -> Path:
    files = {f"d{i % 2}/{i}.txt": noisy(SEED_000 if i % 3 else SEED_001) for i in range(6)}
    files["clean.txt"] = "已经是简体。\n".encode()
    files["pic.png"] = b"\x89PNG\r\n\x1a\n" + bytes(64)
    make_tree(root, files)
    age(root)
    return root


class Opens:
    """Counts which inputs a run opens (reads), through ``normalizer.inputs.open_source``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.paths: list[str] = []
        real = inputs.open_source

        def opened(path):
            self.paths.append(Path(path).name)
            return real(path)

        monkeypatch.setattr(inputs, "open_source", opened)

    def take(self) -> list[str]:
        found, self.paths = sorted(self.paths), []
        return found


def states(root: Path) -> dict[str, tuple[int, int]]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino) for p in files}


def manifest_doc(dst: Path) -> dict:
    return dump(dst)


# --- reuse by file state -------------------------------------------------------------


def test_unchanged_files_are_reused_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    opens = Opens(monkeypatch)
    first = batch.run(src, dst, RunOptions(jobs=1))
    assert len(opens.take()) == 8
    outputs = states(dst)
    again = batch.run(src, dst, RunOptions(jobs=1))
    assert opens.take() == []  # nothing read: the inputs' and outputs' states are as recorded
    assert [r["reused"] for r in again.records] == [True] * 8
    assert again.records == [{**r, "reused": True} for r in first.records]
    assert again.report["totals"]["written"] == 0
    assert states(dst) | {MANIFEST_NAME: None} == outputs | {MANIFEST_NAME: None}


def test_a_touched_file_is_hashed_and_reused_a_changed_one_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    batch.run(src, dst, RunOptions(jobs=1))
    opens = Opens(monkeypatch)
    os.utime(src / "d0/0.txt", (OLD + 100, OLD + 100))  # new mtime, same bytes
    before = (dst / "d0/0.txt").stat().st_mtime_ns
    touched = batch.run(src, dst, RunOptions(jobs=1))
    assert opens.take() == ["0.txt"]  # read and hashed: same SHA-256, reused
    assert {r["path"]: r["reused"] for r in touched.records}["d0/0.txt"] is True
    assert touched.report["totals"]["written"] == 0
    assert (dst / "d0/0.txt").stat().st_mtime_ns == before
    assert manifest_doc(dst)["index"]["d0/0.txt"][0][1] == (OLD + 100) * 10**9  # the new state is recorded
    assert batch.run(src, dst, RunOptions(jobs=1)) and opens.take() == []

    # Same size, same mtime, other bytes: the ctime (which no program can set back) tells.
    data = (src / "d1/1.txt").read_bytes()
    (src / "d1/1.txt").write_bytes(data.replace("協".encode(), "會".encode(), 1))
    assert len((src / "d1/1.txt").read_bytes()) == len(data)
    os.utime(src / "d1/1.txt", (OLD, OLD))
    changed = batch.run(src, dst, RunOptions(jobs=1))
    assert opens.take() == ["1.txt"]
    assert {r["path"]: r["reused"] for r in changed.records}["d1/1.txt"] is False
    assert changed.report["totals"]["written"] == 1


def test_an_output_that_is_not_the_one_written_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    batch.run(src, dst, RunOptions(jobs=1))
    good = (dst / "d0/0.txt").read_bytes()
    (dst / "d0/0.txt").write_bytes(b"x" * len(good))  # same size, other bytes (say, a crash lost the data)
    opens = Opens(monkeypatch)
    result = batch.run(src, dst, RunOptions(jobs=1))
    assert opens.take() == ["0.txt"]
    assert {r["path"]: r["reused"] for r in result.records}["d0/0.txt"] is False
    assert (dst / "d0/0.txt").read_bytes() == good


def test_a_file_changed_just_before_it_was_read_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_tree(src, {"a.txt": noisy(), "b.txt": noisy(SEED_000)})
    monkeypatch.setenv("ZHNORM_RACY_NS", str(3600 * 10**9))  # both changed less than an hour ago
    batch.run(src, dst, RunOptions(jobs=1))
    assert [item[0] for item in manifest_doc(dst)["index"].values()] == [None, None]  # not trusted
    opens = Opens(monkeypatch)
    result = batch.run(src, dst, RunOptions(jobs=1))
    assert opens.take() == ["a.txt", "b.txt"]  # hashed again, and reused
    assert [r["reused"] for r in result.records] == [True, True]
    monkeypatch.setenv("ZHNORM_RACY_NS", "0")
    batch.run(src, dst, RunOptions(jobs=1))
    assert opens.take() == ["a.txt", "b.txt"]  # their states are recorded now ...
    batch.run(src, dst, RunOptions(jobs=1))
    assert opens.take() == []  # ... and trusted


# --- the no-change shortcut ------------------------------------------------------------


def test_a_rerun_that_finds_nothing_changed_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    first = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert first.unchanged_since is None
    report_json = (rep / "report.json").read_bytes()
    before = states(dst) | states(rep)
    opens = Opens(monkeypatch)
    again = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert opens.take() == []
    assert again.unchanged_since == first.report["run"]["finished"]
    assert states(dst) | states(rep) == before  # not even the manifest or the report is rewritten
    assert not (dst / WAL_NAME).exists()
    assert again.head["totals"] == first.report["totals"]
    assert again.report == json.loads(report_json)  # the report is the last run's
    assert again.records == first.records
    assert again.exit_code == 0


def test_the_shortcut_needs_the_same_files_options_outputs_and_report(tmp_path: Path):
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    options = RunOptions(jobs=1)

    def rerun(opts: RunOptions = options) -> batch.RunResult:
        return batch.run(src, dst, opts, report_dir=rep)

    rerun()
    assert rerun().unchanged_since is not None
    (rep / "report.html").unlink()  # a report file gone: written again
    redone = rerun()
    assert redone.unchanged_since is None and (rep / "report.html").is_file()
    assert redone.report["totals"]["reused"] == 8 and redone.report["totals"]["written"] == 0
    assert rerun().unchanged_since is not None
    with (rep / "report.json").open("ab") as f:  # edited by hand
        f.write(b" ")
    assert rerun().unchanged_since is None
    assert rerun(RunOptions(jobs=2)).unchanged_since is None  # other options: the report must say so
    assert rerun(RunOptions(jobs=2)).unchanged_since is not None
    assert rerun(RunOptions(jobs=2, exclude=("pic.png",))).unchanged_since is None  # other files selected
    assert len(rerun(RunOptions(jobs=2, exclude=("pic.png",))).records) == 7
    assert rerun(RunOptions(jobs=2)).unchanged_since is None
    (dst / "d0/0.txt").unlink()  # an output gone
    assert rerun(RunOptions(jobs=2)).unchanged_since is None and (dst / "d0/0.txt").is_file()
    make_tree(src, {"added.txt": noisy()})
    age(src)
    assert rerun(RunOptions(jobs=2)).unchanged_since is None
    (src / "added.txt").unlink()
    assert rerun(RunOptions(jobs=2)).unchanged_since is None
    assert rerun(RunOptions(jobs=2)).unchanged_since is not None
    assert rerun(RunOptions(jobs=2, force=True)).unchanged_since is None
    other = tmp_path / "rep2"
    assert batch.run(src, dst, RunOptions(jobs=2), report_dir=other).unchanged_since is None


def untrusted_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path, batch.RunResult]:
    """A first run on files changed just before it (by the racy rule: every file changed less
    than an hour ago), so that the manifest records no input state (src, dst, rep, its result)."""
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    monkeypatch.setenv("ZHNORM_RACY_NS", str(3600 * 10**9))
    first = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert all(item[0] is None for item in manifest_doc(dst)["index"].values())
    return src, dst, rep, first


def test_files_changed_just_before_the_last_run_are_hashed_by_the_shortcut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src, dst, rep, first = untrusted_run(tmp_path, monkeypatch)
    before = states(dst) | states(rep)
    opens = Opens(monkeypatch)
    again = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert again.unchanged_since == first.report["run"]["finished"]
    assert opens.take() == ["0.txt", "1.txt", "2.txt", "3.txt", "4.txt", "5.txt", "clean.txt", "pic.png"]  # hashed
    assert states(dst) | states(rep) == before  # nothing written


def test_a_file_the_last_run_could_not_trust_is_redone_when_its_bytes_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src, dst, rep, _ = untrusted_run(tmp_path, monkeypatch)
    (src / "clean.txt").write_bytes("还是简体。\n".encode())  # same size, other bytes
    again = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert again.unchanged_since is None
    assert (dst / "clean.txt").read_text(encoding="utf-8") == "还是简体。\n"
    assert {r["path"]: r["reused"] for r in again.records}["clean.txt"] is False


def test_a_file_the_last_run_could_not_trust_is_redone_when_its_output_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src, dst, rep, _ = untrusted_run(tmp_path, monkeypatch)
    good = (dst / "d0/0.txt").read_bytes()
    (dst / "d0/0.txt").write_bytes(b"x" * len(good))
    assert batch.run(src, dst, RunOptions(jobs=1), report_dir=rep).unchanged_since is None
    assert (dst / "d0/0.txt").read_bytes() == good


def test_too_many_untrusted_files_go_down_the_whole_path_once_which_records_their_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src, dst, rep, _ = untrusted_run(tmp_path, monkeypatch)
    monkeypatch.setattr(shortcut, "HASH_FILES", 7)  # the corpus has 8
    monkeypatch.setenv("ZHNORM_RACY_NS", "0")
    opens = Opens(monkeypatch)
    whole = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert whole.unchanged_since is None and whole.report["totals"]["reused"] == 8
    assert len(opens.take()) == 8  # hashed by the run, not by the shortcut first
    assert batch.run(src, dst, RunOptions(jobs=1), report_dir=rep).unchanged_since is not None
    assert opens.take() == []  # trusted by their states now


def test_an_unfinished_run_rules_the_shortcut_out(tmp_path: Path):
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    (dst / WAL_NAME).write_bytes(b"")  # as a killed run leaves it (killed before its first commit)
    again = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert again.unchanged_since is None and again.report["totals"]["reused"] == 8
    assert not (dst / WAL_NAME).exists()


def test_cli_says_nothing_changed_and_prints_the_stored_totals(tmp_path: Path):
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    args = ["run", str(src), str(dst), "--jobs", "1", "--report", str(rep)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    finished = json.loads((rep / "report.json").read_bytes())["run"]["finished"]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"zhnorm {src} → {dst}: nothing changed since {finished}; report unchanged",
        "8 files: 6 changed, 1 unchanged, 1 skipped, 0 errors",
        first.stdout.splitlines()[2],  # edits and flags, as the first run printed them
        f"report: {rep / 'report.html'} (open it in a browser; data: {rep / 'report.json'})",
    ]
    assert again.stderr == ""  # the skipped image was reported by the run that read it


def test_the_shortcut_loads_neither_the_pipeline_nor_the_report_modules(tmp_path: Path):
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    code = f"""
import sys
import normalizer.cli
try:
    normalizer.cli.main(["run", {str(src)!r}, {str(dst)!r}, "--jobs", "1", "--report", {str(rep)!r}, "-q"])
except SystemExit as exit:
    assert exit.code == 0, exit.code
heavy = ("normalizer.pipeline", "normalizer.report.json_report", "normalizer.report.html_report", "opencc", "numpy")
print(sorted(m for m in heavy if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- runs that stop early ----------------------------------------------------------------


def interrupted_after(n: int) -> Executor:
    """Runs tasks in this process and stops the run with Ctrl-C after ``n`` outcomes."""

    def execute(tasks, count):
        for i, task in enumerate(tasks):
            if i == n:
                raise KeyboardInterrupt
            yield worker.process_file(task)

    return execute


def test_an_interrupted_run_keeps_what_it_finished_and_the_next_run_reuses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    reference = batch.run(src, tmp_path / "ref", RunOptions(jobs=1))
    with pytest.raises(KeyboardInterrupt):
        batch.run(src, dst, RunOptions(jobs=1), executor=interrupted_after(5))
    assert len(manifest_doc(dst)["files"]) == 5
    opens = Opens(monkeypatch)
    result = batch.run(src, dst, RunOptions(jobs=1))
    assert len(opens.take()) == 3  # the five finished files are reused
    assert sum(r["reused"] for r in result.records) == 5
    assert [{**r, "reused": None} for r in result.records] == [{**r, "reused": None} for r in reference.records]
    assert manifest_doc(dst)["files"] == manifest_doc(tmp_path / "ref")["files"]


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from normalizer import batch, worker
from normalizer.batch import RunOptions

def execute(tasks, count):  # killed (SIGKILL: no cleanup at all) while the sixth file is processed
    for i, task in enumerate(tasks):
        if i == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        yield worker.process_file(task)

options = RunOptions(jobs=1, journal_seconds=float(sys.argv[3]))
batch.run(Path(sys.argv[1]), Path(sys.argv[2]), options, executor=execute)
"""


@pytest.mark.parametrize(("seconds", "kept"), [(0.0, 5), (3600.0, 0)])
def test_a_killed_run_keeps_its_committed_batches_and_the_next_run_finishes_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seconds: float, kept: int
):
    # Commits every file (seconds=0), or never before the batch of 32 is full: 5 kept, or none.
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    reference = batch.run(src, tmp_path / "ref", RunOptions(jobs=1))
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, str(src), str(dst), str(seconds)], check=False)
    assert killed.returncode == -9
    assert (dst / WAL_NAME).exists()  # the run did not end: its log is there to be recovered
    opens = Opens(monkeypatch)
    result = batch.run(src, dst, RunOptions(jobs=1))
    assert len(opens.take()) == 8 - kept
    assert sum(r["reused"] for r in result.records) == kept
    assert [{**r, "reused": None} for r in result.records] == [{**r, "reused": None} for r in reference.records]
    assert manifest_doc(dst)["files"] == manifest_doc(tmp_path / "ref")["files"]
    assert not (dst / WAL_NAME).exists()


# --- what is flushed to disk -----------------------------------------------------------


def fsynced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    paths: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        paths.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return paths


def test_run_flushes_the_manifest_not_each_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    paths = fsynced(monkeypatch)
    # streamed outputs too (AtomicFile)
    batch.run(src, dst, RunOptions(jobs=1, stream_bytes=1000), report_dir=tmp_path / "rep")
    assert not [p for p in paths if ".txt" in p or "report" in p]
    # The manifest is SQLite's to flush: in WAL mode, consistent after a kill or a power failure.
    with closing(sqlite3.connect(dst / MANIFEST_NAME)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("streamed", [False, True])
def test_fix_flushes_the_file_it_rewrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool):
    from normalizer.hook import run_hook

    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_bytes(noisy())
    paths = fsynced(monkeypatch)
    [outcome] = run_hook([Path("a.txt")], fix=True, stream_bytes=1000 if streamed else None)
    assert outcome.status == "fixed" and (tmp_path / "a.txt").read_bytes() == clean()
    assert [p for p in paths if "a.txt" in p]


# --- records in compact form -------------------------------------------------------------


def records(tmp_path: Path, detail: str = "summary") -> list[dict]:
    src = corpus(tmp_path / "src")
    make_tree(src, {'odd/"reused":false, "x".txt': noisy(), "bad.txt": bytes(range(0x80, 0x100)) * 8})
    return batch.inspect([src], detail=detail)


@pytest.mark.parametrize("detail", ["summary", "full"])
def test_compact_lines_are_the_report_lines(tmp_path: Path, detail: str):
    found = records(tmp_path, detail)
    assert {r["status"] for r in found} == {"changed", "unchanged", "skipped", "error"}
    lines = [compact.record_json(r) for r in found]
    head = {"schema": "zhnorm-report", "schema_version": 1, "tool": {}, "run": {}, "totals": {}, "truncated": []}
    joined = b"".join(compact.JsonLines.of(head, lines))
    assert joined == json_report.render_json({**head, "files": found}).encode("utf-8")
    assert b"".join(compact.JsonLines.of(head, [])) == json_report.render_json({**head, "files": []}).encode("utf-8")
    for record, line in zip(found, lines):
        assert json.loads(compact.as_reused(line)) == {**record, "reused": True}
    odd = next(r for r in found if "/odd/" in r["path"])
    assert json.loads(compact.as_reused(compact.record_json(odd)))["path"].endswith('"reused":false, "x".txt')


def compact_outcomes(tmp_path: Path, detail: str = "summary") -> list[worker.Outcome]:
    """The outcomes a run's workers return for :func:`records`' files (one batch)."""
    src = tmp_path / "src"
    records(tmp_path, detail)
    return worker.process_batch(
        [
            worker.Task(rel, str(src / rel), str(tmp_path / "out" / rel), "strict", detail, False, compact=True)
            for rel in selection.walk(src)
        ]
    )


def test_summaries_and_the_summed_tallies_give_the_totals_and_page_of_full_records(tmp_path: Path):
    found = records(tmp_path, "full")
    summaries = [compact.summary(r) for r in found]
    assert all("mappings" not in s and all(len(g) == 3 for g in s.get("annotations", ())) for s in summaries)
    outcomes = compact_outcomes(tmp_path, "full")
    run_total = named_tallies(sum_tallies(o.tallies for o in outcomes))
    expected: dict[str, Counter] = {}
    for r in found:
        for kind, hist in r.get("mappings", {}).items():
            expected.setdefault(kind, Counter()).update(hist)
    assert run_total == {k: dict(c) for k, c in expected.items()} and run_total["convert"]
    assert json_report.totals(summaries, mappings=run_total) == json_report.totals(found)
    report = {"run": {"src": "src"}, "totals": {**json_report.totals(found), "written": 0}, "truncated": []}
    whole = html_report.render_html({**report, "files": found}, {})
    assert html_report.render_html({**report, "files": summaries}, {}) == whole
    converted = sum(sum(h.values()) for kind, h in run_total.items() if "convert" in kind.split("+"))
    assert f"{converted:,} characters" in whole


def test_report_json_in_pieces_is_the_report_joined(monkeypatch: pytest.MonkeyPatch):
    # A large run's report.json is written piece by piece: joined, the pieces are the report,
    # at every cut around the piece size, and their size is known without joining them.
    head = {"schema": "zhnorm-report", "schema_version": 2, "tool": {}, "run": {"src": "協"}, "totals": {}}
    monkeypatch.setattr(compact, "PIECE_LINES", 3)
    for n in (0, 1, 2, 3, 4, 6, 7):
        lines = [compact.record_json({"path": f"{i}/協.txt", "status": "changed"}) for i in range(n)]
        pieces = compact.JsonLines.of(head, lines)
        joined = b"".join(pieces)
        assert joined == json_report.render_json({**head, "files": [json.loads(x) for x in lines]}).encode("utf-8")
        assert pieces.size == len(joined) and len(list(pieces)) == (2 + -(-n // 3) if n else 1)


def test_the_page_is_the_same_whatever_order_the_records_come_in(tmp_path: Path):
    """Outcomes come back in any order (a pool's, a cluster's): the page's table, review list and
    counts of annotation removals come out as from the records in path order, ties included."""
    import random

    from normalizer.report.review import review_weight

    found = records(tmp_path)
    # Two files remove the same texts as often (a tie for the most frequent removals, broken by
    # the order met in path order); more files need review than the page lists, many as much as
    # others (ties broken by path).
    changed = next(r for r in found if r["status"] == "changed")
    found += [
        {**changed, "path": f"zz{i}.txt", "annotations": [["(bī)", "", 9999], ["(ā)", "", 9999]][::step]}
        for i, step in enumerate((1, -1))
    ]
    found += [
        {**changed, "path": f"r{i:02d}.txt", "edit_counts": {"convert": 1, "fix": 1 + i % 3}}
        for i in range(file_table.REVIEW_ROWS + 10)
    ]
    found.sort(key=lambda r: r["path"])
    report = {"run": {"src": "src"}, "totals": {**json_report.totals(found), "written": 0}, "truncated": []}
    page = html_report.render_html({**report, "files": found}, {})
    shuffled = found[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        table = file_table.FileTable.of(shuffled)
        assert html_report.render_page(report, table, {}, {}) == page
    assert page.index("(bī) <b>19,998") < page.index("(ā) <b>19,998")  # tied: zz0's order, met first
    needing = sum(review_weight(r) > 0 for r in found)
    assert needing > file_table.REVIEW_ROWS + 10 and f"Needs review ({needing} files)" in page
    assert f"… and {needing - file_table.REVIEW_ROWS} more" in page


def test_summary_records_leave_the_histograms_to_the_run_totals(tmp_path: Path):
    summary_records = records(tmp_path, "summary")
    full_records = records(tmp_path, "full")
    assert all("mappings" not in r for r in summary_records)
    assert [{k: v for k, v in r.items() if k not in ("mappings", "edits")} for r in full_records] == summary_records
    assert any(r.get("mappings") for r in full_records)


def test_process_batch_sums_the_histograms_of_its_files(tmp_path: Path):
    outcomes = compact_outcomes(tmp_path)
    assert sum(o.tallies is not None for o in outcomes) == 1
    pooled = named_tallies(sum_tallies(o.tallies for o in outcomes))
    each = [unpack_tallies(o.pairs) for o in outcomes if o.pairs]  # each file's, as the manifest keeps it
    assert len(each) == sum(o.record["status"] == "changed" for o in outcomes) > 1
    assert pooled == named_tallies(sum_tallies(each))
    full = [json.loads(o.line) for o in compact_outcomes(tmp_path / "full", "full")]
    expected: dict[str, Counter] = {}
    for r in full:
        for kind, hist in r.get("mappings", {}).items():
            expected.setdefault(kind, Counter()).update(hist)
    assert pooled == {k: dict(c) for k, c in expected.items()}


def test_prerendered_previews_give_the_same_page(tmp_path: Path):
    from normalizer import normalize_bytes
    from normalizer.report.preview import build_preview

    found = records(tmp_path)
    previews = {r["path"]: build_preview(normalize_bytes(noisy())) for r in found if r["status"] == "changed"}
    report = {"run": {"src": "src"}, "totals": {**json_report.totals(found), "written": 0}, "truncated": []}
    page = html_report.render_html({**report, "files": found}, previews)
    rendered = {rel: html_report.prerender(p) for rel, p in previews.items()}
    assert html_report.render_html({**report, "files": found}, rendered) == page


def test_a_small_run_keeps_all_its_report_detail(tmp_path: Path):
    # Three files, a report many times their size but under REPORT_FLOOR: nothing dropped, nothing said.
    src = make_tree(tmp_path / "src", {f"{i}.txt": "協會開會，臺灣。\n".encode() for i in range(3)})
    rep = tmp_path / "rep"
    result = CliRunner().invoke(main, ["run", str(src), str(tmp_path / "dst"), "--report", str(rep)])
    doc = json.loads((rep / "report.json").read_bytes())
    assert (rep / "report.json").stat().st_size > sum(r["bytes_in"] for r in doc["files"])
    assert doc["truncated"] == [] and all("edits" not in r.get("truncated", ()) for r in doc["files"])
    assert doc["totals"]["mappings"]["convert"]["協→协"] == 3
    assert "report detail dropped" not in result.output


def test_constants_repeated_for_a_fast_start_agree():
    assert schema.DETAIL_LEVELS == json_report.DETAIL_LEVELS
    assert schema.SCHEMA_VERSION == json_report.SCHEMA_VERSION
    assert schema.HTML_NAME == html_report.HTML_NAME


def test_a_report_larger_than_the_corpus_is_cut_as_build_report_cuts_it(tmp_path: Path):
    # Past the floor: 1,000 tiny files make a report over REPORT_FLOOR and many times the corpus.
    src = make_tree(tmp_path / "src", {f"{i}.txt": "協(xié)會開會，臺灣。\n".encode() for i in range(1000)})
    rep = tmp_path / "rep"
    result = batch.run(src, tmp_path / "dst", RunOptions(jobs=1), report_dir=rep)
    doc = json.loads((rep / "report.json").read_bytes())
    assert doc["truncated"] == ["edits", "mappings", "replaced", "flags", "annotations.at"]  # all it can drop
    budget = max(assemble.REPORT_FLOOR, sum(r["bytes_in"] for r in result.records))
    run_total = doc["totals"]["mappings"]
    expected = json_report.build_report(
        result.records, tool=doc["tool"], run=doc["run"], written=1000, budget=budget, mappings=run_total
    )
    assert doc == json.loads(json_report.render_json(expected))
    assert result.report == doc and result.head["truncated"] == doc["truncated"]
    assert all("mappings" not in r and r["truncated"] == ["annotations.at"] for r in doc["files"])
    whole = {"會→会": 2000, "協→协": 1000, "灣→湾": 1000, "臺→台": 1000, "開→开": 1000}
    assert doc["totals"]["mappings"] == {"convert": whole}  # the run's histogram stays whole
    assert "6,000 characters" in (rep / "report.html").read_text("utf-8")


# --- the run's histogram on reruns ---------------------------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_partial_rerun_counts_the_reused_files_changes_in_the_totals(tmp_path: Path, jobs: int):
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    first = batch.run(src, dst, RunOptions(jobs=jobs), report_dir=rep)
    (src / "d0/0.txt").write_bytes("協會開會。\n".encode())  # changed: normalized again
    (src / "d1/3.txt").write_bytes(noisy(SEED_000))  # another text
    os.utime(src / "d0/2.txt")  # touched only: reused by hash
    again = batch.run(src, dst, RunOptions(jobs=jobs), report_dir=rep)
    assert again.report["totals"]["reused"] == 6  # four unchanged, one touched, the skipped picture
    fresh = batch.run(src, tmp_path / "fresh", RunOptions(jobs=jobs), report_dir=tmp_path / "rep2")
    assert again.report["totals"]["mappings"] == fresh.report["totals"]["mappings"]
    assert again.report["totals"]["mappings"] != first.report["totals"]["mappings"]
    # a rerun that reuses every file keeps the whole histogram too
    (rep / "report.json").unlink()  # no shortcut: every record comes from the manifest
    third = batch.run(src, dst, RunOptions(jobs=jobs), report_dir=rep)
    assert third.report["totals"]["reused"] == 8
    assert third.report["totals"]["mappings"] == fresh.report["totals"]["mappings"]
    stored = dump(dst)["files"]
    assert stored["d0/0.txt"]["mappings"] == {"convert": {"會→会": 2, "協→协": 1, "開→开": 1}}
    assert stored["clean.txt"]["mappings"] == {}


def test_full_detail_records_keep_their_histograms_and_add_up_to_the_totals(tmp_path: Path):
    src = corpus(tmp_path / "src")
    full = batch.run(src, tmp_path / "dst", RunOptions(jobs=1, report_detail="full"), report_dir=tmp_path / "rep")
    summary = batch.run(src, tmp_path / "dst2", RunOptions(jobs=1), report_dir=tmp_path / "rep2")
    expected: dict[str, Counter] = {}
    for r in full.records:
        for kind, hist in r.get("mappings", {}).items():
            expected.setdefault(kind, Counter()).update(hist)
    assert full.report["totals"]["mappings"] == {k: dict(c) for k, c in expected.items()}
    assert summary.report["totals"]["mappings"] == full.report["totals"]["mappings"]
    assert all("mappings" in r for r in full.records if r["status"] in ("changed", "unchanged"))
    assert all("mappings" not in r for r in summary.records)


def test_a_manifest_of_the_previous_layout_is_started_afresh(tmp_path: Path):
    src, dst, rep = corpus(tmp_path / "src"), tmp_path / "dst", tmp_path / "rep"
    first = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    with closing(sqlite3.connect(dst / MANIFEST_NAME)) as db:  # as version 3 left it: no pairs column
        db.execute("ALTER TABLE files DROP COLUMN pairs")
        db.execute("UPDATE meta SET value = CAST('3' AS BLOB) WHERE name = 'version'")
        db.commit()
    again = batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert again.unchanged_since is None and again.report["totals"]["reused"] == 0  # every file redone
    assert again.report["totals"]["mappings"] == first.report["totals"]["mappings"]
    assert dump(dst)["version"] == 4 and dump(dst)["files"]["d0/0.txt"]["mappings"]
    third = batch.run(src, dst, RunOptions(jobs=1, force=True), report_dir=rep)
    assert third.report["totals"]["mappings"] == first.report["totals"]["mappings"]
