"""A result's edits, summary and prefixes follow from the stages' compact output (StagedEdits)."""

from __future__ import annotations

import pytest
from corpus_texts import SEED_000, SEED_001, load_seeds

from normalizer import normalize_bytes, normalize_text
from normalizer.edits import apply_edits
from normalizer.model import ANNOTATION, CONVERT, Edit
from normalizer.result import StagedEdits, compose_edits, prefix_edits, staged_summary
from normalizer.summary import summarize

SEEDS = [data for data, _ in load_seeds().values()]


def test_composing_the_staged_edits_twice_gives_the_same_edits():
    result = normalize_bytes(load_seeds()[SEED_000][0])
    first = compose_edits(result.source, result.staged)
    assert compose_edits(result.source, result.staged) == first
    assert apply_edits(result.source, first) == result.text


def test_staged_edits_in_one_stage_offsets_are_carried_back_to_the_source():
    # The annotation removal shifts the conversion's offsets by five characters.
    source = "科協(xié)組織"
    staged = StagedEdits(
        prior=(Edit(ANNOTATION, 2, 7, "(xié)", ""),),
        opencc=[Edit(CONVERT, 1, 2, "協", "协"), Edit(CONVERT, 2, 4, "組織", "组织")],
        same_length=True,
    )
    assert compose_edits(source, staged) == (
        Edit(CONVERT, 1, 2, "協", "协"),
        Edit(ANNOTATION, 2, 7, "(xié)", ""),
        Edit(CONVERT, 7, 9, "組織", "组织"),
    )


@pytest.mark.parametrize("data", SEEDS, ids=[SEED_000, SEED_001])
def test_the_summary_from_compact_data_equals_the_summary_of_every_edit(data):
    result = normalize_bytes(data)
    assert result.staged.compact  # both seeds take the fast path
    assert staged_summary(result.staged) == summarize(compose_edits(result.source, result.staged))


def test_a_conversion_run_around_a_removed_annotation_counts_as_two_edits():
    result = normalize_text("協(xié)會")
    assert result.staged.compact
    assert staged_summary(result.staged).counts == {ANNOTATION: 1, CONVERT: 2}
    assert staged_summary(result.staged) == summarize(result.edits)


def test_the_edits_before_a_line_end_are_those_of_the_lines_before_it():
    source = "科協(xié)組織\n會議\n協會"
    result = normalize_text(source)
    assert result.staged.compact
    end_of_second_line = source.index("\n", source.index("\n") + 1)
    prefix = prefix_edits(source, result.staged, end_of_second_line)
    assert prefix == tuple(e for e in result.edits if e.start < end_of_second_line)
    assert {e.before for e in prefix} == {"協", "(xié)", "組織", "會議"}
    assert result.edits_before(end_of_second_line) == prefix


def test_staged_edits_that_are_not_compact_are_summarized_from_every_edit():
    result = normalize_text("e\u0301 協會")  # an NFC edit before conversion
    assert not result.staged.compact
    assert not result.lines_kept
    with pytest.raises(ValueError):
        staged_summary(result.staged)
    with pytest.raises(ValueError):
        prefix_edits(result.source, result.staged, len(result.source))
    assert result.summary == summarize(result.edits)
    assert result.edits_before(2) == tuple(e for e in result.edits if e.start < 2)


def test_results_with_equal_text_and_edits_are_equal_however_they_were_computed():
    a, b = normalize_text("科協(xié)組織"), normalize_text("科協(xié)組織")
    _ = a.summary  # one computed from the compact form first, the other not
    assert a == b
    assert a != normalize_text("科协组织")
