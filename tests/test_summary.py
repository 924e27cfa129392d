"""Edit summaries: the compact computations equal the reference, summarize() over every edit."""

from __future__ import annotations

from collections import Counter

from corpus_texts import SEED_000, load_seeds

from normalizer import normalize_text
from normalizer.model import ANNOTATION, CONVERT, Edit, EditSummary
from normalizer.summary import aligned_summary, mapping_key, merge_summaries, ordered, summarize
from normalizer.tally import PairTally

TRADITIONAL = load_seeds()[SEED_000][0].decode("utf-8")


def _opencc_edits(text: str):
    """OpenCC's edits of a traditional text in their compact form, as the pipeline keeps them."""
    staged = normalize_text(text).staged
    assert staged.compact
    return staged.opencc


def test_summarize_counts_each_kind_and_each_changed_character_pair():
    edits = [
        Edit(CONVERT, 0, 2, "協會", "协会"),
        Edit(CONVERT, 5, 6, "協", "协"),
        Edit(ANNOTATION, 2, 7, "(xié)", ""),
        Edit("nfc+convert", 9, 10, "e\u0301", "é"),
    ]
    summary = summarize(edits)
    assert summary.counts == {CONVERT: 2, ANNOTATION: 1, "nfc+convert": 1}
    assert summary.mappings == {CONVERT: {"協→协": 2, "會→会": 1}, "nfc+convert": {"e\u0301→é": 1}}
    assert summary.annotations == (edits[2],)
    assert summary.replaced == ()


def test_the_summary_of_compact_opencc_edits_equals_the_summary_of_the_built_edits():
    compact = _opencc_edits(TRADITIONAL)
    assert aligned_summary(compact) == summarize(list(compact))


def test_cuts_split_a_run_in_the_count_as_a_deletion_splits_it_in_the_edit_log():
    compact = _opencc_edits("協會組織")
    assert aligned_summary(compact).counts == {CONVERT: 1}  # one run of four changed characters
    assert aligned_summary(compact, [2]).counts == {CONVERT: 2}
    assert aligned_summary(compact, [0, 4]).counts == {CONVERT: 1}  # cuts at the ends split nothing


def test_compact_edits_without_a_change_summarize_to_nothing():
    unchanged = normalize_text("協會").staged.opencc.prefix(0)
    assert aligned_summary(unchanged) == EditSummary({}, {})


def test_a_tally_of_code_points_is_ordered_and_named_like_the_reference():
    compact = _opencc_edits(TRADITIONAL)
    before, after = compact.changed_codes()
    pairs = [mapping_key(chr(x), chr(y)) for x, y in zip(before.tolist(), after.tolist())]
    tally: dict[str, int] = {}
    for key in pairs:
        tally[key] = tally.get(key, 0) + 1
    named = PairTally.of_codes(before, after).named()
    assert named == ordered(tally)
    assert list(named) == list(ordered(tally))


def test_merged_summaries_equal_the_summary_of_all_the_edits():
    first = [Edit(CONVERT, 0, 1, "協", "协"), Edit(ANNOTATION, 1, 6, "(xié)", "")]
    second = [Edit(CONVERT, 6, 7, "會", "会"), Edit(CONVERT, 8, 9, "協", "协"), Edit(ANNOTATION, 7, 8, "(", "")]
    merged = merge_summaries([summarize(first), summarize(second)])
    assert merged == summarize(first + second)
    assert merged.annotations == (first[1], second[2])  # in source order


def plain_mappings(edits: list[Edit]) -> dict[str, dict[str, int]]:
    """The histograms by name, counted the plain way: a Counter of names, one per changed pair."""
    tally: dict[str, Counter[str]] = {}
    for e in edits:
        if e.kind in (ANNOTATION, "decode-replace"):
            continue
        names = (
            [mapping_key(x, y) for x, y in zip(e.before, e.after) if x != y]
            if len(e.before) == len(e.after)
            else [mapping_key(e.before, e.after)]
        )
        tally.setdefault(e.kind, Counter()).update(names)
    return {kind: ordered(c) for kind, c in tally.items()}


def test_a_documents_summary_names_its_pairs_like_a_plain_count_of_its_edits():
    for text in (TRADITIONAL, "協(xié)會，臺灣\u3000著名的e\u0301。﹔"):
        result = normalize_text(text)
        expected = plain_mappings(list(result.edits))
        assert result.summary.mappings == summarize(result.edits).mappings == expected
        assert all(list(result.summary.mappings[k]) == list(expected[k]) for k in expected)


def test_a_summary_names_its_pairs_only_when_read():
    summary = normalize_text(TRADITIONAL).summary
    assert "mappings" not in vars(summary)  # counts and tallies only, until someone reads the names
    assert summary.tallies[CONVERT].total() == sum(summary.mappings[CONVERT].values())
    assert "mappings" in vars(summary)
    assert summary.mappings is summary.mappings  # named once
