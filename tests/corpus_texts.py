"""The shared seed and expected texts, for fixtures and for hypothesis strategies,
and a builder for temporary corpus trees.

Strategies are built at import time, so they cannot use pytest fixtures; this module
is the one place that knows where the files live.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS_DIR = SHARED / "seeds"
EXPECTED_DIR = SHARED / "expected"

SEED_000 = "000_9f6a37fa5ed33f85"
SEED_001 = "001_449be7fe8a02e952"


@cache
def load_seeds() -> dict[str, tuple[bytes, str]]:
    """name (file stem) → (seed bytes, expected text)."""
    seeds = {}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        expected = (EXPECTED_DIR / path.name).read_bytes().decode("utf-8")
        seeds[path.stem] = (path.read_bytes(), expected)
    return seeds


def seed_texts() -> list[str]:
    return [data.decode("utf-8") for data, _ in load_seeds().values()]


def expected_texts() -> list[str]:
    return [expected for _, expected in load_seeds().values()]


def lines_of(texts: list[str], min_len: int = 1) -> list[str]:
    return [line for text in texts for line in text.splitlines() if len(line) >= min_len]


def make_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Write ``{relative path: bytes}`` under ``root`` (a temporary corpus) and return root."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def encodes(text: str, codec: str) -> bool:
    """Whether ``codec`` can hold ``text`` (Big5 lacks simplified characters and most pinyin)."""
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
