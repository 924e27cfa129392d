"""Reading inputs: binary detection, file states, files that change while they are read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from normalizer.inputs import (
    BINARY_PROBE,
    CHANGED_WHILE_READ,
    READ_BLOCK,
    FileProblem,
    binary_reason,
    check_unchanged,
    default_piece_chars,
    default_racy_ns,
    default_stream_bytes,
    file_state,
    hash_input,
    open_input,
    read_input,
    state_of,
    trusted_state,
)

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED_001 = "001_449be7fe8a02e952.txt"


def seed(name: str) -> str:
    return (SHARED / "seeds" / name).read_text(encoding="utf-8")


# --- binary detection ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
        (b"PK\x03\x04" + b"x" * 100, "zip"),
        (bytes(range(256)) * 4, "NUL"),
        (b"\x01\x02\x03\x04\x05\x06abc" * 50, "control"),
    ],
)
def test_binary_files_are_recognised(data: bytes, why: str):
    reason = binary_reason(data)
    assert reason is not None and why in reason


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8", "utf-8-sig", "gb18030"])
def test_text_in_any_supported_encoding_is_not_binary(codec: str):
    assert binary_reason(seed(SEED_001).encode(codec)) is None


def test_empty_file_is_text():
    assert binary_reason(b"") is None


# --- reading, and noticing change -------------------------------------------------------


def test_an_input_that_grows_while_it_is_read_is_a_problem_not_stale_text(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"first\n")
    f, before = open_input(path)
    with f, open(path, "ab") as other:
        other.write(b"second\n")  # another program appends meanwhile
        other.flush()
        with pytest.raises(FileProblem) as problem:
            read_input(f, before)
    assert problem.value.reason == CHANGED_WHILE_READ
    with pytest.raises(FileProblem):
        check_unchanged(path, before)


def test_only_regular_files_are_opened(tmp_path: Path):
    os.mkfifo(tmp_path / "fifo")
    for name, reason in [("fifo", "not a regular file (FIFO, socket or device)"), (".", "is a directory")]:
        with pytest.raises(FileProblem) as problem:
            open_input(tmp_path / name)
        assert problem.value.reason == reason
    with pytest.raises(FileProblem, match="cannot read: No such file or directory"):
        open_input(tmp_path / "missing")


def test_hashing_reads_in_blocks_and_keeps_the_head_for_the_binary_check(tmp_path: Path):
    data = bytes(range(256)) * (READ_BLOCK // 128)  # two blocks
    (tmp_path / "big").write_bytes(data)
    f, _info = open_input(tmp_path / "big")
    with f:
        digest, head = hash_input(f)
    assert digest == hashlib.sha256(data).hexdigest() and head == data[:BINARY_PROBE]


def test_a_state_taken_in_the_same_tick_as_the_last_change_is_not_trusted(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    info = os.stat(path)
    assert file_state(info) == [3, info.st_mtime_ns, info.st_ctime_ns, info.st_ino] == state_of(path)
    assert trusted_state(info, racy_ns=3600 * 10**9) is None  # changed less than an hour ago
    assert trusted_state(info, racy_ns=0) == file_state(info)
    assert state_of(tmp_path / "missing") is None


def test_limits_come_from_the_environment_when_asked(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ZHNORM_STREAM_BYTES", raising=False)
    monkeypatch.delenv("ZHNORM_PIECE_CHARS", raising=False)
    monkeypatch.delenv("ZHNORM_RACY_NS", raising=False)
    assert (default_stream_bytes(), default_piece_chars(), default_racy_ns()) == (16 << 20, None, 2_000_000_000)
    monkeypatch.setenv("ZHNORM_STREAM_BYTES", "1000")
    monkeypatch.setenv("ZHNORM_PIECE_CHARS", "64")
    monkeypatch.setenv("ZHNORM_RACY_NS", "0")
    assert (default_stream_bytes(), default_piece_chars(), default_racy_ns()) == (1000, 64, 0)
