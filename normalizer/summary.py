"""What a list of edits amounts to, as the report shows it: counts per kind and how often
each change was made (:class:`normalizer.model.EditSummary`).

:func:`summarize` is the reference: it reads every :class:`~normalizer.model.Edit`. The
others compute the same summary from compact forms (a stage's
:class:`~normalizer.edits.AlignedEdits`, summaries of parts), because a 1 MB traditional
article has ~100,000 converted characters and building an edit for each costs more than
converting the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress
from operator import ne
from typing import TYPE_CHECKING

from .codepoints import as_text, np_module
from .edits import BY_POSITION, AlignedEdits
from .model import ANNOTATION, DECODE_REPLACE, Edit, EditSummary

if TYPE_CHECKING:
    import numpy as np


def mapping_key(before: str, after: str) -> str:
    """How a change is named in a summary's histogram: ``協→协``."""
    return f"{before}→{after}"


def ordered(tally: Mapping[str, int]) -> dict[str, int]:
    """A histogram in report order: most frequent first, then by key."""
    return dict(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])))


def summarize(edits: Iterable[Edit]) -> EditSummary:
    """The :class:`EditSummary` of a list of edits (the reference the fast paths must equal)."""
    counts: Counter[str] = Counter()
    same: dict[str, tuple[list[str], list[str]]] = {}
    mappings: dict[str, Counter[str]] = {}
    annotations: list[Edit] = []
    replaced: list[Edit] = []
    for e in edits:
        counts[e.kind] += 1
        kinds = e.kind.split("+")
        if DECODE_REPLACE in kinds:
            replaced.append(e)
        elif ANNOTATION in kinds:
            annotations.append(e)
        elif len(e.before) == len(e.after):
            befores, afters = same.setdefault(e.kind, ([], []))
            befores.append(e.before)
            afters.append(e.after)
        else:
            mappings.setdefault(e.kind, Counter())[mapping_key(e.before, e.after)] += 1
    for kind, (befores, afters) in same.items():
        b, a = "".join(befores), "".join(afters)
        # One pass in C over all of a kind's characters; each distinct pair named once.
        pairs = Counter(compress(zip(b, a), map(ne, b, a)))
        mappings.setdefault(kind, Counter()).update({mapping_key(x, y): n for (x, y), n in pairs.items()})
    return EditSummary(dict(counts), {k: ordered(c) for k, c in mappings.items()}, tuple(annotations), tuple(replaced))


def merge_summaries(summaries: Iterable[EditSummary]) -> EditSummary:
    """One summary for edits listed in several summaries (e.g. one per stage)."""
    counts: Counter[str] = Counter()
    mappings: dict[str, list[Mapping[str, int]]] = {}
    annotations: list[Edit] = []
    replaced: list[Edit] = []
    for summary in summaries:
        counts.update(summary.counts)
        for kind, tally in summary.mappings.items():
            mappings.setdefault(kind, []).append(tally)
        annotations.extend(summary.annotations)
        replaced.extend(summary.replaced)
    annotations.sort(key=BY_POSITION)
    replaced.sort(key=BY_POSITION)
    merged = {k: dict(t[0]) if len(t) == 1 else ordered(sum(map(Counter, t), Counter())) for k, t in mappings.items()}
    return EditSummary(dict(counts), merged, tuple(annotations), tuple(replaced))


def aligned_summary(edits: AlignedEdits, cuts: Sequence[int] = ()) -> EditSummary:
    """:func:`summarize` of compact conversion edits once split at ``cuts`` (as
    :class:`~normalizer.edits.EditLog` splits a run at a deletion made by an earlier
    stage), computed in numpy without building the edits."""
    if not edits:
        return EditSummary({}, {})
    return EditSummary({edits.kind: edits.count(cuts)}, {edits.kind: pair_histogram(*edits.changed_codes())})


def pair_histogram(before: np.ndarray, after: np.ndarray) -> dict[str, int]:
    """How often each (before, after) code-point pair occurs, as an :func:`ordered`
    histogram keyed by :func:`mapping_key`: counted, sorted and named in numpy."""
    np = np_module()
    keys = (before.astype(np.uint64) << np.uint64(21)) | after.astype(np.uint64)
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    at = np.flatnonzero(first)
    tallies = np.diff(np.append(at, len(keys)))
    order = np.argsort(-tallies, kind="stable")  # keys are sorted: ties stay in (before, after) order
    values = keys[at][order]
    named = np.zeros((len(values), 4), dtype=np.uint32)  # "協→协\0" per pair: one split names them all
    named[:, 0] = values >> np.uint64(21)
    named[:, 1] = ord(mapping_key("", ""))
    named[:, 2] = values & np.uint64(0x1FFFFF)
    names = as_text(named.ravel()).split("\x00")
    return dict(zip(names, tallies[order].tolist()))
