"""Normalize files too large to hold in memory, piece by piece, with the same result.

The file is read in blocks, never whole, three times:

0. detection: lines that contain non-ASCII bytes, up to a sample's worth, decide
   the codec with :func:`normalizer.decode.decode_bytes`'s strategy (an ASCII head
   says nothing about the GB18030 that follows);
1. survey: everything is decoded once. Undecodable bytes raise here under
   ``errors="strict"``, before anything is written; script counts, annotation
   evidence and character counts of the whole document are gathered
   (:class:`normalizer.model.DocumentContext`);
2. normalize: decoded again and cut into pieces of whole lines, each normalized
   with that context by :func:`normalizer.pipeline.normalize_piece`.

Every stage works within a line, so the pieces joined equal the whole-file result.
A line longer than a piece (a 200 MB single line) is cut after sentence
punctuation, then whitespace, then anywhere; there the script verdict is the
piece's, not the line's.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .annotations import PageTable, evidence, find_candidates, page_table
from .decode import BOMS, ERROR_HANDLER, SAMPLE_BYTES, decode_bytes, seven_bit_marked
from .model import DecodeError, DocumentContext, ScriptCounts
from .pipeline import normalize_piece
from .result import NormalizeResult
from .script import count_script

BLOCK_BYTES = 1 << 20
PIECE_CHARS = 1 << 18  # ~256 K characters: peak RSS ~165 MB on a 20 MB file, 310 MB at 1 M
_SENTENCE_END = re.compile("[。！？；!?;]")
_CLAUSE_END = re.compile("[，、,：:]")
_ESCAPED = re.compile("[\udc00-\udcff]")


@dataclass(frozen=True, slots=True)
class Survey:
    """What the survey pass learned about the whole file."""

    encoding: str
    context: DocumentContext


@dataclass(frozen=True, slots=True)
class Piece:
    """One normalized piece; ``offset``/``line`` place it in the whole decoded document."""

    result: NormalizeResult
    offset: int
    line: int


def detect_encoding(path: Path) -> str:
    """The codec for ``path``, judged on a sample of its non-ASCII lines."""
    with open(path, "rb") as f:
        head = f.read(4)
        f.seek(0)
        if head.startswith(BOMS) or b"\x00" in f.read(SAMPLE_BYTES):
            f.seek(0)
            sample = f.read(SAMPLE_BYTES)
            return decode_bytes(sample[: len(sample) - len(sample) % 4], errors="replace").encoding
        f.seek(0)
        lines: list[bytes] = []
        size = 0
        carry = b""
        while size < SAMPLE_BYTES:
            block = f.read(BLOCK_BYTES)
            if not block:
                if carry and (not carry.isascii() or seven_bit_marked(carry)):
                    lines.append(carry)
                break
            marked = seven_bit_marked(carry + block)  # HZ, ISO-2022: ASCII lines that decide
            parts = (carry + block).split(b"\n")
            carry = parts.pop()
            for line in parts:
                if not line.isascii() or (marked and seven_bit_marked(line)):
                    lines.append(line + b"\n")
                    size += len(line) + 1
            if len(carry) > SAMPLE_BYTES:  # one very long line: its head is sample enough
                # (a character cut at the end costs the ranking little)
                if not carry.isascii() or seven_bit_marked(carry):
                    lines.append(carry[:SAMPLE_BYTES])
                break
    sample = b"".join(lines)[: SAMPLE_BYTES * 2]
    # The file has no BOM, so BOM-like bytes at the start of a later line are text.
    while sample.startswith(BOMS):
        sample = sample[2:]
    return decode_bytes(sample, errors="replace").encoding if sample else "utf-8"


def _decoded_pieces(path: Path, codec: str, errors: str, piece_chars: int) -> Iterator[str]:
    """Decoded text of ``path`` in pieces of whole lines (undecodable bytes escaped)."""
    decoder = codecs.getincrementaldecoder(codec)(ERROR_HANDLER)
    pending = ""
    base = 0
    with open(path, "rb") as f:
        while True:
            block = f.read(BLOCK_BYTES)
            held = len(decoder.getstate()[0])
            try:
                text = pending + decoder.decode(block, final=not block)
            except UnicodeError as err:  # e.g. a UTF-16 stream without its BOM
                raise DecodeError(f"cannot decode as {codec}: {err}", offset=base, encoding=codec) from err
            if errors == "strict" and _ESCAPED.search(text[len(pending) :]):
                raise DecodeError(
                    f"undecodable bytes as {codec}, first near byte offset {_offset(codec, base - held, f)}",
                    offset=_offset(codec, base - held, f),
                    encoding=codec,
                )
            base += len(block)
            if not block:
                if text:
                    yield text
                return
            while len(text) >= piece_chars:
                cut = _cut(text, piece_chars)
                yield text[:cut]
                text = text[cut:]
            pending = text


def _offset(codec: str, start: int, f) -> int:
    """Absolute offset of the first undecodable byte at or after ``start``."""
    pos = f.tell()
    f.seek(max(start, 0))
    data = f.read(BLOCK_BYTES + 16)
    f.seek(pos)
    try:
        codecs.getincrementaldecoder(codec)().decode(data, final=False)
    except UnicodeDecodeError as err:
        return max(start, 0) + err.start
    return max(start, 0)


def _cut(text: str, size: int) -> int:
    """Where to end a piece: after the last newline, else a sentence end, else a
    comma, else a space, else before a character that starts no annotation."""
    cut = text.rfind("\n", 0, size) + 1
    if cut:
        return cut
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        ends = [m.end() for m in pattern.finditer(text, size // 2, size)]
        if ends:
            return ends[-1]
    space = max(text.rfind(" ", size // 2, size), text.rfind("\u3000", size // 2, size))
    if space >= 0:
        return space + 1
    # Never inside "字(pinyin)" nor between a character and its annotation.
    window = max(0, size - 24)  # a negative start would count from the end
    opened = max(text.rfind("(", window, size), text.rfind("（", window, size))
    if opened >= 0 and ")" not in text[opened:size] and "）" not in text[opened:size]:
        return max(opened - 1, 1)
    cut = size
    while 1 < cut < len(text) and text[cut] in "(（":
        cut -= 1
    return cut


def survey(path: Path, *, errors: str = "strict", piece_chars: int = PIECE_CHARS) -> Survey:
    """Pass 1: decode everything once and gather the document context."""
    codec = detect_encoding(path)
    t = s = strong = plain = 0
    vocabulary: Counter[str] = Counter()
    table = PageTable()
    for text in _decoded_pieces(path, codec, errors, piece_chars):
        counts = count_script(text)
        t += counts.traditional
        s += counts.simplified
        candidates = find_candidates(text)
        piece_strong, piece_plain = evidence(candidates)
        table += page_table(candidates)
        strong += piece_strong
        plain += piece_plain
        vocabulary.update(text)
    context = DocumentContext(ScriptCounts(t, s), (strong, plain), vocabulary, table)
    return Survey(codec, context)


def normalize_file(
    path: Path | str, *, errors: str = "strict", piece_chars: int = PIECE_CHARS
) -> tuple[Survey, Iterator[Piece]]:
    """Survey ``path`` (raising :class:`DecodeError` as ``normalize_bytes`` would),
    then return the survey and an iterator of normalized pieces in order."""
    path = Path(path)
    found = survey(path, errors=errors, piece_chars=piece_chars)

    def pieces() -> Iterator[Piece]:
        offset = line = 0
        for text in _decoded_pieces(path, found.encoding, errors, piece_chars):
            yield Piece(normalize_piece(text, found.context, encoding=found.encoding), offset, line)
            offset += len(text)
            line += text.count("\n")

    return found, pieces()
