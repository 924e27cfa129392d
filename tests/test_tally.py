"""Compact histograms of changes (normalizer.tally): named, summed and stored exactly as the plain
histograms by name they stand for."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer.summary import mapping_key, ordered
from normalizer.tally import PairTally, TallySum, named_tallies, pack_tallies, sum_tallies, unpack_tallies

# Characters from every range a change may touch: ASCII, CJK, astral, lone surrogates, the arrow itself.
chars = st.one_of(
    st.sampled_from("協协會会國国→a\x1b\udc80\U00020000"),
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF),
)
# A histogram by name, as the reference Counter of mapping_key(before, after) makes it.
named_histograms = st.dictionaries(
    st.one_of(
        st.builds(mapping_key, chars, chars),  # one character → one character
        st.builds(mapping_key, st.text(chars, max_size=3), st.text(chars, max_size=3)),
    ),
    st.integers(1, 2**40),
    max_size=12,
)
kinds = st.sampled_from(["convert", "nfc+convert", "fix", "control", "punctuation"])
runs = st.lists(st.dictionaries(kinds, named_histograms, max_size=3), max_size=5)


def reference_sum(parts: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    total: dict[str, Counter[str]] = {}
    for part in parts:
        for kind, histogram in part.items():
            total.setdefault(kind, Counter()).update(histogram)
    return {kind: ordered(total[kind]) for kind in sorted(total)}


def as_tallies(part: dict[str, dict[str, int]]) -> dict[str, PairTally]:
    return {kind: PairTally.of_named(histogram) for kind, histogram in part.items()}


@given(named_histograms)
def test_a_tally_names_its_histogram_back_in_report_order(histogram: dict[str, int]):
    named = PairTally.of_named(histogram).named()
    assert named == histogram
    assert list(named.items()) == list(ordered(histogram).items())
    assert PairTally.of_named(histogram).total() == sum(histogram.values())


@settings(max_examples=200)
@given(runs)
def test_summed_tallies_name_the_sum_of_the_histograms(parts: list[dict[str, dict[str, int]]]):
    total = named_tallies(sum_tallies(as_tallies(part) for part in parts))
    assert total == reference_sum(parts)
    assert all(list(total[k].items()) == list(ordered(total[k]).items()) for k in total)


@settings(max_examples=200)
@given(st.dictionaries(kinds, named_histograms, max_size=4))
def test_packed_tallies_come_back_exactly(part: dict[str, dict[str, int]]):
    tallies = as_tallies(part)
    back = unpack_tallies(pack_tallies(tallies))
    assert named_tallies(back) == named_tallies(tallies) == reference_sum([part])
    for kind, tally in tallies.items():
        assert back[kind].keys.tolist() == tally.keys.tolist() and back[kind].counts.tolist() == tally.counts.tolist()
        assert back[kind].other == tally.other


def test_edge_tallies_pack_and_sum():
    only_deletions = {"control": PairTally.of_named({"\x1b→": 2, "\x07→": 1})}  # no one-character pair at all
    empty = {"convert": PairTally.of_named({})}
    wide = {"convert": PairTally.of_named({"國→国": 2**40, "\U00020000→a": 1})}
    for tallies in (only_deletions, empty, wide):
        assert named_tallies(unpack_tallies(pack_tallies(tallies))) == named_tallies(tallies)
    assert pack_tallies({}) == b"" and unpack_tallies(b"") == {}
    assert named_tallies(sum_tallies([only_deletions, None, wide, wide]))["convert"] == {
        "國→国": 2**41,
        "\U00020000→a": 2,
    }


def test_counting_codes_equals_counting_pairs():
    before = np.array([ord(c) for c in "協會協國協"], dtype=np.uint32)
    after = np.array([ord(c) for c in "协会协国协"], dtype=np.uint32)
    assert PairTally.of_codes(before, after).named() == {"協→协": 3, "國→国": 1, "會→会": 1}


def test_tallies_are_read_only():
    tally = PairTally.of_named({"協→协": 3})
    assert not tally.keys.flags.writeable and not tally.counts.flags.writeable
    back = unpack_tallies(pack_tallies({"convert": tally}))["convert"]
    assert not back.keys.flags.writeable and not back.counts.flags.writeable


def test_a_running_sum_folds_as_it_goes_and_stays_exact(monkeypatch):
    monkeypatch.setattr(TallySum, "FOLD_KEYS", 3)
    running = TallySum()
    parts = [{"convert": {"協→协": i + 1, "會→会": 1, f"{chr(0x4E00 + i)}→x": 2}} for i in range(10)]
    for part in parts:
        running.add(as_tallies(part))
    assert len(running.parts) < len(parts)  # folded on the way
    assert named_tallies(running.total()) == reference_sum(parts)
