"""Compose the stages: decode → NFC → controls → script → mojibake → annotations → convert.

This module only wires stages together and carries offsets back to the decoded
input (:class:`normalizer.edits.EditLog`); each stage lives in its own module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .annotations import strip_annotations
from .clean import is_clean as is_clean  # re-exported: the hook's shortcut lives in normalizer.clean
from .controls import strip_controls
from .convert import to_simplified
from .decode import decode_bytes, replace_surrogates, replacement_edits, strip_leading_bom, to_nfc
from .edits import AlignedEdits, EditLog, apply_edits, source_mapper, target_mapper
from .model import DocumentContext, Edit, Flag
from .mojibake import find_mojibake
from .result import NormalizeResult, StagedEdits
from .script import detect_script, verdict_of


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
    controls = strip_controls(nfc.text)
    log.add_stage(controls.edits)
    text = controls.text
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
        script = replace(script, lines=script.lines.moved(to_source))

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

    opencc, *corrections = stages
    # Only the annotation removals come before conversion, and OpenCC's edits are compact:
    # the summary and a preview's edits can be had without composing every edit.
    compact = plain_deletions and (isinstance(opencc.edits, AlignedEdits) or not opencc.edits)
    staged = StagedEdits(
        prior=log.edits,
        opencc=opencc.edits,
        corrections=tuple(stage.edits for stage in corrections),
        same_length=opencc.same_length,
        compact=compact,
    )
    return NormalizeResult(
        text=stages[-1].text,
        source=source,
        encoding=encoding,
        script=script,
        flags=tuple(sorted(flags, key=lambda f: (f.start, f.end, f.kind))),
        staged=staged,
    )


def _same(pos: int) -> int:
    return pos


def _moved(flag: Flag, to_source) -> Flag:
    return replace(flag, start=to_source(flag.start), end=to_source(flag.end))
