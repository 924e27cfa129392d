"""Reading inputs: binary detection, file states, files that change while they are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from normalizer.inputs import binary_reason

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED_001 = "001_449be7fe8a02e952.txt"


def seed(name: str) -> str:
    return (SHARED / "seeds" / name).read_text(encoding="utf-8")


# --- binary detection ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
        (b"PK\x03\x04" + b"x" * 100, "zip"),
        (bytes(range(256)) * 4, "NUL"),
        (b"\x01\x02\x03\x04\x05\x06abc" * 50, "control"),
    ],
)
def test_binary_files_are_recognised(data: bytes, why: str):
    reason = binary_reason(data)
    assert reason is not None and why in reason


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8", "utf-8-sig", "gb18030"])
def test_text_in_any_supported_encoding_is_not_binary(codec: str):
    assert binary_reason(seed(SEED_001).encode(codec)) is None


def test_empty_file_is_text():
    assert binary_reason(b"") is None
