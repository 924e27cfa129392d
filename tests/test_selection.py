"""Choosing files: include/exclude globs, links that are not followed, paths a run refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from normalizer.selection import (
    UsageError,
    check_paths,
    entry_reason,
    inside,
    link_outside,
    listing,
    matches,
    selected,
    walk,
)

# --- selection --------------------------------------------------------------------


def test_glob_without_slash_matches_any_component_with_slash_the_whole_path():
    assert matches("a/b/notes.md", "*.md")
    assert matches("drafts/x/y.txt", "drafts")
    assert not matches("a/drafts.txt/y", "drafts")
    assert matches("a/b/c.txt", "a/*.txt")  # * crosses "/"
    assert not matches("b/a/c.txt", "a/*.txt")
    assert selected("a/x.txt", ["*.txt"], [])
    assert not selected("a/x.md", ["*.txt"], [])
    assert not selected("tmp/x.txt", ["*.txt"], ["tmp"])


# --- listing, links, path checks ----------------------------------------------------


def test_listing_reports_undecodable_names_escaped_and_keeps_the_name_on_disk(tmp_path: Path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(b"a")
    found = listing(tmp_path)
    assert list(found) == ["caf\\xe9.txt", "sub/a.txt"]
    on_disk, info = found["caf\\xe9.txt"]
    assert os.fsencode(tmp_path / on_disk) == raw and info is not None and info.st_size == 1
    assert walk(tmp_path) == [on_disk, "sub/a.txt"]


def test_links_are_followed_only_to_files_inside_the_root(tmp_path: Path):
    root, outside = tmp_path / "src", tmp_path / "elsewhere.txt"
    (root / "dir").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"a")
    outside.write_bytes(b"o")
    (root / "in.txt").symlink_to("a.txt")
    (root / "out.txt").symlink_to(outside)
    (root / "dirlink").symlink_to("dir")
    (root / "loop").symlink_to("loop")
    (root / "broken").symlink_to("missing")
    reasons = {rel: entry_reason(root, rel) for rel in walk(root)}
    assert reasons == {
        "a.txt": None,
        "broken": "broken symbolic link (not followed): No such file or directory",
        "dirlink": "symbolic link to a directory (not followed)",
        "in.txt": None,
        "loop": "symbolic link loop (not followed)",
        "out.txt": "symbolic link to outside SRC (not followed)",
    }
    resolved = root.resolve()
    assert not link_outside(str(root / "in.txt"), resolved) and link_outside(str(root / "out.txt"), resolved)
    assert not link_outside(str(root / "loop"), resolved)  # an error when read, not a skip


def test_inside_is_the_root_itself_or_below_it():
    assert inside(Path("/a/b"), Path("/a/b")) and inside(Path("/a/b/c"), Path("/a/b"))
    assert not inside(Path("/a/bc"), Path("/a/b")) and not inside(Path("/a"), Path("/a/b"))


def test_a_report_directory_inside_src_is_refused(tmp_path: Path):
    (tmp_path / "src").mkdir()
    with pytest.raises(UsageError, match=r"report directory .* is inside SRC"):
        check_paths(tmp_path / "src", tmp_path / "dst", tmp_path / "src" / "reports")
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(UsageError, match="is not a directory"):
        check_paths(tmp_path / "file", tmp_path / "dst")
    check_paths(tmp_path / "src", tmp_path / "dst", tmp_path / "reports")  # fine


def test_two_names_that_read_the_same_once_escaped_are_both_listed(tmp_path: Path):
    from normalizer.selection import listing

    (tmp_path / "a\x1b.txt").write_text("one", encoding="utf-8")
    (tmp_path / "a\\x1b.txt").write_text("two", encoding="utf-8")  # a literal backslash, x, 1, b
    listed = listing(tmp_path)
    assert sorted(listed) == ["a\\x1b.txt", "a\\x1b.txt (2)"]
    assert sorted(on_disk for on_disk, _info in listed.values()) == sorted(["a\x1b.txt", "a\\x1b.txt"])
