"""EditLog: edits from successive stages, composed into one list in source offsets."""

from __future__ import annotations

from unittest import mock

import pytest
from corpus_texts import SEED_001, load_seeds
from hypothesis import given
from hypothesis import strategies as st

from normalizer import edits as edits_module
from normalizer import normalize_bytes
from normalizer.edits import EditLog, aligned_edits, apply_edits, diff_edits, source_mapper, target_mapper
from normalizer.model import Edit

ALPHABET = "科協协會会(xié)著着﹔；ab \n"
KINDS = ("decode-replace", "nfc", "annotation", "convert", "fix", "punctuation")


@st.composite
def stage_edits(draw, text: str, kind: str) -> list[Edit]:
    """Non-overlapping edits of ``text`` as one stage makes them: each replaces at least
    one character (stages never insert) with something different, often of the same
    length (conversion), sometimes nothing (annotation removal)."""
    if not text:
        return []
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=10))))
    edits = []
    for start, end in zip(cuts[::2], cuts[1::2]):
        before = text[start:end]
        after = draw(
            st.one_of(
                st.text(ALPHABET, min_size=len(before), max_size=len(before)),
                st.text(ALPHABET, max_size=4),
                st.just(""),
            )
        )
        if after != before:
            edits.append(Edit(kind, start, end, before, after))
    # Stages report edits in any order; EditLog must not care.
    return draw(st.permutations(edits))


@st.composite
def staged_documents(draw):
    """A source text and 1-5 stages, each with its text before and after."""
    source = draw(st.text(ALPHABET, max_size=30))
    stages = []
    text = source
    for _ in range(draw(st.integers(1, 5))):
        edits = draw(stage_edits(text, draw(st.sampled_from(KINDS))))
        new = apply_edits(text, edits)
        stages.append((edits, new))
        text = new
    return source, stages


def _assert_well_formed(log: EditLog, source: str) -> None:
    previous_end = 0
    for edit in log.edits:
        assert edit.before, f"an insertion appeared in the log: {edit}"
        assert edit.start < edit.end
        assert edit.start >= previous_end, f"overlapping or unsorted edits: {log.edits}"
        assert source[edit.start : edit.end] == edit.before
        previous_end = edit.end


@given(staged_documents())
def test_log_applied_to_source_gives_the_text_after_every_stage(doc):
    source, stages = doc
    log = EditLog(source)
    for edits, text in stages:
        log.add_stage(edits)
        assert apply_edits(source, log.edits) == text


@given(staged_documents())
def test_log_edits_are_sorted_never_overlap_and_never_insert(doc):
    source, stages = doc
    log = EditLog(source)
    for edits, _ in stages:
        log.add_stage(edits)
        _assert_well_formed(log, source)


@given(staged_documents())
def test_log_edit_kinds_come_from_the_stages_that_touched_the_text(doc):
    source, stages = doc
    log = EditLog(source)
    used: set[str] = set()
    for edits, _ in stages:
        log.add_stage(edits)
        used.update(e.kind for e in edits)
    for edit in log.edits:
        parts = edit.kind.split("+")
        assert len(parts) == len(set(parts))
        assert set(parts) <= used


@given(staged_documents())
def test_untouched_source_characters_keep_their_place_through_the_mappers(doc):
    source, stages = doc
    log = EditLog(source)
    for edits, _ in stages:
        log.add_stage(edits)
    text = stages[-1][1]
    to_target, to_source = target_mapper(log.edits), source_mapper(log.edits)
    inside = {i for e in log.edits for i in range(e.start, e.end)}
    for i, char in enumerate(source):
        if i not in inside:
            assert text[to_target(i)] == char
            assert to_source(to_target(i)) == i


@st.composite
def stages_after_deletions(draw):
    """A source, a stage that only deletes (annotations, controls), then a stage of any edits."""
    source = draw(st.text(ALPHABET, min_size=1, max_size=30))
    deletions = [e._replace(after="") for e in draw(stage_edits(source, "annotation"))]
    later = draw(stage_edits(apply_edits(source, deletions), draw(st.sampled_from(KINDS))))
    return source, deletions, later


def _general_merge():
    """The general merge of EditLog.add_stage, without its way for stages after deletions."""
    return mock.patch.object(edits_module, "_after_deletions", return_value=None)


@given(stages_after_deletions())
def test_a_stage_after_deletions_gives_the_edits_of_the_general_merge(doc):
    source, deletions, later = doc
    quick, general = EditLog(source), EditLog(source)
    quick.add_stage(deletions)
    quick.add_stage(later)
    with _general_merge():
        general.add_stage(deletions)
        general.add_stage(later)
    assert quick.edits == general.edits


def test_a_spam_page_gives_the_same_edits_as_through_the_general_merge():
    data = load_seeds()[SEED_001][0]
    quick = normalize_bytes(data)
    with _general_merge():
        general = normalize_bytes(data)
    assert quick.count("annotation") > 100
    assert quick.edits == general.edits


def test_an_empty_stage_changes_nothing():
    log = EditLog("協(xié)會")
    log.add_stage([])
    assert log.edits == ()


def test_conversion_around_a_removed_annotation_stays_three_separate_edits():
    source = "協(xié)會"
    log = EditLog(source)
    log.add_stage([Edit("annotation", 1, 6, "(xié)", "")])
    log.add_stage(aligned_edits("convert", "協會", "协会"))
    assert [(e.kind, e.start, e.end, e.before, e.after) for e in log.edits] == [
        ("convert", 0, 1, "協", "协"),
        ("annotation", 1, 6, "(xié)", ""),
        ("convert", 6, 7, "會", "会"),
    ]
    assert apply_edits(source, log.edits) == "协会"


def test_a_second_edit_of_the_same_character_merges_with_the_first():
    source = "這是\uf900"
    log = EditLog(source)
    log.add_stage([Edit("nfc", 2, 3, "\uf900", "豈")])
    log.add_stage([Edit("convert", 2, 3, "豈", "岂", "t2s")])
    assert [(e.kind, e.start, e.end, e.before, e.after) for e in log.edits] == [("nfc+convert", 2, 3, "\uf900", "岂")]


def test_an_edit_across_an_earlier_length_change_covers_both_source_spans():
    source = "abcdef"
    log = EditLog(source)
    log.add_stage([Edit("nfc", 1, 3, "bc", "X")])  # aXdef
    log.add_stage([Edit("convert", 1, 3, "Xd", "YZ")])  # aYZef
    assert [(e.kind, e.start, e.end, e.before, e.after) for e in log.edits] == [("nfc+convert", 1, 4, "bcd", "YZ")]
    assert apply_edits(source, log.edits) == "aYZef"


@pytest.mark.parametrize(
    ("before", "after"),
    [("協會", "协会"), ("abc", "abc"), ("e\u0301x", "éx"), ("著(zhe)", "着"), ("", "")],
)
def test_diff_edits_reproduce_the_new_text(before, after):
    edits = diff_edits("convert", before, after)
    assert apply_edits(before, edits) == after
    assert all(before[e.start : e.end] == e.before for e in edits)


def test_apply_edits_rejects_overlapping_or_mismatched_edits():
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcd", [Edit("fix", 0, 2, "ab", "x"), Edit("fix", 1, 3, "bc", "y")])
    with pytest.raises(ValueError, match="expects"):
        apply_edits("abcd", [Edit("fix", 0, 1, "z", "x")])
