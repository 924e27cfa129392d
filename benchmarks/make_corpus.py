"""Build a deterministic benchmark corpus from People's Daily, January 1998.

``python benchmarks/make_corpus.py OUT --mb 20 --seed 1`` writes

* ``OUT/raw/…``   the articles as a scraper would deliver them (nested folders),
* ``OUT/truth/…`` the simplified original of each article (UTF-8), same paths,
* ``OUT/manifest.json`` per file: script mix, encoding, annotation style.

Articles are 1–20 KB of consecutive paragraphs (``--article-bytes LO-HI`` changes that;
``--files N`` stops after N articles, whatever ``--mb`` says: ``--files 3000 --article-bytes
2000-12000`` makes the corpus of more, smaller files the throughput benchmark also uses).
Scripts: ~45% OpenCC s2t, 15% s2tw, 10% s2hk, 20% left simplified, 10% mixed paragraph
by paragraph. A quarter of the traditional files get pinyin noise as on spam mirrors: a per-file table of 40–80
characters annotated at every occurrence with their default tone-marked reading
(some files toneless, some doubled). Encodings: ~70% UTF-8, 5% UTF-8 with BOM,
12% GB18030, 10% Big5 (Big5-HKSCS, then UTF-8, when the text does not fit), 3% UTF-16.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pd1998 import load_text

SCRIPTS = [("s2t", 45), ("s2tw", 15), ("s2hk", 10), ("simplified", 20), ("mixed", 10)]
ENCODINGS = [("utf-8", 70), ("utf-8-sig", 5), ("gb18030", 12), ("big5", 10), ("utf-16", 3)]
HAN = re.compile("[\u4e00-\u9fff]")


def pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in table], weights=[w for _, w in table])[0]


def articles(
    paragraphs: list[str],
    rng: random.Random,
    total_bytes: int,
    sizes: tuple[int, int] = (1_000, 20_000),
    files: int | None = None,
):
    """Consecutive paragraphs grouped into articles of ``sizes`` bytes (UTF-8, at least one
    paragraph each) until ``total_bytes``, or until ``files`` articles when given."""
    i = 0
    produced = 0
    made = 0
    while (made < files) if files is not None else (produced < total_bytes):
        made += 1
        target = rng.randint(*sizes)
        chunk: list[str] = []
        size = 0
        while size < target:
            p = paragraphs[i % len(paragraphs)]
            i += 1
            chunk.append(p)
            size += len(p.encode("utf-8")) + 1
        produced += size
        yield "\n".join(chunk) + "\n"


def annotate(text: str, rng: random.Random, style: str) -> str:
    """Spam-mirror noise: a per-file table of characters annotated at every occurrence."""
    from pypinyin import Style, pinyin

    chars = sorted(set(HAN.findall(text)))
    table = rng.sample(chars, min(len(chars), rng.randint(40, 80)))
    reading = {}
    for c in table:
        tone = pinyin(c, style=Style.TONE)[0][0]
        if style == "toneless":
            tone = "".join(ch for ch in unicodedata.normalize("NFD", tone) if not unicodedata.combining(ch))
            tone = tone.replace("ü", "v")
        reading[c] = f"({tone})" * (2 if style == "doubled" else 1)
    return "".join(c + reading[c] if c in reading else c for c in text)


def encode(text: str, encoding: str) -> tuple[bytes, str]:
    tries = {"big5": ["big5", "big5hkscs", "utf-8"], "gb18030": ["gb18030", "utf-8"]}.get(encoding, [encoding])
    for enc in tries:
        try:
            return text.encode(enc), enc
        except UnicodeEncodeError:
            continue
    raise AssertionError("utf-8 always encodes")


def build(out: Path, mb: float, seed: int, sizes: tuple[int, int] = (1_000, 20_000), files: int | None = None) -> dict:
    rng = random.Random(seed)
    paragraphs = [p for p in load_text().split("\n") if p.strip()]
    rng.shuffle(paragraphs)
    converters = {name: opencc.OpenCC(name).convert for name in ("s2t", "s2tw", "s2hk")}
    manifest = {}
    for n, article in enumerate(articles(paragraphs, rng, int(mb * 1_000_000), sizes, files)):
        rel = f"{n % 7:02d}/{(n // 7) % 13:02d}/article_{n:05d}.txt"
        script = pick(rng, SCRIPTS)
        if script in converters:
            noisy = converters[script](article)
        elif script == "mixed":
            conv = converters[rng.choice(list(converters))]
            noisy = "\n".join(conv(p) if k % 2 else p for k, p in enumerate(article.split("\n")))
        else:
            noisy = article
        style = None
        if script in converters and rng.random() < 0.25:
            style = rng.choice(["toned", "toned", "toneless", "doubled"])
            noisy = annotate(noisy, rng, style)
        encoding = pick(rng, ENCODINGS)
        if encoding == "big5" and script in ("simplified", "mixed"):
            encoding = "gb18030"  # Big5 cannot hold simplified text
        data, used = encode(noisy, encoding)
        for root, content in (("raw", data), ("truth", article.encode("utf-8"))):
            path = out / root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        manifest[rel] = {"script": script, "encoding": used, "annotations": style}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    return manifest


def byte_range(value: str) -> tuple[int, int]:
    """``"2000-12000"`` -> (2000, 12000)."""
    lo, _, hi = value.partition("-")
    if not (lo.isdigit() and hi.isdigit() and 0 < int(lo) <= int(hi)):
        raise argparse.ArgumentTypeError(f"expected LO-HI in bytes, e.g. 2000-12000, not {value!r}")
    return int(lo), int(hi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--mb", type=float, default=20.0, help="size of the raw corpus in MB (of UTF-8 text)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--article-bytes",
        type=byte_range,
        default=(1_000, 20_000),
        metavar="LO-HI",
        help="article size in bytes (default 1000-20000)",
    )
    parser.add_argument("--files", type=int, help="make exactly this many articles (then --mb is ignored)")
    args = parser.parse_args()
    manifest = build(args.out, args.mb, args.seed, args.article_bytes, args.files)
    print(f"{len(manifest)} files in {args.out}/raw, truth in {args.out}/truth", file=sys.stderr)


if __name__ == "__main__":
    main()
