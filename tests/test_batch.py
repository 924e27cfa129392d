"""The batch runner as a library: mirror trees, reruns that redo what changed, bad paths,
and recovery from an interrupted run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus_texts import make_tree

from normalizer import batch, worker
from normalizer.batch import MANIFEST_NAME, TEMP_MARK, RunOptions, UsageError, inspect
from normalizer.worker import Outcome, Task

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED_000 = "000_9f6a37fa5ed33f85.txt"
SEED_001 = "001_449be7fe8a02e952.txt"


def seed(name: str) -> str:
    return (SHARED / "seeds" / name).read_text(encoding="utf-8")


def expected(name: str) -> bytes:
    return (SHARED / "expected" / name).read_bytes()


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TEMP_MARK in p.name]


# --- runs -------------------------------------------------------------------------


def test_run_mirrors_tree_and_never_touches_src(tmp_path: Path):
    src = make_tree(
        tmp_path / "src",
        {
            "a/b/001.txt": seed(SEED_001).encode("utf-16"),
            "000.txt": seed(SEED_000).encode("utf-8-sig"),
            "empty.txt": b"",
            "pic.png": b"\x89PNG\r\n\x1a\n" + bytes(64),
        },
    )
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in src.rglob("*") if p.is_file()}
    dst = tmp_path / "dst"
    result = batch.run(src, dst, RunOptions(jobs=1), report_dir=tmp_path / "rep")
    assert result.exit_code == 0
    assert (dst / "a/b/001.txt").read_bytes() == expected(SEED_001)
    assert (dst / "000.txt").read_bytes() == expected(SEED_000)
    assert (dst / "empty.txt").read_bytes() == b""
    assert not (dst / "pic.png").exists()
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in src.rglob("*") if p.is_file()} == before
    status = {r["path"]: r["status"] for r in result.records}
    assert status == {"a/b/001.txt": "changed", "000.txt": "changed", "empty.txt": "unchanged", "pic.png": "skipped"}
    assert json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))["totals"]["skipped"] == 1


def test_interrupted_run_is_finished_by_the_next_run(tmp_path: Path):
    src = make_tree(tmp_path / "src", {f"{i}.txt": seed(SEED_001).encode("utf-8") for i in range(3)})
    dst = tmp_path / "dst"

    def dies_on_third(tasks: Iterator[Task], count: int) -> Iterator[Outcome]:
        for task in tasks:
            if task.rel == "2.txt":
                raise KeyboardInterrupt
            yield worker.process_file(task)

    with pytest.raises(KeyboardInterrupt):
        batch.run(src, dst, RunOptions(jobs=1), executor=dies_on_third)
    assert sorted(p.name for p in dst.iterdir()) == [MANIFEST_NAME, "0.txt", "1.txt"]
    assert (dst / "1.txt").read_bytes() == expected(SEED_001)
    # A run killed mid-write leaves a temporary file: the next run removes it.
    (dst / f".2.txt{TEMP_MARK}abc123").write_bytes(b"half")

    result = batch.run(src, dst, RunOptions(jobs=1))
    assert [r["reused"] for r in result.records] == [True, True, False]
    assert result.report["totals"]["written"] == 1
    assert (dst / "2.txt").read_bytes() == expected(SEED_001)
    assert temporaries(dst) == []


def test_changed_options_or_input_redo_files(tmp_path: Path):
    src = make_tree(tmp_path / "src", {"a.txt": "協會".encode(), "b.txt": "開會".encode()})
    dst = tmp_path / "dst"
    batch.run(src, dst, RunOptions(jobs=1))
    again = batch.run(src, dst, RunOptions(jobs=1))
    assert [r["reused"] for r in again.records] == [True, True]
    (src / "b.txt").write_text("開會了", encoding="utf-8")
    edited = batch.run(src, dst, RunOptions(jobs=1))
    assert [r["reused"] for r in edited.records] == [True, False]
    assert (dst / "b.txt").read_text(encoding="utf-8") == "开会了"
    other = batch.run(src, dst, RunOptions(jobs=1, errors="replace"))
    assert [r["reused"] for r in other.records] == [False, False]
    forced = batch.run(src, dst, RunOptions(jobs=1, errors="replace", force=True))
    assert [r["reused"] for r in forced.records] == [False, False]


def test_deleted_output_is_rewritten_on_rerun(tmp_path: Path):
    src = make_tree(tmp_path / "src", {"a.txt": "協會".encode()})
    dst = tmp_path / "dst"
    batch.run(src, dst, RunOptions(jobs=1))
    (dst / "a.txt").unlink()
    result = batch.run(src, dst, RunOptions(jobs=1))
    assert result.records[0]["reused"] is False
    assert (dst / "a.txt").read_text(encoding="utf-8") == "协会"


def test_include_and_exclude_choose_files(tmp_path: Path):
    src = make_tree(tmp_path / "src", {"keep/a.txt": b"a", "keep/b.md": b"b", "drop/c.txt": b"c"})
    dst = tmp_path / "dst"
    result = batch.run(src, dst, RunOptions(jobs=1, include=("*.txt",), exclude=("drop",)))
    assert [r["path"] for r in result.records] == ["keep/a.txt"]
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.name != MANIFEST_NAME) == [
        "keep",
        "keep/a.txt",
    ]


@pytest.mark.parametrize(
    ("src_rel", "dst_rel", "message"),
    [
        ("missing", "out", "does not exist"),
        ("src", "src/out", "inside SRC"),
        ("src", "src", "inside SRC"),
        ("src/inner", "src", "inside DST"),
    ],
)
def test_bad_paths_are_refused_before_any_write(tmp_path: Path, src_rel: str, dst_rel: str, message: str):
    make_tree(tmp_path / "src", {"inner/a.txt": "協".encode()})
    snapshot = sorted(tmp_path.rglob("*"))
    with pytest.raises(UsageError, match=message):
        batch.run(tmp_path / src_rel, tmp_path / dst_rel, RunOptions(jobs=1))
    assert sorted(tmp_path.rglob("*")) == snapshot


def test_inspect_writes_nothing(tmp_path: Path):
    src = make_tree(tmp_path / "src", {"a.txt": seed(SEED_001).encode("utf-8")})
    snapshot = sorted(tmp_path.rglob("*"))
    [record] = inspect([src])
    assert record["path"] == f"{src.as_posix()}/a.txt"
    assert record["script"]["verdict"] == "traditional"
    assert sum(count for _before, _after, count, _at in record["annotations"]) == 263
    assert sorted(tmp_path.rglob("*")) == snapshot


def test_process_pool_gives_the_same_result_as_one_process(tmp_path: Path):
    files = {f"d{i % 3}/{i}.txt": seed(SEED_000 if i % 2 else SEED_001).encode("utf-16") for i in range(8)}
    src = make_tree(tmp_path / "src", files)
    one = batch.run(src, tmp_path / "one", RunOptions(jobs=1))
    two = batch.run(src, tmp_path / "two", RunOptions(jobs=2))
    assert one.records == two.records
    for rel in files:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes()


def test_a_small_run_left_to_choose_its_jobs_reads_in_this_process_and_a_large_one_starts_the_pool(
    tmp_path, monkeypatch
):
    """Starting the pool costs more than a second core saves below executors.POOL_MIN_BYTES; a
    --jobs given is kept, and the size is that of the files to read, not of the whole tree."""
    from normalizer import executors

    files = {f"{i}.txt": seed(SEED_000 if i % 2 else SEED_001).encode("utf-8") for i in range(4)}
    src = make_tree(tmp_path / "src", files)
    started: list[str] = []
    pool_context = executors.pool_context

    def noted_pool_context():
        started.append("pool")
        return pool_context()

    monkeypatch.setattr(executors, "pool_context", noted_pool_context)
    monkeypatch.setattr(batch, "pool_context", noted_pool_context)
    total = sum(map(len, files.values()))
    assert executors.POOL_MIN_BYTES > total  # the seeds are a small run

    one = batch.run(src, tmp_path / "default", RunOptions(force=True))
    assert started == []
    two = batch.run(src, tmp_path / "two", RunOptions(jobs=2, force=True))
    assert started  # asked for: the pool, however small the run
    assert one.records == two.records

    started.clear()
    monkeypatch.setattr(executors, "POOL_MIN_BYTES", total)  # the same files are now a large run
    trusted = RunOptions(racy_ns=0)  # files just written are trusted by their state: only 0.txt is read again
    batch.run(src, tmp_path / "large", trusted)
    assert started
    started.clear()
    (src / "0.txt").write_bytes(files["0.txt"] + "再一行。\n".encode())  # one file to read again: small
    batch.run(src, tmp_path / "large", trusted)
    assert started.count("pool") == 1  # the early start, which the tree's size foretold; no pool for one file
    assert (tmp_path / "large" / "0.txt").read_text("utf-8").endswith("再一行。\n")


def test_jobs_for_keeps_a_number_asked_for_and_else_goes_by_size():
    from normalizer.executors import POOL_MIN_BYTES, default_jobs, jobs_for

    assert jobs_for(3, 0) == 3 and jobs_for(1, 10 * POOL_MIN_BYTES) == 1
    assert jobs_for(None, POOL_MIN_BYTES - 1) == 1
    assert jobs_for(None, POOL_MIN_BYTES) == default_jobs()


def test_a_pooled_run_loads_the_page_template_while_its_workers_warm_up(tmp_path, monkeypatch):
    """With a pool, report.html's template is loaded before the first file comes back (this process
    only waits for the workers then), not after the last one; with one job, or no report, it is not."""
    from normalizer.report import html_report

    src = tmp_path / "raw"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.txt").write_text("協會\n", encoding="utf-8")
    events: list[str] = []
    load_template = html_report.load_template
    monkeypatch.setattr(html_report, "load_template", lambda: events.append("page") or load_template())
    for jobs, report in ((2, True), (1, True), (2, False)):
        events.clear()
        options = batch.RunOptions(jobs=jobs, force=True)
        report_dir = tmp_path / "rep" if report else None
        batch.run(src, tmp_path / "clean", options, report_dir=report_dir, on_record=lambda r: events.append("file"))
        # Early with a pool; for the page itself after the last file in any run with a report.
        assert events == (["page"] if jobs > 1 and report else []) + ["file"] * 3 + (["page"] if report else [])
    assert load_template() is load_template()  # compiled once per process
