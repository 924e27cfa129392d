"""DST's manifest: an SQLite table keyed by path, committed batch by batch, read one row at a time."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from corpus_texts import SEED_000, SEED_001, load_seeds, make_tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer import batch, manifest
from normalizer.batch import RunOptions
from normalizer.compact_json import encode_bytes
from normalizer.manifest import MANIFEST_NAME, WAL_NAME, Entry, Manifest, Recorder, dump, read_last

OLD = 1_600_000_000  # a time well before any run
KEY = {"zhnorm": "test", "errors": "strict"}
SHA = "ab" * 32
STATE = [120, OLD * 10**9, OLD * 10**9, 4242]


@pytest.fixture(autouse=True)
def trust_states(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust file states however recent (see tests/test_batch_rerun.py)."""
    monkeypatch.setenv("ZHNORM_RACY_NS", "0")


def corpus(root: Path) -> Path:
    seeds = load_seeds()
    files = {f"d{i % 2}/{i}.txt": seeds[SEED_000 if i % 3 else SEED_001][0] for i in range(6)}
    files["clean.txt"] = "已经是简体。\n".encode()
    files["pic.png"] = b"\x89PNG\r\n\x1a\n" + bytes(64)
    make_tree(root, files)
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD))
    return root


def entry(n: int) -> Entry:
    record = {"path": f"{n}.txt", "status": "changed", "reason": None, "reused": False, "n": "協" * n}
    return Entry(SHA, encode_bytes(record))


def test_entries_round_trip_byte_for_byte_with_their_states(tmp_path: Path):
    m = Manifest(tmp_path, KEY, write=True)
    m.put("a.txt", [STATE, None], entry(3))
    m.put("b/c.txt", [None, STATE], entry(0))
    m.commit()
    m.close()
    again = Manifest(tmp_path, KEY, write=False)
    assert again.get("a.txt") == (entry(3), [STATE, None])
    assert again.get("b/c.txt") == (entry(0), [None, STATE])
    assert again.items()["a.txt"] == [STATE, None] and "nope.txt" not in again.items()
    assert again.items() == {"a.txt": [STATE, None], "b/c.txt": [None, STATE]}  # every item in one query
    assert list(again.paths()) == ["a.txt", "b/c.txt"]
    again.close()


def test_rows_are_read_many_at_a_time_in_the_order_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import normalizer.manifest as manifest_module

    monkeypatch.setattr(manifest_module, "ROWS_AT_ONCE", 3)  # several queries, the last one short
    m = Manifest(tmp_path, KEY, write=True)
    for n in range(7):
        m.put(f"{n}.txt", [STATE, None], entry(n))
    m.commit()
    asked = ["6.txt", "0.txt", "missing.txt", "3.txt", "1.txt", "5.txt", "2.txt", "4.txt"]
    assert list(m.rows(asked)) == [(rel, m.get(rel)) for rel in asked]
    assert dict(m.rows(asked))["missing.txt"] is None and dict(m.rows(asked))["6.txt"] == (entry(6), [STATE, None])
    m.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=5))
def test_any_record_comes_back_as_the_same_bytes(tmp_path_factory: pytest.TempPathFactory, texts: list[str]):
    dst = tmp_path_factory.mktemp("m")
    records = [encode_bytes({"path": f"{i}.txt", "text": text}) for i, text in enumerate(texts)]
    m = Manifest(dst, KEY, write=True)
    for i, record in enumerate(records):
        m.put(f"{i}.txt", [STATE, STATE], Entry(SHA, record))
    m.commit()
    assert [m.get(f"{i}.txt").entry.record for i in range(len(records))] == records  # type: ignore[union-attr]
    m.close()


def test_only_committed_batches_survive_a_stop_without_saving(tmp_path: Path):
    m = Manifest(tmp_path, KEY, write=True)
    recorder = Recorder(m, every=3600, batch_files=2)
    for n in range(5):
        recorder.put(f"{n}.txt", [STATE, None], entry(n))
        recorder.tick()  # commits after the 2nd and 4th file
    m.close()  # as a killed run: the fifth file's transaction is never committed
    assert list(dump(tmp_path)["files"]) == ["0.txt", "1.txt", "2.txt", "3.txt"]
    assert read_last(tmp_path, KEY) is None  # never finished: no shortcut


def test_another_key_or_a_damaged_file_starts_the_manifest_afresh(tmp_path: Path):
    m = Manifest(tmp_path, KEY, write=True)
    m.put("a.txt", [STATE, None], entry(1))
    Recorder(m, every=1).save()
    assert Manifest(tmp_path, {**KEY, "errors": "replace"}, write=False).get("a.txt") is None
    other = Manifest(tmp_path, {**KEY, "errors": "replace"}, write=True)
    assert other.get("a.txt") is None
    Recorder(other, every=1).save()
    assert dump(tmp_path)["files"] == {} and dump(tmp_path)["key"] == {**KEY, "errors": "replace"}
    (tmp_path / MANIFEST_NAME).write_bytes(b"not a database" * 100)
    fresh = Manifest(tmp_path, KEY, write=True)
    fresh.put("b.txt", [STATE, None], entry(2))
    Recorder(fresh, every=1).save()
    assert list(dump(tmp_path)["files"]) == ["b.txt"]


def test_reading_creates_nothing_in_dst(tmp_path: Path):
    m = Manifest(tmp_path, KEY, write=True)
    m.put("a.txt", [STATE, None], entry(1))
    m.report = {"dir": "x"}
    Recorder(m, every=1).save()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert before == [MANIFEST_NAME]
    last = read_last(tmp_path, KEY)
    assert last is not None and last.last_report == {"dir": "x"} and last.items()["a.txt"] == [STATE, None]
    last.close()
    assert Manifest(tmp_path / "missing", KEY, write=False).get("a.txt") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_run_keeps_one_row_per_good_input_and_no_preview(tmp_path: Path):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    result = batch.run(src, dst, RunOptions(jobs=1), report_dir=tmp_path / "rep")
    doc = dump(dst)
    assert list(doc["files"]) == sorted(r["path"] for r in result.records)
    assert [doc["files"][r["path"]]["record"] for r in result.records] == result.records
    assert doc["key"] == RunOptions(jobs=1).key() and doc["report"]["dir"] == str(tmp_path / "rep")
    with closing(sqlite3.connect(dst / MANIFEST_NAME)) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(files)")]
    assert not [c for c in columns if "preview" in c]
    assert not (dst / WAL_NAME).exists()


def test_the_manifest_is_a_small_part_of_a_corpus(tmp_path: Path):
    # 60 articles (the seeds, repeated under other names): bookkeeping within 10% of the corpus.
    seeds = load_seeds()
    files = {f"{i:03}.txt": seeds[SEED_000 if i % 2 else SEED_001][0] * 4 for i in range(60)}
    src = make_tree(tmp_path / "src", files)
    batch.run(src, tmp_path / "dst", RunOptions(jobs=1), report_dir=tmp_path / "rep")
    corpus_size = sum(len(data) for data in files.values())
    kept = sum(p.stat().st_size for p in (tmp_path / "dst").iterdir() if p.name.startswith(".zhnorm"))
    assert kept <= corpus_size // 10, (kept, corpus_size)


def test_the_report_note_round_trips(tmp_path: Path):
    m = Manifest(tmp_path, KEY, write=True)
    m.report = {"dir": "/r", "totals": {"files": 2}, "name": "報告"}
    Recorder(m, every=1).save()
    assert dump(tmp_path)["report"] == {"dir": "/r", "totals": {"files": 2}, "name": "報告"}
    assert json.loads(json.dumps(dump(tmp_path)["report"])) == {"dir": "/r", "totals": {"files": 2}, "name": "報告"}
    assert manifest.MANIFEST_VERSION == dump(tmp_path)["version"]
