"""Compare a normalized benchmark corpus with its ground truth.

``python benchmarks/compare.py CORPUS CLEAN`` (CORPUS made by make_corpus.py):
wrong Han characters per 10,000, annotations left behind, real parentheses lost,
and characters changed in files that were simplified to begin with.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path

HAN = re.compile("[\u3400-\u9fff]")
LEFTOVER = re.compile(r"[\u4e00-\u9fff][(（]\s*[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[0-5]?\s*[)）]")


def compare(corpus: Path, clean: Path) -> dict:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    wrong = collections.Counter()
    han = 0
    leftovers = 0
    lost_parens = 0
    harm = 0
    missing = []
    length_mismatch = 0
    for rel, info in manifest.items():
        truth = (corpus / "truth" / rel).read_text(encoding="utf-8")
        out_path = clean / rel
        if not out_path.exists():
            missing.append(rel)
            continue
        got = out_path.read_text(encoding="utf-8")
        han += len(HAN.findall(truth))
        leftovers += len(LEFTOVER.findall(got))
        lost_parens += max(0, truth.count("（") + truth.count("(") - got.count("（") - got.count("("))
        if len(got) != len(truth):
            length_mismatch += 1
            continue
        diff = collections.Counter((a, b) for a, b in zip(truth, got) if a != b)
        wrong.update(diff)
        if info["script"] == "simplified":
            harm += sum(diff.values())
    return {
        "files": len(manifest),
        "missing": len(missing),
        "length_mismatch": length_mismatch,
        "wrong_per_10k": round(sum(wrong.values()) * 10_000 / max(han, 1), 2),
        "top_wrong": [f"{a}→{b}×{n}" for (a, b), n in wrong.most_common(8)],
        "annotations_left": leftovers,
        "parentheses_lost": lost_parens,
        "harm_on_simplified": harm,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("clean", type=Path)
    args = parser.parse_args()
    print(json.dumps(compare(args.corpus, args.clean), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
