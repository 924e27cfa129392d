"""DST's manifest: entries kept as bytes, the journal a run appends to, its replay after a kill."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from corpus_texts import SEED_000, SEED_001, load_seeds, make_tree

from normalizer import batch, manifest
from normalizer.batch import RunOptions
from normalizer.compact_json import encode_bytes
from normalizer.manifest import JOURNAL_NAME, MANIFEST_NAME, Entry, Journal, Manifest, Recorder

OLD = 1_600_000_000  # a time well before any run
KEY = {"zhnorm": "test", "errors": "strict"}
SHA = "ab" * 32


@pytest.fixture(autouse=True)
def trust_states(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust file states however recent (see tests/test_batch_rerun.py)."""
    monkeypatch.setenv("ZHNORM_RACY_NS", "0")


def noisy(name: str = SEED_001) -> bytes:
    return load_seeds()[name][0]


def corpus(root: Path) -> Path:
    files = {f"d{i % 2}/{i}.txt": noisy(SEED_000 if i % 3 else SEED_001) for i in range(6)}
    files["clean.txt"] = "已经是简体。\n".encode()
    files["pic.png"] = b"\x89PNG\r\n\x1a\n" + bytes(64)
    make_tree(root, files)
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD))
    return root


def entry(n: int, preview: bool = False) -> Entry:
    record = {"path": f"{n}.txt", "status": "changed", "reason": None, "reused": False, "n": "協" * n}
    return Entry(SHA, encode_bytes(record), b'{"changed_lines":1,"lines":[]}' if preview else None)


# --- the journal and its replay ------------------------------------------------------------


def test_journaled_entries_are_replayed_onto_the_manifest_they_extend(tmp_path: Path):
    saved = Manifest(dict(KEY), entries={"0.txt": entry(0)}, index={"0.txt": [[1, 2, 3, 4], None]})
    manifest.save(tmp_path, saved)
    journal = Journal(tmp_path, manifest.load(tmp_path, KEY))
    journal.add("1.txt", [[5, 6, 7, 8], [9, 10, 11, 12]], entry(1, preview=True))
    journal.add("0.txt", None, None)  # dropped
    journal.flush()
    journal.close()
    loaded = manifest.load(tmp_path, KEY)
    assert loaded.entries == {"1.txt": entry(1, preview=True)}
    assert loaded.index == {"1.txt": [[5, 6, 7, 8], [9, 10, 11, 12]]}
    assert loaded.journal_valid == (tmp_path / JOURNAL_NAME).stat().st_size


def test_a_torn_last_journal_line_is_ignored_and_cut_off_by_the_next_journal(tmp_path: Path):
    manifest.save(tmp_path, Manifest(dict(KEY)))
    journal = Journal(tmp_path, manifest.load(tmp_path, KEY))
    journal.add("1.txt", [None, None], entry(1))
    journal.flush()
    journal.close()
    good = (tmp_path / JOURNAL_NAME).read_bytes()
    with (tmp_path / JOURNAL_NAME).open("ab") as f:
        f.write(b'["2.txt",[null,nu')  # killed mid-write
    loaded = manifest.load(tmp_path, KEY)
    assert list(loaded.entries) == ["1.txt"] and loaded.journal_valid == len(good)
    Journal(tmp_path, loaded).close()  # the next run appends after the last good line
    assert (tmp_path / JOURNAL_NAME).read_bytes() == good


def test_a_journal_of_another_key_is_ignored_and_started_anew(tmp_path: Path):
    manifest.save(tmp_path, Manifest(dict(KEY)))
    journal = Journal(tmp_path, manifest.load(tmp_path, KEY))
    journal.add("1.txt", [None, None], entry(1))
    journal.flush()
    journal.close()
    other = manifest.load(tmp_path, {**KEY, "errors": "replace"})
    assert other.entries == {} and other.journal_valid == 0
    Journal(tmp_path, other).close()
    head = json.loads((tmp_path / JOURNAL_NAME).read_bytes().split(b"\n")[0])
    assert head["key"] == {**KEY, "errors": "replace"} and (tmp_path / JOURNAL_NAME).read_bytes().count(b"\n") == 1


# --- the recorder a run updates the manifest through ------------------------------------------


def test_the_recorder_journals_only_what_changed_and_saving_drops_the_journal(tmp_path: Path):
    loaded = manifest.load(tmp_path, KEY)
    recorder = Recorder(tmp_path, loaded, Journal(tmp_path, loaded), every=3600.0)
    recorder.put("1.txt", [None, None], entry(1, preview=True))
    recorder.put("1.txt", [None, None], entry(1, preview=True))  # the same: not journaled again
    recorder.put("2.txt", [None, None], entry(2))
    recorder.drop_preview("1.txt")
    recorder.drop("2.txt")
    recorder.drop("3.txt")  # not there: nothing to journal
    recorder.tick()  # the last flush is recent: nothing written yet
    assert (tmp_path / JOURNAL_NAME).read_bytes().count(b"\n") == 1
    recorder.flush()
    lines = [json.loads(line) for line in (tmp_path / JOURNAL_NAME).read_bytes().splitlines()[1:]]
    assert [(rel, body is None) for rel, _item, body in lines] == [
        ("1.txt", False),
        ("2.txt", False),
        ("1.txt", False),
        ("2.txt", True),
    ]
    assert "preview" not in lines[2][2]
    assert recorder.save() is None and recorder.save() is None  # saved once
    assert not (tmp_path / JOURNAL_NAME).exists()
    assert manifest.load(tmp_path, KEY).entries == {"1.txt": entry(1)}


def test_a_manifest_that_cannot_be_saved_leaves_the_journal_and_says_so(tmp_path: Path, monkeypatch):
    loaded = manifest.load(tmp_path, KEY)
    recorder = Recorder(tmp_path, loaded, Journal(tmp_path, loaded), every=0.0)
    recorder.put("1.txt", [None, None], entry(1))
    recorder.tick()

    def disk_full(*_args) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    warning = recorder.save()
    monkeypatch.undo()
    assert warning == f"cannot write {tmp_path / MANIFEST_NAME}: No space left on device"
    assert not (tmp_path / MANIFEST_NAME).exists()
    assert list(manifest.load(tmp_path, KEY).entries) == ["1.txt"]  # replayed from the journal


# --- with a run ---------------------------------------------------------------------------


def test_a_journal_of_another_manifest_is_ignored(tmp_path: Path):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    batch.run(src, dst, RunOptions(jobs=1))
    loaded = manifest.load(dst, RunOptions(jobs=1).key())
    stale = {"journal": manifest.JOURNAL_VERSION, "key": loaded.key, "generation": "0" * 16}
    line = json.dumps(["d0/0.txt", [None, None], None])
    (dst / JOURNAL_NAME).write_text(json.dumps(stale) + "\n" + line + "\n", encoding="utf-8")
    assert "d0/0.txt" in manifest.load(dst, loaded.key).entries  # its "drop" is not applied
    (dst / JOURNAL_NAME).write_text(
        json.dumps({**stale, "generation": loaded.generation}) + "\n" + line + "\n", encoding="utf-8"
    )
    assert "d0/0.txt" not in manifest.load(dst, loaded.key).entries


def test_manifest_entries_round_trip_as_bytes(tmp_path: Path):
    src, dst = corpus(tmp_path / "src"), tmp_path / "dst"
    batch.run(src, dst, RunOptions(jobs=1), report_dir=tmp_path / "rep")
    data = (dst / MANIFEST_NAME).read_bytes()
    loaded = manifest.load(dst, RunOptions(jobs=1).key())
    doc = json.loads(data)
    assert list(loaded.entries) == list(doc["files"]) == list(doc["index"])
    for rel, entry in loaded.entries.items():
        assert json.loads(entry.to_json()) == doc["files"][rel]
    assert sum(e.preview is not None for e in loaded.entries.values()) == 6
    manifest.save(dst, loaded)
    assert json.loads((dst / MANIFEST_NAME).read_bytes())["files"] == doc["files"]
    assert (dst / MANIFEST_NAME).read_bytes() != data  # a new generation
    assert data.split(b"\n", 1)[0].endswith(b',"files":{')  # the head is the first line
