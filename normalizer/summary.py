"""What a list of edits amounts to, as the report shows it: counts per kind and how often
each change was made (:class:`normalizer.model.EditSummary`).

:func:`summarize` is the reference: it reads every :class:`~normalizer.model.Edit`. The
others compute the same summary from compact forms (a stage's
:class:`~normalizer.edits.AlignedEdits`, summaries of parts), because a 1 MB traditional
article has ~100,000 converted characters and building an edit for each costs more than
converting the text.

The histograms are kept compact (:class:`~normalizer.tally.PairTally`: code points and
tallies in numpy) and named only when someone reads ``summary.mappings``: a batch run
adds them up without ever naming a file's pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress
from operator import ne

from .edits import BY_POSITION, AlignedEdits
from .model import ANNOTATION, DECODE_REPLACE, Edit, EditSummary
from .tally import ARROW, PairTally, sum_tallies


def mapping_key(before: str, after: str) -> str:
    """How a change is named in a summary's histogram: ``協→协``."""
    return f"{before}{ARROW}{after}"


def ordered(tally: Mapping[str, int]) -> dict[str, int]:
    """A histogram in report order: most frequent first, then by key."""
    return dict(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])))


def summarize(edits: Iterable[Edit]) -> EditSummary:
    """The :class:`EditSummary` of a list of edits (the reference the fast paths must equal)."""
    counts: Counter[str] = Counter()
    same: dict[str, tuple[list[str], list[str]]] = {}
    other: dict[str, Counter[str]] = {}
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
            other.setdefault(e.kind, Counter())[mapping_key(e.before, e.after)] += 1
    tallies = {}
    for kind in same.keys() | other.keys():
        b, a = ("".join(part) for part in same.get(kind, ((), ())))
        # One pass in C over all of a kind's characters, counted by pair.
        pairs = Counter(compress(zip(b, a), map(ne, b, a)))
        tallies[kind] = PairTally.of_pairs(pairs, other.get(kind))
    return EditSummary(dict(counts), tallies, tuple(annotations), tuple(replaced))


def merge_summaries(summaries: Iterable[EditSummary]) -> EditSummary:
    """One summary for edits listed in several summaries (e.g. one per stage)."""
    counts: Counter[str] = Counter()
    tallies: list[Mapping[str, PairTally]] = []
    annotations: list[Edit] = []
    replaced: list[Edit] = []
    for summary in summaries:
        counts.update(summary.counts)
        tallies.append(summary.tallies)  # type: ignore[arg-type]  # the package's tallies are PairTally
        annotations.extend(summary.annotations)
        replaced.extend(summary.replaced)
    annotations.sort(key=BY_POSITION)
    replaced.sort(key=BY_POSITION)
    return EditSummary(dict(counts), sum_tallies(tallies), tuple(annotations), tuple(replaced))


def aligned_summary(edits: AlignedEdits, cuts: Sequence[int] = ()) -> EditSummary:
    """:func:`summarize` of compact conversion edits once split at ``cuts`` (as
    :class:`~normalizer.edits.EditLog` splits a run at a deletion made by an earlier
    stage), computed in numpy without building the edits."""
    if not edits:
        return EditSummary({}, {})
    return EditSummary({edits.kind: edits.count(cuts)}, {edits.kind: PairTally.of_codes(*edits.changed_codes())})
