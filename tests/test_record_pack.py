"""The manifest's packed records: byte for byte the record, and smaller than compressing its JSON."""

from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from normalizer.compact_json import encode_bytes
from normalizer.record_pack import learning_text, pack, unpack

keys = st.text(min_size=1, max_size=6)
histograms = st.dictionaries(keys, st.integers(min_value=0, max_value=10**6), max_size=20)


def report_order(histogram: dict[str, int]) -> dict[str, int]:
    return dict(sorted(histogram.items(), key=lambda kv: (-kv[1], kv[0])))


@given(
    st.dictionaries(st.sampled_from(["convert", "fix", "annotation", "x\x1ey"]), histograms, max_size=3),
    st.booleans(),
    st.binary(max_size=64),
)
def test_any_record_unpacks_to_the_same_bytes(mappings: dict, in_report_order: bool, zdict: bytes):
    if in_report_order:
        mappings = {kind: report_order(h) for kind, h in mappings.items()}
    record = encode_bytes({"path": "a.txt", "status": "changed", "mappings": mappings, "n": [1, None, "協"]})
    assert unpack(pack(record, zdict), zdict) == record


@given(st.binary(max_size=200))
def test_records_that_are_not_json_objects_come_back_too(data: bytes):
    assert unpack(pack(data, b"dict"), b"dict") == data


def test_a_histogram_sorted_by_character_packs_smaller_than_the_json():
    first = {"國→国": 32, "發→发": 22, "場→场": 21, "經→经": 18, "營→营": 17, "個→个": 16, "會→会": 16}
    second = {"會→会": 40, "國→国": 9, "經→经": 7, "發→发": 3, "個→个": 2, "業→业": 2, "場→场": 1}
    records = [encode_bytes({"path": f"{i}.txt", "mappings": {"convert": m}}) for i, m in enumerate((first, second))]
    zdict = learning_text(records[0])
    packer = zlib.compressobj(6, zdict=records[0])
    plain = packer.compress(records[1]) + packer.flush()
    assert len(pack(records[1], zdict)) < len(plain)
    assert unpack(pack(records[1], zdict), zdict) == records[1]
