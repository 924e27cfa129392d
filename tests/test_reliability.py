"""Hostile input and faults: every case through ``zhnorm run`` and through ``zhnorm fix``.

Each case checks what the user sees (one line naming the file and the reason, the
exit status), that the other files are still done, that SRC is never touched (hashed
before and after), and that no partial output is left (no temporary file, no
truncated file: an output either holds its previous bytes or the complete new ones).

The tests run as root on CI, where ``chmod 000`` does not stop reads and a read-only
directory does not stop writes: unreadable files and unwritable targets are then
simulated by making ``normalizer.inputs.open_source`` / ``normalizer.atomic.create_temporary``
raise, and a full disk by making ``normalizer.atomic.write_all`` raise ENOSPC half-way through.
Large files are streamed when ``ZHNORM_STREAM_BYTES`` (or ``RunOptions.stream_bytes``) says so.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_texts import SEED_000, SEED_001, SEEDS_DIR, load_seeds

from normalizer import DecodeError, atomic, batch, hook, inputs, normalize_bytes, pipeline, stream
from normalizer.batch import MANIFEST_NAME, TEMP_MARK, RunOptions
from normalizer.cli import main as cli
from normalizer.manifest import dump

MODES = ["run", "fix"]
NEWS = "经济发展取得显著成效，记者从会上获悉。\n" * 300  # 17 KB of clean text: past the binary probe
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def noisy() -> bytes:
    return load_seeds()[SEED_001][0]


def clean() -> bytes:
    return load_seeds()[SEED_001][1].encode("utf-8")


def snapshot(root: Path) -> dict[bytes, tuple]:
    """Every entry under ``root`` (bytes names): a file's hash and mtime, a link's target."""
    found: dict[bytes, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            if os.path.islink(path):
                found[path] = ("link", os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    found[path] = ("file", hashlib.sha256(f.read()).hexdigest(), info.st_mtime_ns, info.st_mode)
            else:
                found[path] = ("dir",)
    return found


def temporaries(root: Path) -> list[bytes]:
    return [os.path.join(d, n) for d, _, names in os.walk(os.fsencode(root)) for n in names if TEMP_MARK.encode() in n]


@dataclass
class Ran:
    code: int
    out: str
    err: list[str]  # stderr lines
    src: Path
    dst: Path

    def output(self, name: str | bytes) -> bytes | None:
        """The output for ``name``: DST's file after run, the file itself after fix."""
        path = os.path.join(os.fsencode(self.dst), os.fsencode(name))
        return open(path, "rb").read() if os.path.isfile(path) else None

    def report(self) -> dict:
        return json.loads((self.dst.parent / "rep" / "report.json").read_text(encoding="utf-8"))

    def record(self, name: str) -> dict:
        return next(r for r in self.report()["files"] if r["path"] == name)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory that looks like a repository root (the hook's configuration lookup stops here)."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def put(root: Path, files: dict[str | bytes, bytes]) -> None:
    for name, data in files.items():
        path = os.path.join(os.fsencode(root), os.fsencode(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def zhnorm(
    repo: Path, mode: str, files: dict[str | bytes, bytes], *extra: str, changes: set[bytes] = frozenset()
) -> Ran:
    """``zhnorm run src dst`` or ``zhnorm fix src/...`` on ``files`` plus a noisy ``good.txt``.

    Checks what holds in every case: no temporary file anywhere; for run, SRC exactly as
    before (except the names in ``changes``, which the test itself modifies).
    """
    src, dst = repo / "src", repo / "dst"
    put(src, {**files, "good.txt": noisy()})
    before = snapshot(src)
    if mode == "run":
        args = ["run", str(src), str(dst), "--jobs", "1", "--report", str(repo / "rep"), *extra]
    else:
        names = [os.fsdecode(os.path.join(b"src", os.fsencode(n))) for n in [*files, "good.txt"]]
        args = ["fix", *extra, *names]
    result = CliRunner().invoke(cli, args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert temporaries(repo) == []
    if mode == "run":
        after = snapshot(src)
        assert {k: v for k, v in after.items() if k not in changes} == {
            k: v for k, v in before.items() if k not in changes
        }
        if result.exit_code != 2:
            assert (dst / "good.txt").read_bytes() == clean()  # the other files are done
    else:
        assert (src / "good.txt").read_bytes() == clean()
    return Ran(result.exit_code, result.stdout, result.stderr.splitlines(), src, dst if mode == "run" else src)


def one_line(ran: Ran, mode: str, name: str, reason: str) -> None:
    """Exactly one stderr line names ``name`` and holds ``reason``."""
    shown = f"{ran.src}/{name}" if mode == "run" else f"src/{name}"
    lines = [line for line in ran.err if shown + ":" in line]
    assert len(lines) == 1, ran.err
    assert reason in lines[0], lines[0]


def untouched_in_fix(ran: Ran, name: str, data: bytes) -> None:
    assert ran.output(name) == data


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_binary_file(repo: Path, mode: str):
    ran = zhnorm(repo, mode, {"pic.txt": PNG})
    one_line(ran, mode, "pic.txt", "binary (PNG image)")
    if mode == "run":
        assert ran.code == 0 and ran.output("pic.txt") is None
        assert ran.record("pic.txt")["status"] == "skipped"
    else:
        assert ran.code == 1
        untouched_in_fix(ran, "pic.txt", PNG)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["head", "tail"])
def test_nul_bytes_inside_text(repo: Path, mode: str, where: str):
    # OpenCC stops at NUL and the rest of the line would be lost: refused, never cut short.
    line = "他說\x00話。\n"
    data = ((line + NEWS) if where == "head" else (NEWS + line)).encode("utf-8")
    ran = zhnorm(repo, mode, {"nul.txt": data})
    assert ran.code == 1
    one_line(ran, mode, "nul.txt", "NUL" if where == "tail" else "")
    if mode == "run":
        assert ran.output("nul.txt") is None
        assert ran.record("nul.txt")["status"] in ("error", "skipped")
    else:
        untouched_in_fix(ran, "nul.txt", data)


@pytest.mark.parametrize("mode", MODES)
def test_nul_in_a_streamed_file_writes_nothing(repo: Path, mode: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ZHNORM_STREAM_BYTES", "1000")
    monkeypatch.setenv("ZHNORM_PIECE_CHARS", "2000")
    data = (NEWS * 3 + "他說\x00話。\n" + NEWS).encode("utf-8")
    ran = zhnorm(repo, mode, {"nul.txt": data})
    assert ran.code == 1
    one_line(ran, mode, "nul.txt", "NUL")
    if mode == "run":
        assert ran.output("nul.txt") is None
    else:
        untouched_in_fix(ran, "nul.txt", data)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("errors", ["strict", "replace"])
@pytest.mark.parametrize("where", ["truncated end", "corrupt middle"])
def test_undecodable_bytes(repo: Path, mode: str, errors: str, where: str):
    text = clean()
    if where == "truncated end":
        data, bad = text + "中".encode()[:2], 2
    else:
        cut = text.index("。".encode(), len(text) // 2) + 3
        data, bad = text[:cut] + b"\xff\xfe\xfd" + text[cut:], 3
    ran = zhnorm(repo, mode, {"bad.txt": data}, "--errors", errors)
    if errors == "strict":
        assert ran.code == 1
        one_line(ran, mode, "bad.txt", "undecodable bytes as utf-8")
        if mode == "run":
            assert ran.output("bad.txt") is None
            assert ran.record("bad.txt")["status"] == "error"
        else:
            untouched_in_fix(ran, "bad.txt", data)
    else:
        out = ran.output("bad.txt")
        assert out is not None and out.decode("utf-8").count("\ufffd") == bad  # one U+FFFD per bad byte
        assert out.replace("\ufffd".encode(), b"") == text
        if mode == "run":
            assert ran.code == 0
            assert ran.record("bad.txt")["edit_counts"] == {"decode-replace": 1}
        else:
            assert ran.code == 1
            assert any(f"{bad} undecodable bytes replaced" in line for line in ran.out.splitlines())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("data", "fixed"),
    [(b"", None), (b"\xef\xbb\xbf", "byte-order mark removed"), (b"\xff\xfe", "utf-16 → utf-8")],
    ids=["0-byte", "utf-8 BOM only", "utf-16 BOM only"],
)
def test_empty_files(repo: Path, mode: str, data: bytes, fixed: str | None):
    ran = zhnorm(repo, mode, {"empty.txt": data})
    assert ran.output("empty.txt") == b""
    assert not [line for line in ran.err if "empty.txt" in line]
    if mode == "run":
        assert ran.code == 0
        assert ran.record("empty.txt")["status"] == ("unchanged" if not data else "changed")
    else:
        assert ran.code == 1  # good.txt was fixed
        fixing = [line for line in ran.out.splitlines() if "empty.txt" in line]
        assert fixing == ([f"Fixing src/empty.txt: {fixed}"] if fixed else [])


LINE_UNIT = "经济发展取得显著成效，记者从会上获悉。" * 3 + "科協(xié)組織召開(kāi)會議，他說：「這是好事」。"
LINE_OUT = "经济发展取得显著成效，记者从会上获悉。" * 3 + "科协组织召开会议，他说：「这是好事」。"


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_a_single_huge_line(repo: Path, mode: str):
    """20 MB without a newline (over STREAM_BYTES): normalized in pieces, complete. 200 MB: benchmarks/."""
    mb = int(os.environ.get("ZHNORM_TEST_LINE_MB", "20"))
    n = mb * 2**20 // len(LINE_UNIT.encode()) + 1
    assert normalize_bytes((LINE_UNIT * 5).encode()).text == LINE_OUT * 5
    ran = zhnorm(repo, mode, {"line.txt": (LINE_UNIT * n).encode()})
    out = ran.output("line.txt")
    assert out is not None and len(out) == len(LINE_OUT.encode()) * n
    assert out == (LINE_OUT * n).encode()
    if mode == "run":
        assert ran.code == 0 and not ran.err
        record = ran.record("line.txt")
        assert record["status"] == "changed" and sum(group[2] for group in record["annotations"]) == 2 * n
    else:
        assert ran.code == 1 and f"Fixing src/line.txt: {2 * n} annotations removed" in ran.out


NAMES = [b"caf\xe9.txt", b"\xb7\xa8\xc8\xcb/\xff.txt"]  # Latin-1 and GBK bytes: not UTF-8


@pytest.mark.parametrize("mode", MODES)
def test_file_names_that_are_not_utf8(repo: Path, mode: str):
    ran = zhnorm(repo, mode, dict.fromkeys(NAMES, noisy()))
    for name in NAMES:
        assert ran.output(name) == clean()  # the output has the same bytes name
    shown = ["caf\\xe9.txt", "\\xb7\\xa8\\xc8\\xcb/\\xff.txt"]
    assert ran.code == (0 if mode == "run" else 1)
    if mode == "run":
        assert not ran.err
        assert {r["path"] for r in ran.report()["files"]} == {*shown, "good.txt"}
        manifest = dump(ran.dst)
        assert set(manifest["files"]) == {*shown, "good.txt"}
        again = CliRunner().invoke(cli, ["run", str(ran.src), str(ran.dst), "--jobs", "1", "--quiet"])
        assert again.exit_code == 0
        assert batch.run(ran.src, ran.dst, RunOptions(jobs=1)).report["totals"]["reused"] == 3
    else:
        for name in shown:
            assert any(line.startswith(f"Fixing src/{name}: ") for line in ran.out.splitlines()), ran.out


def _unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """``chmod 000``; as root (reads still work) the open is made to fail instead."""
    path.chmod(0)
    if os.geteuid() == 0:
        real = inputs.open_source

        def refuse(p):
            if os.fspath(p).endswith("secret.txt"):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(p))
            return real(p)

        monkeypatch.setattr(inputs, "open_source", refuse)


@pytest.mark.parametrize("mode", MODES)
def test_unreadable_file(repo: Path, mode: str, monkeypatch: pytest.MonkeyPatch):
    put(repo / "src", {"secret.txt": noisy()})
    _unreadable(monkeypatch, repo / "src" / "secret.txt")
    ran = zhnorm(repo, mode, {})
    (repo / "src" / "secret.txt").chmod(0o644)
    assert ran.code == 1
    if mode == "run":
        one_line(ran, mode, "secret.txt", "cannot read: Permission denied")
        assert ran.output("secret.txt") is None
    else:  # fix got only the other file: call it on the unreadable one
        result = CliRunner().invoke(cli, ["fix", "src/secret.txt"])
        (repo / "src" / "secret.txt").chmod(0o644) if os.geteuid() else None
        assert result.exit_code == 1
        assert result.stderr == "Cannot normalize src/secret.txt: cannot read: Permission denied; left untouched\n"
        assert (repo / "src" / "secret.txt").read_bytes() == noisy()


@pytest.mark.parametrize("mode", MODES)
def test_symbolic_link_loop_and_link_outside_src(repo: Path, mode: str, tmp_path_factory: pytest.TempPathFactory):
    outside_file = tmp_path_factory.mktemp("elsewhere") / "outside.txt"  # outside SRC and the repository
    outside_file.write_bytes(noisy())
    (repo / "outdir").mkdir()
    (repo / "outdir" / "x.txt").write_bytes(noisy())
    src = repo / "src"
    (src / "inner").mkdir(parents=True)
    (src / "loop.txt").symlink_to("loop.txt")
    (src / "out.txt").symlink_to(outside_file)
    (src / "ext").symlink_to(repo / "outdir")
    (src / "dirlink").symlink_to("inner")
    outside = snapshot(repo / "outdir") | {b"o": outside_file.read_bytes()}
    ran = zhnorm(repo, mode, {}) if mode == "run" else None
    if mode == "run":
        assert ran.code == 0
        one_line(ran, mode, "loop.txt", "skipped, symbolic link loop (not followed)")
        one_line(ran, mode, "out.txt", "skipped, symbolic link to outside SRC (not followed)")
        one_line(ran, mode, "ext", "skipped, symbolic link to outside SRC (not followed)")
        one_line(ran, mode, "dirlink", "skipped, symbolic link to a directory (not followed)")
        assert {r["path"]: r["status"] for r in ran.report()["files"]} == {
            "dirlink": "skipped",
            "ext": "skipped",
            "good.txt": "changed",
            "loop.txt": "skipped",
            "out.txt": "skipped",
        }
        assert sorted(p.name for p in ran.dst.iterdir()) == [MANIFEST_NAME, "good.txt"]
    else:
        result = CliRunner().invoke(cli, ["fix", "src/loop.txt", "src/out.txt"])
        assert result.exit_code == 1  # the loop cannot be read
        assert result.stderr.startswith("Cannot normalize src/loop.txt: cannot read: Too many levels of symbolic links")
        assert result.stdout == "Skipping src/out.txt: symbolic link to outside the repository (not followed)\n"
        assert temporaries(repo) == []
    assert snapshot(repo / "outdir") | {b"o": (outside_file).read_bytes()} == outside


def test_a_long_line_without_punctuation_streams_like_the_whole_file(tmp_path: Path):
    line = "科協(xié)" * 3000  # no sentence end, no space: the cut must not split "協(xié)"
    path = tmp_path / "a.txt"
    path.write_text(line, encoding="utf-8")
    _survey, pieces = stream.normalize_file(path, piece_chars=3000)
    assert "".join(p.result.text for p in pieces) == normalize_bytes(line.encode()).text == "科协" * 3000


def test_a_bom_like_pair_on_a_later_line_streams_like_the_whole_file(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\n\xfe\xff")  # normalize_bytes: DecodeError (no plausible encoding)
    with pytest.raises(DecodeError):
        _survey, pieces = stream.normalize_file(path)
        list(pieces)


def test_a_streamed_file_the_core_cannot_handle_is_one_error_line(repo: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ZHNORM_STREAM_BYTES", "0")
    ran = zhnorm(repo, "run", {"odd.txt": b"\n\xfe\xff"})
    assert ran.code == 1 and ran.output("odd.txt") is None
    one_line(ran, "run", "odd.txt", "")


# --- where the output goes ------------------------------------------------------------------


def test_dst_inside_src_is_refused(repo: Path):
    put(repo / "src", {"a.txt": noisy()})
    before = snapshot(repo)
    result = CliRunner().invoke(cli, ["run", "src", "src/out", "--jobs", "1"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "inside SRC" in result.stderr
    assert snapshot(repo) == before


def test_dst_that_is_a_file_is_refused(repo: Path):
    put(repo, {"src/a.txt": noisy(), "dst": b"not a folder"})
    before = snapshot(repo)
    result = CliRunner().invoke(cli, ["run", "src", "dst", "--jobs", "1"])
    assert result.exit_code == 2
    assert result.stderr == "zhnorm: error: DST dst exists and is not a directory\n"
    assert snapshot(repo) == before


def _refuse_temporaries(monkeypatch: pytest.MonkeyPatch, under: Path) -> None:
    """Creating a file under ``under`` fails as in a read-only directory (which root could write)."""
    real = atomic.create_temporary

    def create_temporary(target: str) -> tuple[int, str]:
        if os.path.abspath(target).startswith(str(under)):
            raise PermissionError(errno.EACCES, "Permission denied", os.path.dirname(target))
        return real(target)

    monkeypatch.setattr(atomic, "create_temporary", create_temporary)


def test_dst_not_writable_is_refused_before_any_file(repo: Path, monkeypatch: pytest.MonkeyPatch):
    put(repo / "src", {"a.txt": noisy()})
    _refuse_temporaries(monkeypatch, repo / "dst")
    result = CliRunner().invoke(cli, ["run", "src", "dst", "--jobs", "1", "--report", "rep"])
    assert result.exit_code == 2
    assert result.stderr == "zhnorm: error: DST dst is not writable: Permission denied\n"
    assert [p.name for p in repo.rglob("*") if p.is_file()] == ["a.txt"]


@pytest.mark.parametrize("mode", MODES)
def test_target_not_writable_is_an_error_for_that_file_only(repo: Path, mode: str, monkeypatch: pytest.MonkeyPatch):
    if mode == "run":  # dst/sub is a file: sub/a.txt cannot be written there
        put(repo, {"dst/sub": b"in the way"})
        ran = zhnorm(repo, mode, {"sub/a.txt": noisy()})
        one_line(ran, mode, "sub/a.txt", "cannot write")
        assert (repo / "dst" / "sub").read_bytes() == b"in the way"
    else:
        _refuse_temporaries(monkeypatch, repo / "src" / "locked")
        ran = zhnorm(repo, mode, {"locked/a.txt": noisy()})
        one_line(ran, mode, "locked/a.txt", "cannot write: Permission denied; left untouched")
        untouched_in_fix(ran, "locked/a.txt", noisy())
    assert ran.code == 1


def _disk_full(monkeypatch: pytest.MonkeyPatch, victim: str) -> None:
    """Writes of ``victim``'s temporary file fail with ENOSPC after half of their bytes."""
    real = atomic.write_all

    def write_all(fd: int, data: bytes) -> None:
        if victim in os.readlink(f"/proc/self/fd/{fd}"):
            real(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data)

    monkeypatch.setattr(atomic, "write_all", write_all)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_disk_full_during_a_write(repo: Path, mode: str, streamed: bool, monkeypatch: pytest.MonkeyPatch):
    if streamed:
        monkeypatch.setenv("ZHNORM_STREAM_BYTES", "1000")
        monkeypatch.setenv("ZHNORM_PIECE_CHARS", "1000")
    old = load_seeds()[SEED_000][1].encode("utf-8")
    if mode == "run":  # a previous run wrote victim.txt from other input
        put(repo / "src", {"victim.txt": load_seeds()[SEED_000][0]})
        batch.run(repo / "src", repo / "dst", RunOptions(jobs=1))
        assert (repo / "dst" / "victim.txt").read_bytes() == old
    _disk_full(monkeypatch, "victim.txt")
    ran = zhnorm(repo, mode, {"victim.txt": noisy()})
    assert ran.code == 1
    one_line(ran, mode, "victim.txt", "No space left on device")
    assert ran.output("victim.txt") == (old if mode == "run" else noisy())  # previous bytes, whole
    if mode == "run":
        assert ran.record("victim.txt")["status"] == "error"
        monkeypatch.undo()  # space again: the rerun finishes the job
        assert batch.run(repo / "src", repo / "dst", RunOptions(jobs=1)).exit_code == 0
        assert (repo / "dst" / "victim.txt").read_bytes() == clean()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_file_that_changes_while_being_read(repo: Path, mode: str, streamed: bool, monkeypatch: pytest.MonkeyPatch):
    victim = repo / "src" / "victim.txt"
    appended = "又一段。\n".encode()

    def meddle() -> None:  # another program appends to the file meanwhile
        with open(victim, "ab") as f:
            f.write(appended)

    if streamed:
        monkeypatch.setenv("ZHNORM_STREAM_BYTES", "1000")
        monkeypatch.setenv("ZHNORM_PIECE_CHARS", "1000")
        real_file = stream.normalize_file

        def normalize_file(path, **kwargs):
            found, pieces = real_file(path, **kwargs)
            if Path(path).name != "victim.txt":
                return found, pieces

            def meddled():
                for i, piece in enumerate(pieces):
                    if i == 1:
                        meddle()
                    yield piece

            return found, meddled()

        monkeypatch.setattr(stream, "normalize_file", normalize_file)
    else:
        real_bytes = normalize_bytes

        def normalize(data: bytes, **kwargs):
            if data == noisy() + b"X":
                meddle()
            return real_bytes(data, **kwargs)

        monkeypatch.setattr(pipeline, "normalize_bytes", normalize)
    data = noisy() + (b"X" if not streamed else b"")
    ran = zhnorm(repo, mode, {"victim.txt": data}, changes={os.fsencode(victim)})
    assert ran.code == 1
    one_line(ran, mode, "victim.txt", "changed while being read")
    if mode == "run":
        assert ran.output("victim.txt") is None
        assert ran.record("victim.txt")["status"] == "error"
    else:
        assert victim.read_bytes() == data + appended  # the other program's bytes, not our stale output


# --- huge files in pieces give the whole-file result --------------------------------------------


def _document() -> str:
    seeds = [data.decode("utf-8") for data, _ in load_seeds().values()]
    simplified = [expected for _, expected in load_seeds().values()]
    block = "\n".join([*seeds, *simplified, "他带著孩子。\n說?yōu)槿罕姷黄嗣袢褐诜務\n", "科協(xié)。" * 300])
    return "\n".join([block] * 4)


@pytest.mark.parametrize("detail", ["summary", "full"])
def test_streamed_files_give_the_whole_file_record_and_bytes(tmp_path: Path, monkeypatch, detail: str):
    text = _document()
    files = {f"{codec}.txt": text.encode(codec) for codec in ["utf-8", "gb18030", "utf-16", "utf-8-sig"]}
    files["replaced.txt"] = text.encode("utf-8")[:30_001] + b"\xff" + text.encode("utf-8")[30_001:]
    files["clean.txt"] = clean() * 20
    files["longline.txt"] = ("科協(xié)會議。" * 3000 + "\n" + text).encode("utf-8")  # a line longer than a piece
    put(tmp_path / "src", files)
    options = RunOptions(jobs=1, report_detail=detail, errors="replace")
    whole = batch.run(tmp_path / "src", tmp_path / "whole", options, report_dir=tmp_path / "r1")
    options = replace(options, stream_bytes=1000, piece_chars=3000)
    pieces = []
    real = stream.normalize_file

    def counted(path, **kwargs):
        found, parts = real(path, **kwargs)
        return found, (pieces.append(p) or p for p in parts)

    monkeypatch.setattr(stream, "normalize_file", counted)
    streamed = batch.run(tmp_path / "src", tmp_path / "streamed", options, report_dir=tmp_path / "r2")
    assert len(pieces) > 10 * len(files)
    # The one documented difference that applies here (see StreamRecordBuilder): a line cut into
    # pieces counts once per piece in script.lines. Everything else is equal.
    for a, b in zip(whole.records, streamed.records, strict=True):
        if a["path"] == "longline.txt":
            assert a["script"]["lines"] != b["script"]["lines"]
            a, b = ({**r, "script": {**r["script"], "lines": None}} for r in (a, b))
        assert a == b
    assert {r["status"] for r in whole.records} == {"changed", "unchanged"}
    for name in files:
        assert (tmp_path / "streamed" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    manifests = [dump(tmp_path / d) for d in ("whole", "streamed")]
    entries = [m["files"] for m in manifests]
    assert {k: e["sha256"] for k, e in entries[0].items()} == {k: e["sha256"] for k, e in entries[1].items()}
    # records too (but for the line cut in pieces)
    assert {k: e for k, e in entries[0].items() if k != "longline.txt"} == {
        k: e for k, e in entries[1].items() if k != "longline.txt"
    }
    assert manifests[1]["files"]["utf-8.txt"]["sha256"] == hashlib.sha256(files["utf-8.txt"]).hexdigest()
    again = batch.run(tmp_path / "src", tmp_path / "streamed", options)
    assert again.report["totals"]["reused"] == len(files)


def test_streamed_fix_and_check_match_the_whole_file(repo: Path, monkeypatch: pytest.MonkeyPatch):
    data = _document().encode("gb18030")
    put(repo, {"a.txt": data, "b.txt": data, "clean.txt": clean()})
    assert hook.main(["check", "a.txt"]) == 1
    whole = hook.run_hook(["a.txt", "clean.txt"], fix=True)
    monkeypatch.setenv("ZHNORM_STREAM_BYTES", "1000")
    monkeypatch.setenv("ZHNORM_PIECE_CHARS", "2000")
    assert hook.run_hook(["b.txt"], fix=False)[0].detail == whole[0].detail
    assert (repo / "b.txt").read_bytes() == data
    streamed = hook.run_hook(["b.txt", "clean.txt"], fix=True)
    assert [(o.status, o.detail) for o in streamed] == [(o.status, o.detail) for o in whole]
    assert whole[0].status == "fixed" and whole[1].status == "clean"
    assert (repo / "b.txt").read_bytes() == (repo / "a.txt").read_bytes()
    assert hook.run_hook(["b.txt"], fix=True)[0].status == "clean"
    assert temporaries(repo) == []


def test_a_streamed_record_stops_keeping_positions_past_its_cap(tmp_path: Path, monkeypatch):
    # memory must stay flat on huge files: past the cap, positions are dropped and named in
    # "truncated"; every count stays exact and the report still validates
    import jsonschema

    from normalizer.report import json_report

    seed = (SEEDS_DIR / "001_449be7fe8a02e952.txt").read_bytes()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "noisy.txt").write_bytes(seed * 3)
    options = RunOptions(jobs=1)
    whole = batch.run(tmp_path / "src", tmp_path / "whole", options, report_dir=tmp_path / "r1")
    options = replace(options, stream_bytes=1000, piece_chars=2000)
    monkeypatch.setattr(json_report, "STREAM_MAX_POSITIONS", 100)
    streamed = batch.run(tmp_path / "src", tmp_path / "streamed", options, report_dir=tmp_path / "r2")
    (a,), (b,) = whole.records, streamed.records
    assert b["truncated"] == ["annotations.at"]
    assert [g[:3] for g in a["annotations"]] == b["annotations"]
    assert sum(g[2] for g in b["annotations"]) == 3 * 263
    assert a["edit_counts"] == b["edit_counts"] and "mappings" not in a and "mappings" not in b
    assert streamed.report["totals"]["mappings"] == whole.report["totals"]["mappings"] != {}
    full = replace(options, report_detail="full")
    streamed_full = batch.run(tmp_path / "src", tmp_path / "streamed_full", full, report_dir=tmp_path / "r3")
    (c,) = streamed_full.records
    assert c["mappings"] == streamed_full.report["totals"]["mappings"] == whole.report["totals"]["mappings"]
    assert (tmp_path / "streamed" / "noisy.txt").read_bytes() == (tmp_path / "whole" / "noisy.txt").read_bytes()
    schema = json.loads((Path(json_report.__file__).parent / "schema.json").read_text("utf-8"))
    jsonschema.validate(json.loads((tmp_path / "r2" / "report.json").read_text("utf-8")), schema)
