"""The shipped script character sets are what tools/derive_charsets.py derives from
the installed OpenCC's own dictionaries."""

import importlib.util
from pathlib import Path

from normalizer.charsets import simplified_only, traditional_only

REPO = Path(__file__).resolve().parent.parent


def _derive():
    spec = importlib.util.spec_from_file_location("derive_charsets", REPO / "tools" / "derive_charsets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.derive()


def test_shipped_charsets_match_opencc_data():
    derived = _derive()
    assert set(derived["traditional_only"]) == traditional_only()
    assert set(derived["simplified_only"]) == simplified_only()


def test_sets_hold_the_characters_news_needs():
    assert {"協", "會", "衞", "裡"} <= traditional_only()
    assert {"协", "会", "带", "显"} <= simplified_only()
    # valid in both scripts: never evidence for either
    assert not {"著", "乾", "干", "云", "范"} & (traditional_only() | simplified_only())
