"""The two seed documents, as shipped and re-encoded, normalize to the expected files."""

from __future__ import annotations

import re

import pytest
from corpus_texts import SEED_000, SEED_001, load_seeds

from normalizer import normalize_bytes
from normalizer.edits import apply_edits

SEED_NAMES = sorted(load_seeds())

#: Plain Big5 has neither U+00A0 (one no-break space in seed 000) nor the tone-marked
#: pinyin letters of seed 001; Big5-HKSCS adds the pinyin letters but not U+00A0.
NBSP = "\u00a0"
PINYIN_LETTERS = set("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü")


def _source(seeds, name: str) -> str:
    return seeds[name][0].decode("utf-8")


def _unencodable(text: str, codec: str) -> set[str]:
    bad = set()
    for char in set(text):
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            bad.add(char)
    return bad


def test_both_seeds_are_present(seeds):
    assert set(seeds) == {SEED_000, SEED_001}


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_file_normalizes_to_exactly_the_expected_file(seeds, name):
    data, expected = seeds[name]
    result = normalize_bytes(data)
    assert result.encoding == "utf-8"
    assert result.source == data.decode("utf-8")
    assert result.text == expected


@pytest.mark.parametrize("name", SEED_NAMES)
def test_applying_the_edits_to_the_source_reproduces_the_output(seeds, name):
    result = normalize_bytes(seeds[name][0])
    assert apply_edits(result.source, result.edits) == result.text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_every_edit_names_the_source_text_it_replaces(seeds, name):
    result = normalize_bytes(seeds[name][0])
    for edit in result.edits:
        assert edit.before, edit
        assert result.source[edit.start : edit.end] == edit.before
    ends = [e.end for e in result.edits]
    starts = [e.start for e in result.edits]
    assert all(start >= end for start, end in zip(starts[1:], ends)), "edits overlap or are unsorted"


@pytest.mark.parametrize("name", SEED_NAMES)
def test_both_seeds_are_judged_traditional(seeds, name):
    result = normalize_bytes(seeds[name][0])
    assert result.script.verdict == "traditional"
    assert result.script.traditional_share > 0.99


def test_seed_001_loses_exactly_its_263_pinyin_annotations_on_71_characters(seeds):
    result = normalize_bytes(seeds[SEED_001][0])
    annotations = [e for e in result.edits if e.kind == "annotation"]
    assert result.count("annotation") == len(annotations) == 263
    assert all(re.fullmatch(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", e.before) for e in annotations)
    assert all(e.after == "" for e in annotations)
    assert len({result.source[e.start - 1] for e in annotations}) == 71
    assert "(" not in result.text.replace("州(市)", "")


def test_seed_000_has_no_annotations_but_gets_its_punctuation_and_zhe_fixed(seeds):
    result = normalize_bytes(seeds[SEED_000][0])
    assert result.count("annotation") == 0
    assert [(e.before, e.after) for e in result.edits if e.kind == "fix"] == [("著", "着")] * 4
    assert {(e.before, e.after) for e in result.edits if e.kind == "punctuation"} == {("﹔", "；")}
    assert "﹔" not in result.text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_seeds_raise_no_flags(seeds, name):
    assert normalize_bytes(seeds[name][0]).flags == ()


# --- the seeds re-encoded ---------------------------------------------------------------


def test_which_seeds_each_legacy_codec_can_encode(seeds):
    seed_000, seed_001 = _source(seeds, SEED_000), _source(seeds, SEED_001)
    assert _unencodable(seed_000, "gb18030") == set()
    assert _unencodable(seed_001, "gb18030") == set()
    assert _unencodable(seed_000, "big5") == {NBSP}
    assert _unencodable(seed_000, "big5hkscs") == {NBSP}
    bad_001 = _unencodable(seed_001, "big5")
    assert bad_001 and bad_001 <= PINYIN_LETTERS
    assert _unencodable(seed_001, "big5hkscs") == set()


# (seed, codec the file is written in, encoding the library must report)
REENCODED = [
    (SEED_000, "gb18030", "gb18030"),
    (SEED_001, "gb18030", "gb18030"),
    (SEED_001, "big5hkscs", "big5hkscs"),  # its pinyin letters are HKSCS-only bytes
    (SEED_000, "utf-16", "utf-16"),  # Python writes a BOM
    (SEED_001, "utf-16", "utf-16"),
    (SEED_000, "utf-8-sig", "utf-8-sig"),
    (SEED_001, "utf-8-sig", "utf-8-sig"),
    (SEED_000, "utf-32", "utf-32"),
    (SEED_001, "utf-32", "utf-32"),
]


@pytest.mark.parametrize(("name", "codec", "reported"), REENCODED)
def test_reencoded_seed_gives_the_same_text_and_reports_its_encoding(seeds, name, codec, reported):
    _, expected = seeds[name]
    result = normalize_bytes(_source(seeds, name).encode(codec))
    assert result.encoding == reported
    assert result.source == _source(seeds, name)
    assert result.text == expected
    assert apply_edits(result.source, result.edits) == result.text
    assert result.script.verdict == "traditional"


def test_seed_001_keeps_its_263_annotation_edits_in_every_encoding(seeds):
    source = _source(seeds, SEED_001)
    for codec in ("gb18030", "big5hkscs", "utf-16", "utf-8-sig", "utf-32"):
        assert normalize_bytes(source.encode(codec)).count("annotation") == 263, codec


@pytest.mark.parametrize("codec", ["big5", "big5hkscs"])
def test_seed_000_in_big5_family_reads_as_big5(seeds, codec):
    # Big5 cannot hold the one U+00A0, so the file is written with a plain space there.
    # Its Big5-HKSCS bytes are then byte for byte the Big5 bytes, and "big5" is the
    # right answer for both (HKSCS is only tried when Big5 fails).
    _, expected = seeds[SEED_000]
    source = _source(seeds, SEED_000).replace(NBSP, " ")
    data = source.encode(codec)
    assert data == source.encode("big5")
    result = normalize_bytes(data)
    assert result.encoding == "big5"
    assert result.source == source
    assert result.text == expected.replace(NBSP, " ")
    assert apply_edits(result.source, result.edits) == result.text
    assert result.script.verdict == "traditional"


def test_seed_001_big5hkscs_bytes_are_not_valid_big5(seeds):
    # Why the library must fall back to big5hkscs for this file (see REENCODED).
    data = _source(seeds, SEED_001).encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")
