"""Run a command with its output on a pseudo-terminal, as a person at a terminal would see it.

Shared by the tests of the progress bar (``test_cli``) and of hostile names and text
(``test_hostile_output``): zhnorm takes its terminal-only paths (progress, colour) only
when its output is a terminal.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path


def on_a_terminal(args: list[str], cwd: Path, *, columns: int = 80, stdout: bool = True) -> bytes:
    """What a ``columns``-wide terminal receives from ``args`` (its stderr, and its stdout too
    unless ``stdout`` is False, when stdout goes nowhere)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    out = slave if stdout else subprocess.DEVNULL
    proc = subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait()
    os.close(master)
    return b"".join(chunks)
