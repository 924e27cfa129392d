"""Edits grouped by the lines they touch, as the HTML preview and `zhnorm diff` show them."""

from __future__ import annotations

from normalizer.model import ANNOTATION, CONVERT, Edit
from normalizer.report.hunks import Hunk, hunks, line_starts


def test_lines_start_after_each_newline_only():
    assert line_starts("") == [0]
    assert line_starts("科協\n組織\n") == [0, 3, 6]
    assert line_starts("a\r\nb") == [0, 3]  # "\r" stays part of its line
    assert line_starts("a\u2028b\x0cc") == [0]  # breaks str.splitlines knows are text here


def test_edits_on_one_line_form_one_hunk_and_other_lines_their_own():
    source = "科協(xié)組織\n今天\n會議"
    convert = Edit(CONVERT, 1, 2, "協", "协")
    removal = Edit(ANNOTATION, 2, 7, "(xié)", "")
    meeting = Edit(CONVERT, 13, 15, "會議", "会议")
    assert list(hunks(source, [removal, meeting, convert])) == [
        Hunk(0, 0, 9, [convert, removal]),
        Hunk(2, 13, 15, [meeting]),
    ]


def test_an_edit_across_a_line_break_joins_the_lines_it_touches():
    source = "甲\n乙\n丙\n丁"
    across = Edit("nfc", 2, 5, "乙\n丙", "乙丙")
    last = Edit(CONVERT, 6, 7, "丁", "丁")
    assert list(hunks(source, [across, last])) == [Hunk(1, 2, 5, [across]), Hunk(3, 6, 7, [last])]


def test_an_edit_on_a_line_joined_by_an_earlier_edit_belongs_to_the_same_hunk():
    source = "甲\n乙丙\n丁"
    first = Edit(CONVERT, 0, 1, "甲", "甲")
    join = Edit("x", 1, 3, "\n乙", "")
    on_joined_line = Edit(CONVERT, 3, 4, "丙", "丙")
    assert list(hunks(source, [on_joined_line, join, first])) == [Hunk(0, 0, 4, [first, join, on_joined_line])]


def test_an_edit_of_the_line_break_itself_stays_on_its_line():
    source = "甲\r\n乙"
    newline = Edit("x", 1, 3, "\r\n", "\n")
    second = Edit(CONVERT, 3, 4, "乙", "乙")
    assert list(hunks(source, [newline, second])) == [Hunk(0, 0, 2, [newline]), Hunk(1, 3, 4, [second])]
