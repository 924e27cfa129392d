"""Fuzzing: realistic hostile documents through ``normalize_bytes`` and through the batch worker.

Documents mix traditional and simplified lines from the seeds, pinyin annotations,
real parenthesised text, punctuation of both widths, Latin words and control
characters; they are encoded in a random supported encoding, then corrupted (bytes
inserted, overwritten, the end cut off). The only exception allowed is the documented
:class:`normalizer.DecodeError` (undecodable bytes under errors="strict", or no
plausible encoding), and the core properties hold:
valid UTF-8 out, the edits applied to the source give the output, normalizing the
output changes nothing, and no text is lost outside what an edit accounts for.

The CI profile (tests/conftest.py, the default) runs 100 examples per test; for a long
run: ``HYPOTHESIS_PROFILE=fuzz .venv/bin/pytest tests/test_fuzz.py`` (5,000 each).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from corpus_texts import expected_texts, lines_of, seed_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalizer import DecodeError, normalize_bytes, normalize_text
from normalizer.atomic import TEMP_MARK
from normalizer.decode import OVERRIDE_MAX_CHARS
from normalizer.edits import apply_edits
from normalizer.model import ANNOTATION, CONVERT
from normalizer.worker import Task, process_file

LINES = lines_of(seed_texts()) + lines_of(expected_texts())
CHARS = sorted({c for line in LINES for c in line})
ANNOTATIONS = ["(xié)", "(huì)", "(kāi)", "(zhōng guó)", "(xie2)", "(hui)", "（huì）", "(tǒng)"]
PARENTHESES = ["（新华社）", "(记者 王芳)", "(2023年)", "（見圖）", "(Reuters)", "(完)", "（圖）"]
PUNCTUATION = list("，。、；：？！“”‘’（）《》…—·,.;:?!()-/%\"' ﹔﹐#xff1a;&#12290;")
ODD = ["\t", "\r\n", "\r", "\u3000", "\ufeff", "\u200b", "\x1b", "\x0c", "e\u0301", "😀", "\u2028", "𠀀"]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]

line_piece = st.builds(
    lambda line, a, b: line[min(a, b) : max(a, b)], st.sampled_from(LINES), st.integers(0, 300), st.integers(0, 300)
)
annotated = st.builds(lambda c, a: c + a, st.sampled_from(CHARS), st.sampled_from(ANNOTATIONS))
fragment = st.one_of(
    st.sampled_from(LINES),
    line_piece,
    annotated,
    st.sampled_from(PARENTHESES),
    st.text(st.sampled_from(CHARS + PUNCTUATION), min_size=1, max_size=20),
    st.sampled_from(PUNCTUATION + ODD + ["\n", "\n\n"]),
    st.text(st.sampled_from("abcXYZ019 "), min_size=1, max_size=10),
)
documents = st.lists(fragment, min_size=0, max_size=30).map("".join)


@st.composite
def hostile_bytes(draw) -> bytes:
    text = draw(documents)
    codec = draw(st.sampled_from(ENCODINGS))
    data = bytearray(
        text.encode(codec, "replace") if codec not in ("utf-8",) else text.encode("utf-8", "surrogatepass")
    )
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["insert", "overwrite", "truncate"]))
        at = draw(st.integers(0, len(data)))
        noise = draw(st.binary(min_size=1, max_size=4))
        if kind == "insert":
            data[at:at] = noise
        elif kind == "overwrite":
            data[at : at + len(noise)] = noise
        else:
            del data[at:]
    return bytes(data)


def check_result(result) -> None:
    out = result.text.encode("utf-8")  # valid UTF-8: no lone surrogates left
    assert out.decode("utf-8") == result.text
    assert apply_edits(result.source, result.edits) == result.text
    assert normalize_text(result.text).text == result.text  # idempotent
    # The written bytes read back give the same text, except that a very short valid UTF-8
    # output without Chinese may be read back as GB18030 (b"\xc7\xbf", "ǿ", is also GB's "强"):
    # decode.OVERRIDE_MAX_CHARS bounds that to a few characters.
    # Text with NUL characters is left out too: its UTF-8 can be UTF-16/32 of other text
    # ("A\0\0\0" is UTF-32 "A"), which decoding takes it for; no such text is ever
    # written (batch.guard refuses it).
    if "\x00" not in result.text:
        again = normalize_bytes(out)
        non_ascii = len(result.text) - len(out.decode("utf-8").encode("ascii", "ignore"))
        if again.encoding in ("utf-8", "utf-8-sig") or non_ascii > OVERRIDE_MAX_CHARS:
            assert again.text == result.text
    for e in result.edits:
        if e.kind == CONVERT:  # a conversion never swallows text (OpenCC's phrases keep lengths)
            assert abs(len(e.before) - len(e.after)) <= 1, e
        if ANNOTATION not in e.kind:
            assert "\n" not in e.before or e.before.count("\n") == e.after.count("\n") or "\r" in e.before, e


@given(hostile_bytes(), st.sampled_from(["strict", "replace"]))
def test_hostile_bytes_through_the_pipeline(data: bytes, errors: str):
    try:
        result = normalize_bytes(data, errors=errors)
    except DecodeError as err:  # under "replace" too, when no encoding is plausible or one it cannot decode fits
        assert err.reason and (errors == "strict" or "no plausible" in err.reason or "looks like" in err.reason)
        return
    check_result(result)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(hostile_bytes(), st.sampled_from(["strict", "replace"]), st.booleans())
def test_hostile_files_through_the_batch_worker(data: bytes, errors: str, streamed: bool):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src, dst = root / "src.txt", root / "out" / "dst.txt"
        src.write_bytes(data)
        limits = {"stream_bytes": 0, "piece_chars": 64} if streamed else {}
        outcome = process_file(Task("f.txt", str(src), str(dst), errors, "full", False, preview=True, **limits))
        record = outcome.record
        assert src.read_bytes() == data
        assert not [p for p in root.rglob("*") if TEMP_MARK in p.name]
        reason = record["reason"] or ""
        assert "internal error" not in reason, reason
        assert record["status"] in ("changed", "unchanged", "skipped", "error")
        if record["status"] in ("skipped", "error"):
            assert not dst.exists() and record["reason"] and "\n" not in record["reason"]
            return
        out = dst.read_bytes()
        assert out.decode("utf-8") is not None and len(out) == record["bytes_out"]
        assert (record["status"] == "unchanged") == (out == data)
        if not streamed:
            assert out == normalize_bytes(data, errors=errors).text.encode("utf-8")
        assert os.stat(dst).st_size == record["bytes_out"]
