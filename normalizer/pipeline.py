"""Compose the stages: decode → NFC → script → mojibake → annotations → convert.

This module only wires stages together and carries offsets back to the decoded
input (:class:`normalizer.edits.EditLog`); each stage lives in its own module.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from .annotations import may_have_annotations, strip_annotations
from .charsets import traditional_only
from .convert import to_simplified
from .decode import decode_bytes, replace_surrogates, replacement_edits, strip_leading_bom, to_nfc
from .edits import AlignedEdits, EditLog, apply_edits, merge_summaries, source_mapper, summarize, target_mapper
from .fixes import SMALL_FORMS, ZHE_FROM
from .model import ANNOTATION, DocumentContext, Edit, EditSummary, Flag, LineScript, NormalizeResult
from .mojibake import find_mojibake
from .script import LineTable, detect_script, verdict_of


def normalize_bytes(data: bytes, *, errors: str = "strict") -> NormalizeResult:
    """Normalize a document given as bytes in any supported encoding.

    ``errors="strict"`` (default) raises :class:`normalizer.DecodeError` when the
    bytes cannot be decoded with confidence; ``errors="replace"`` replaces each
    undecodable byte with U+FFFD and records it as an edit.
    """
    decoded = decode_bytes(data, errors=errors)
    return _normalize(decoded.text, decoded.encoding, decoded.edits)


def normalize_text(text: str) -> NormalizeResult:
    """Normalize a document given as text (``result.encoding`` is None).

    Lone surrogates, which cannot be written as UTF-8, become U+FFFD (recorded)."""
    return _normalize(text, None, replace_surrogates(text).edits)


def normalize_piece(text: str, context: DocumentContext, *, encoding: str | None = None) -> NormalizeResult:
    """Normalize one piece (whole lines) of a larger document described by ``context``.

    Used by :mod:`normalizer.stream` for files too large to hold at once; offsets in
    the result are relative to the piece. ``result.script`` carries the document's
    verdict and counts with the piece's line verdicts. With an ``encoding``, ``text``
    is decoded input whose undecodable bytes are escaped (see ``decode.ERROR_HANDLER``).
    """
    edits = replacement_edits(text) if encoding else replace_surrogates(text).edits
    return _normalize(text, encoding, edits, context)


def is_clean(text: str) -> bool:
    """A cheap, conservative test that normalizing ``text`` would change and flag nothing.

    True only when no stage could act: no lone surrogate, no byte-order mark, already
    NFC, no traditional-only character (so OpenCC is not even run), no parenthesised
    syllable (no annotation), no ``?`` or U+FFFD (no mojibake), no 著, no small-form punctuation
    and no ``#`` (no entity). False means "run the pipeline", not "dirty". The
    pre-commit hook uses it so that a clean file costs neither numpy nor OpenCC.
    """
    if text.isascii():  # no Han character: no annotation, conversion or mojibake
        return "#" not in text and "\x00" not in text
    if not _ACTIONABLE.isdisjoint(text) or not traditional_only().isdisjoint(text) or may_have_annotations(text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return unicodedata.is_normalized("NFC", text)


#: Characters whose presence means some stage may act (see :func:`is_clean`); NUL makes
#: a file "not plain text" for the batch and hook.
_ACTIONABLE = frozenset("\x00\ufeff?\ufffd#" + ZHE_FROM + "".join(SMALL_FORMS))


def _normalize(
    source: str, encoding: str | None, decode_edits: Sequence[Edit], context: DocumentContext | None = None
) -> NormalizeResult:
    log = EditLog(source)
    log.add_stage(decode_edits)
    text = apply_edits(source, decode_edits) if decode_edits else source

    bom = strip_leading_bom(text)
    log.add_stage(bom.edits)
    nfc = to_nfc(bom.text)
    log.add_stage(nfc.edits)
    text = nfc.text
    to_source = source_mapper(log.edits) if log.edits else _same

    script = detect_script(text)
    if context is not None:
        script = replace(script, verdict=verdict_of(context.script), counts=context.script)
    mojibake = find_mojibake(text, context.vocabulary if context else None)
    protected = [(f.start, f.end) for f in mojibake]
    stripped = strip_annotations(
        text,
        protected,
        page_evidence=context.annotation_evidence if context else None,
        table=context.annotation_table if context else None,  # type: ignore[arg-type]
        vocabulary=context.vocabulary if context else None,
    )
    flags = [_moved(f, to_source) for f in (*mojibake, *stripped.flags)]
    if log.edits:
        script = replace(script, lines=_moved_lines(script.lines, to_source))

    plain_deletions = not log.edits  # the annotation removals are the only edits before conversion
    log.add_stage(stripped.edits)
    if protected and stripped.edits:
        to_stripped = target_mapper(stripped.edits)
        protected = [(to_stripped(s), to_stripped(e)) for s, e in protected]
    text = stripped.text

    stages = to_simplified(text, script, protected)
    if any(stage.flags for stage in stages):
        to_source = source_mapper(log.edits) if log.edits else _same
        for stage in stages:
            flags.extend(_moved(f, to_source) for f in stage.flags)

    def build_edits() -> tuple[Edit, ...]:
        if stages[0].same_length:
            # OpenCC kept every length, so the conversion stages share one coordinate
            # system and touch different characters: compose them in a single step.
            log.add_stage([e for stage in stages for e in stage.edits])
        else:
            for stage in stages:
                log.add_stage(stage.edits)
        return log.edits

    build_summary = None
    if plain_deletions and (isinstance(stages[0].edits, AlignedEdits) or not stages[0].edits):

        def build_summary() -> EditSummary:
            removals = stripped.edits
            parts = [EditSummary({ANNOTATION: len(removals)} if removals else {}, {}, removals)]
            if stages[0].edits:
                # Where each removal is in the text the conversion saw: EditLog splits a
                # converted run there, so the counts must too.
                cuts = []
                removed = 0
                for e in removals:
                    cuts.append(e.start - removed)
                    removed += e.end - e.start
                parts.append(stages[0].edits.summary(cuts))
            parts.extend(summarize(stage.edits) for stage in stages[1:] if stage.edits)
            return merge_summaries(parts)

        def build_edits_before(offset: int) -> tuple[Edit, ...]:
            # Only the edits of a prefix: a preview shows a file's first changed lines.
            removals = [e for e in stripped.edits if e.start < offset]
            limit = offset - sum(e.end - e.start for e in removals)
            prefix = EditLog(source)
            prefix.add_stage(removals)
            converted = stages[0].edits
            later = [e for stage in stages[1:] for e in stage.edits if e.start < limit]
            first = list(converted.prefix(limit)) if converted else []
            prefix.add_stage(first + later)
            return prefix.edits

    else:
        build_edits_before = None

    return NormalizeResult(
        text=stages[-1].text,
        source=source,
        encoding=encoding,
        script=script,
        flags=tuple(sorted(flags, key=lambda f: (f.start, f.end, f.kind))),
        build_edits=build_edits,
        build_summary=build_summary,
        build_edits_before=build_edits_before,
    )


def _same(pos: int) -> int:
    return pos


def _moved(flag: Flag, to_source) -> Flag:
    return replace(flag, start=to_source(flag.start), end=to_source(flag.end))


def _moved_lines(lines: Sequence[LineScript], to_source) -> Sequence[LineScript]:
    if isinstance(lines, LineTable):
        return lines.moved(to_source)
    return tuple(replace(li, start=to_source(li.start), end=to_source(li.end)) for li in lines)
