"""Choosing files: include/exclude globs, links that are not followed, paths a run refuses."""

from __future__ import annotations

from normalizer.selection import matches, selected

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
