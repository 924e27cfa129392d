"""Nothing zhnorm prints carries a terminal control, a bidi control or a newline from a name or the corpus.

Every command runs as a real process, once with its output to a pipe and once to a
pseudo-terminal (``pty``: the progress bar and colour paths are taken there), on files
whose names hold ESC/BEL (an OSC sequence that sets a window title), U+202E (which
reverses what follows) and newlines that would forge a whole output line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from terminal import on_a_terminal

from normalizer.escapes import printable

TITLE = "t\x1b]0;PWN\x07.txt"  # an OSC sequence: sets the terminal's window title
BIDI = "bidi\u202etxt.exe"  # shows as "bidi" + "exe.txt" reversed
FORGED = "a\nfake.txt: skipped, binary\nb.txt"  # a newline forges a line of zhnorm's output
NAMES = (TITLE, BIDI, FORGED)
# A hostile text: screen clear, bell, a right-to-left override, in a traditional article.
TEXT = "臺灣新聞\x1b[2J報導\x07，記者\u202e說明。\n".encode()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _pipe(args: list[str], cwd: Path) -> bytes:
    proc = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    return proc.stdout


def _terminal(args: list[str], cwd: Path) -> bytes:
    """Output of ``args`` run with stdout and stderr on a pseudo-terminal."""
    return on_a_terminal(args, cwd)


def assert_harmless(out: bytes) -> None:
    """No raw control from a name or the text; the only ESCs are zhnorm's own: the progress
    bar's erase-line and the diff's colours (SGR)."""
    assert out, "the command printed nothing"
    own = out.replace(b"\r\x1b[K", b"").replace(b"\r\n", b"\n")  # the bar's redraw; a pty's line ends
    own = re.sub(rb"\x1b\[[0-9;]*m", b"", own)
    assert b"\x1b" not in own
    assert b"\x07" not in own
    assert "\u202e".encode() not in own
    assert b"\r" not in own
    assert not any(line.startswith(b"fake.txt") for line in own.split(b"\n")), out


def _zhnorm(*args: str) -> list[str]:
    return [sys.executable, "-m", "normalizer", *args]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """SRC (itself a hostile name) with a text file and a binary file under each hostile name."""
    src = tmp_path / ("src" + BIDI + "\x1b[2J")
    (src / "text").mkdir(parents=True)
    (src / "binary").mkdir()
    for name in NAMES:
        (src / "text" / name).write_bytes(TEXT)
        (src / "binary" / name).write_bytes(PNG)
    return src


@pytest.mark.parametrize("capture", [_pipe, _terminal], ids=["pipe", "pty"])
def test_run_prints_hostile_names_escaped(corpus: Path, capture):
    out = capture(_zhnorm("run", str(corpus), "dst", "--jobs", "1"), corpus.parent)
    assert_harmless(out)
    # the skipped binaries are named, each on one line, in the visible form
    for name in NAMES:
        assert printable("binary/" + name).encode() in out
    assert b"\\x1b]0;PWN\\x07" in out and b"\\u202e" in out and b"\\x0afake.txt: skipped, binary\\x0a" in out


@pytest.mark.parametrize("capture", [_pipe, _terminal], ids=["pipe", "pty"])
@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_detect_prints_hostile_names_escaped(corpus: Path, capture, as_json: bool):
    out = capture(_zhnorm("detect", str(corpus), *(["--json"] if as_json else [])), corpus.parent)
    assert_harmless(out)
    if as_json:
        import json

        doc = json.loads(out.replace(b"\r\n", b"\n"))
        assert len(doc["files"]) == 2 * len(NAMES)
    else:
        assert out.count(b"\\x1b]0;PWN\\x07") == 2


@pytest.mark.parametrize("capture", [_pipe, _terminal], ids=["pipe", "pty"])
@pytest.mark.parametrize("name", NAMES, ids=["title", "bidi", "forged"])
def test_diff_escapes_the_name_and_the_corpus_text(corpus: Path, capture, name: str):
    out = capture(_zhnorm("diff", str(corpus / "text" / name)), corpus.parent)
    assert_harmless(out)
    assert b"\\x1b[2J" in out and b"\\u202e" in out  # the text's own controls, visible
    assert "台湾".encode() in out


@pytest.mark.parametrize("capture", [_pipe, _terminal], ids=["pipe", "pty"])
@pytest.mark.parametrize("mode", ["check", "fix"])
def test_hooks_print_hostile_names_escaped(corpus: Path, capture, mode: str):
    files = [str(corpus / kind / name) for kind in ("text", "binary") for name in NAMES]
    out = capture(_zhnorm(mode, *files), corpus.parent)
    assert_harmless(out)
    verb = b"Fixing " if mode == "fix" else b"Would fix "
    assert out.count(verb) == len(NAMES)
    assert out.count(b"Cannot normalize ") == len(NAMES)


@pytest.mark.parametrize("capture", [_pipe, _terminal], ids=["pipe", "pty"])
def test_the_hook_module_without_click_escapes_too(corpus: Path, capture):
    files = [str(corpus / "text" / name) for name in NAMES]
    out = capture([sys.executable, "-m", "normalizer.hook", "check", *files], corpus.parent)
    assert_harmless(out)
    assert out.count(b"Would fix ") == len(NAMES)


def test_a_usage_error_names_a_hostile_path_escaped(tmp_path: Path):
    missing = tmp_path / ("gone\x1b]0;PWN\x07\nfake.txt: skipped, binary")
    out = _pipe(_zhnorm("run", str(missing), str(tmp_path / "dst")), tmp_path)
    assert_harmless(out)
    assert b"does not exist" in out
