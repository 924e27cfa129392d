"""The shared seed and expected texts, for fixtures and for hypothesis strategies,
and a builder for temporary corpus trees.

Strategies are built at import time, so they cannot use pytest fixtures; this module
is the one place that knows where the files live.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS_DIR = SHARED / "seeds"
EXPECTED_DIR = SHARED / "expected"

SEED_000 = "000_9f6a37fa5ed33f85"
SEED_001 = "001_449be7fe8a02e952"

#: Clean simplified news lines with what clean text often holds besides hanzi: 著 words,
#: ASCII question marks between words and in URLs, hashtags, ``#`` that is no entity.
EVERYDAY_CLEAN_LINES = (
    "这一措施显著提升了企业的融资能力。",
    "著名经济学家在会上发言,他的著作影响深远。",
    "#两会# 代表们热议科技创新。",
    "原文链接:https://www.example.org.cn/news/2023-12/29/content_1024.html?from=weibo&id=7#top",
    "记者问:明年的工作重点是什么?",
    "你好吗?我很好,今天天气不错。为什么?因为下雨了。",
    "第3期 #12 号文件,C# 与 Python 教程。",
    "土著居民的传统文化得到了保护,这部名著被译成多种语言。",
)


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


@cache
def load_tool(name: str) -> ModuleType:
    """A script of the repository's ``tools/`` folder (``derive_charsets``), imported as a module."""
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Write ``{relative path: bytes}`` under ``root`` (a temporary corpus) and return root."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def decodes(data: bytes, codec: str) -> bool:
    """Whether ``data`` decodes strictly as ``codec`` (which proves little: GB18030 takes most Big5)."""
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def encodes(text: str, codec: str) -> bool:
    """Whether ``codec`` can hold ``text`` (Big5 lacks simplified characters and most pinyin)."""
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
