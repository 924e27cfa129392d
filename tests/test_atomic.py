"""Atomic writes: a temporary file beside the target, renamed over it; nothing half-written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from normalizer import atomic
from normalizer.atomic import TEMP_MARK, atomic_write


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TEMP_MARK in p.name]


# --- atomic writes ------------------------------------------------------------------


def test_atomic_write_creates_parents_and_skips_identical_content(tmp_path: Path):
    target = tmp_path / "a" / "b" / "out.txt"
    assert atomic_write(target, b"one") is True
    assert target.read_bytes() == b"one"
    before = target.stat().st_mtime_ns
    os.utime(target, ns=(before - 10**9, before - 10**9))
    assert atomic_write(target, b"one") is False
    assert target.stat().st_mtime_ns == before - 10**9
    assert atomic_write(target, b"two") is True
    assert target.read_bytes() == b"two"
    assert temporaries(tmp_path) == []
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_interrupted_write_leaves_old_content_and_no_temporary(tmp_path: Path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new content")
    assert target.read_bytes() == b"old"
    assert temporaries(tmp_path) == []


def test_an_output_directory_another_worker_creates_meanwhile_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "new" / "dir" / "a.txt"
    real = os.open
    calls = []

    def racing_open(path, flags, mode=0o777):
        calls.append(path)
        if len(calls) == 1:  # missing when this worker looks, made by another one right after
            os.makedirs(target.parent)
            raise FileNotFoundError(2, "No such file or directory", path)
        return real(path, flags, mode)

    monkeypatch.setattr(os, "open", racing_open)
    fd, tmp = atomic.create_temporary(str(target))
    os.close(fd)
    assert len(calls) == 2 and Path(tmp).parent == target.parent
    monkeypatch.undo()
    assert atomic.atomic_write(tmp_path / "x" / "y" / "b.txt", b"b") and (tmp_path / "x/y/b.txt").read_bytes() == b"b"


def test_resolved_directory_is_realpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """What check_outside compares: the same as ``os.path.realpath`` for a directory reached through
    links, a relative path, one that does not exist yet, a file, a link loop, and without /proc."""
    from normalizer.atomic import resolved_directory

    real = tmp_path / "real" / "sub"
    real.mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "link2").symlink_to(tmp_path / "link")
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    monkeypatch.chdir(tmp_path / "link")
    paths = [
        str(tmp_path / "link2" / "sub"),
        str(tmp_path / "link" / "sub" / ".." / "sub"),
        ".",
        "sub",
        str(tmp_path / "link" / "missing" / "deeper"),
        str(tmp_path / "file.txt"),
        str(tmp_path / "loop"),
    ]
    for path in paths:
        assert resolved_directory(path) == os.path.realpath(path), path
    assert resolved_directory(".") == str(real.parent.resolve())

    monkeypatch.setattr(atomic, "FD_LINKS", str(tmp_path / "no-proc"))
    for path in paths[:4]:
        assert resolved_directory(path) == os.path.realpath(path), path


def test_a_write_in_pieces_writes_them_one_after_the_other(tmp_path: Path):
    target = tmp_path / "report.json"
    assert atomic_write(target, iter([b"{", b'"a": 1', b"}"]), compare=False) is True
    assert target.read_bytes() == b'{"a": 1}'
    with pytest.raises(TypeError):  # comparing needs the bytes at hand
        atomic_write(target, [b"{}"])
    assert target.read_bytes() == b'{"a": 1}' and not [p for p in tmp_path.iterdir() if p != target]
