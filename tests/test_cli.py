"""The ``zhnorm`` command end to end, with click's CliRunner on temporary trees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_texts import encodes, make_tree
from terminal import on_a_terminal

from normalizer import __version__, normalize_bytes
from normalizer import cli as cli_module
from normalizer.cli import main
from normalizer.manifest import MANIFEST_NAME
from normalizer.report.assemble import REPORT_FLOOR

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED_000 = "000_9f6a37fa5ed33f85.txt"
SEED_001 = "001_449be7fe8a02e952.txt"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
UNDECODABLE = bytes(range(0x80, 0x100)) * 8  # no NUL, no control bytes, no plausible Chinese


def seed(name: str) -> str:
    return (SHARED / "seeds" / name).read_text(encoding="utf-8")


def expected(name: str) -> str:
    return (SHARED / "expected" / name).read_text(encoding="utf-8")


def big5_pair() -> tuple[bytes, str]:
    """Seed 000 without its one line Big5 cannot encode, as Big5, and its expected text."""
    src = seed(SEED_000).split("\n")
    exp = expected(SEED_000).split("\n")
    keep = [i for i, line in enumerate(src) if encodes(line, "big5")]
    assert len(keep) == len(src) - 1
    return "\n".join(src[i] for i in keep).encode("big5"), "\n".join(exp[i] for i in keep)


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def outputs(dst: Path) -> dict[str, bytes]:
    return {
        p.relative_to(dst).as_posix(): p.read_bytes() for p in dst.rglob("*") if p.is_file() and p.name != MANIFEST_NAME
    }


def report_of(report_dir: Path) -> dict:
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


# --- run ----------------------------------------------------------------------------


def test_run_mirrors_a_nested_tree_of_utf_encodings(tmp_path: Path):
    src = make_tree(
        tmp_path / "raw",
        {
            "2024/01/a-utf16.txt": seed(SEED_001).encode("utf-16"),
            "2024/01/b-utf16le.txt": seed(SEED_000).encode("utf-16-le"),
            "2024/02/c-bom.txt": seed(SEED_000).encode("utf-8-sig"),
            "d-utf8.txt": seed(SEED_001).encode("utf-8"),
            "empty.txt": b"",
            "img/logo.png": PNG,
        },
    )
    dst = tmp_path / "clean"
    result = invoke("run", src, dst, "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert outputs(dst) == {
        "2024/01/a-utf16.txt": expected(SEED_001).encode("utf-8"),
        "2024/01/b-utf16le.txt": expected(SEED_000).encode("utf-8"),
        "2024/02/c-bom.txt": expected(SEED_000).encode("utf-8"),
        "d-utf8.txt": expected(SEED_001).encode("utf-8"),
        "empty.txt": b"",
    }
    report = report_of(tmp_path / "clean.zhnorm-report")  # the default: DST.zhnorm-report beside DST
    records = {r["path"]: r for r in report["files"]}
    assert records["img/logo.png"]["status"] == "skipped"
    assert "PNG" in records["img/logo.png"]["reason"]
    assert records["empty.txt"]["status"] == "unchanged"
    assert records["2024/01/a-utf16.txt"]["encoding"] == "utf-16"
    assert records["2024/02/c-bom.txt"]["encoding"] == "utf-8-sig"
    assert report["totals"]["files"] == 6 and report["totals"]["written"] == 5
    assert "6 files" in result.output and "4 changed, 1 unchanged, 1 skipped, 0 errors" in result.output


@pytest.mark.parametrize("codec", ["gb18030", "big5"])
def test_run_decodes_legacy_encodings(tmp_path: Path, codec: str):
    if codec == "big5":
        data, want = big5_pair()
    else:
        data, want = seed(SEED_001).encode(codec), expected(SEED_001)
    src = make_tree(tmp_path / "raw", {"sub/doc.txt": data})
    result = invoke("run", src, tmp_path / "clean", "--jobs", "1", "--report", tmp_path / "rep")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "clean/sub/doc.txt").read_text(encoding="utf-8") == want
    assert report_of(tmp_path / "rep")["files"][0]["encoding"] == codec


def test_undecodable_file_is_an_error_and_the_others_are_written(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"a.txt": "協會".encode(), "bad.txt": UNDECODABLE, "z/c.txt": "開會".encode()})
    dst = tmp_path / "clean"
    result = invoke("run", src, dst, "--jobs", "2")
    assert result.exit_code == 1
    error_lines = [line for line in result.stderr.splitlines() if line.startswith(f"{src / 'bad.txt'}: ")]
    assert len(error_lines) == 1
    assert outputs(dst) == {"a.txt": "协会".encode(), "z/c.txt": "开会".encode()}
    record = next(r for r in report_of(tmp_path / "clean.zhnorm-report")["files"] if r["path"] == "bad.txt")
    assert record["status"] == "error" and record["reason"] and "\n" not in record["reason"]
    assert "1 error" in result.stdout


def test_undecodable_reason_names_the_decoding_problem(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"bad.txt": UNDECODABLE})
    result = invoke("run", src, tmp_path / "clean", "--jobs", "1")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(f"{src / 'bad.txt'}: no plausible Chinese encoding")


def test_rerun_rewrites_nothing_and_force_redoes_all(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"a/x.txt": seed(SEED_001).encode("utf-16"), "y.txt": "協會".encode()})
    dst = tmp_path / "clean"
    assert invoke("run", src, dst).exit_code == 0
    mtimes = {p: p.stat().st_mtime_ns for p in dst.rglob("*") if p.is_file() and p.name != MANIFEST_NAME}
    report = (tmp_path / "clean.zhnorm-report/report.json").read_bytes()
    again = invoke("run", src, dst)  # the inputs are a moment old: hashed, found the same
    assert again.exit_code == 0
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    assert "nothing changed since" in again.output
    assert (tmp_path / "clean.zhnorm-report/report.json").read_bytes() == report
    again = invoke("run", src, dst, "--jobs", "1")  # other options: a report of its own, every file reused
    totals = report_of(tmp_path / "clean.zhnorm-report")["totals"]
    assert (totals["reused"], totals["written"], totals["changed"]) == (2, 0, 2)
    assert "written: 0; up to date, not redone: 2" in again.output
    forced = invoke("run", src, dst, "--force")
    assert forced.exit_code == 0
    assert report_of(tmp_path / "clean.zhnorm-report")["totals"]["reused"] == 0


def test_dry_run_writes_nothing(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"a.txt": "協會".encode()})
    result = invoke("run", src, tmp_path / "clean", "--dry-run")
    assert result.exit_code == 0
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["raw", "raw/a.txt"]
    assert "1 changed" in result.output and "nothing written" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("raw", "raw/clean"), "inside SRC"),
        (("missing", "clean"), "does not exist"),
        (("raw", "clean", "--report", "raw/rep"), "inside SRC"),
    ],
)
def test_bad_usage_exits_2_with_one_line(tmp_path: Path, args: tuple[str, ...], message: str):
    make_tree(tmp_path / "raw", {"a.txt": "協會".encode()})
    result = invoke("run", *[tmp_path / a if not a.startswith("--") else a for a in args])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["raw", "raw/a.txt"]


def test_unknown_option_value_is_bad_usage(tmp_path: Path):
    assert invoke("run", tmp_path, tmp_path / "x", "--errors", "ignore").exit_code == 2


def test_report_lists_the_annotation_removals_of_seed_001(tmp_path: Path):
    seed_bytes = (SHARED / "seeds" / SEED_001).read_bytes()
    src = make_tree(tmp_path / "raw", {SEED_001: seed_bytes})
    result = invoke("run", src, tmp_path / "clean", "--report", tmp_path / "rep")
    assert result.exit_code == 0
    [record] = report_of(tmp_path / "rep")["files"]
    truth = normalize_bytes(seed_bytes)
    want = sorted((e.start, e.before) for e in truth.edits if e.kind == "annotation")
    got = sorted((start, before) for before, _after, _count, at in record["annotations"] for start, _line in at)
    assert len(got) == 263 and got == want
    # The report's size rule: within the corpus size, or within REPORT_FLOOR for a small run (kept whole).
    assert (tmp_path / "rep" / "report.json").stat().st_size <= max(REPORT_FLOOR, len(seed_bytes))


def test_full_detail_report_has_every_edit(tmp_path: Path):
    seed_bytes = (SHARED / "seeds" / SEED_001).read_bytes()
    src = make_tree(tmp_path / "raw", {SEED_001: seed_bytes})
    result = invoke("run", src, tmp_path / "clean", "--report", tmp_path / "rep", "--report-detail", "full")
    assert result.exit_code == 0
    report = report_of(tmp_path / "rep")
    assert report["truncated"] == []
    [record] = report["files"]
    truth = normalize_bytes(seed_bytes)
    conversions = [e for e in truth.edits if e.kind == "convert"]
    assert record["mappings"]["convert"]["協→协"] == sum(e.before.count("協") for e in conversions)
    assert len(record["edits"]) == len(truth.edits)


def test_committed_clean_corpus_is_what_run_produces(tmp_path: Path):
    raw, clean = REPO / "corpus" / "raw", REPO / "corpus" / "clean"
    result = invoke("run", raw, tmp_path / "clean", "--report", tmp_path / "rep", "--quiet")
    assert result.exit_code == 0 and result.output == ""
    produced = outputs(tmp_path / "clean")
    assert produced, "corpus/raw holds files"
    assert outputs(clean) == produced
    for name, data in produced.items():
        if (SHARED / "expected" / name).exists():
            assert data == (SHARED / "expected" / name).read_bytes()


# --- detect, diff, version ------------------------------------------------------------


def test_detect_table_and_json(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"t.txt": seed(SEED_001).encode("utf-16"), "s.txt": expected(SEED_000).encode()})
    table = invoke("detect", src)
    assert table.exit_code == 0
    rows = {line.split()[0]: line.split() for line in table.output.splitlines()[1:]}
    assert rows[f"{src.as_posix()}/t.txt"][1:] == ["utf-16", "traditional", "100%", "0%", "263", "0"]
    assert rows[f"{src.as_posix()}/s.txt"][1:4] == ["utf-8", "simplified", "0%"]
    as_json = invoke("detect", "--json", src / "t.txt")
    doc = json.loads(as_json.output)
    [record] = doc["files"]
    assert record["encoding"] == "utf-16" and record["script"]["verdict"] == "traditional"
    assert record["script"]["traditional_share"] > 0.99
    assert sum(g[2] for g in record["annotations"]) == 263
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["raw", "s.txt", "t.txt"]


def test_detect_exits_1_on_an_undecodable_file(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"bad.txt": UNDECODABLE, "ok.txt": "協會".encode()})
    result = invoke("detect", src)
    assert result.exit_code == 1
    assert "error:" in result.output and "ok.txt" in result.output


def test_diff_shows_edits_inline(tmp_path: Path):
    path = make_tree(tmp_path, {"a.txt": "第一行\n省科協(xié)召開會議\n".encode()}) / "a.txt"
    result = invoke("diff", path)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: utf-8, traditional; 2 convert, 1 annotation"
    assert lines[1:] == ["    2: 省科[-協-]{+协+}[-(xié)-]召[-開會議-]{+开会议+}"]
    assert "\x1b[" not in result.output


def test_diff_colour_is_opt_in_and_honours_no_color(tmp_path: Path, monkeypatch):
    path = make_tree(tmp_path, {"a.txt": "協會".encode()}) / "a.txt"
    coloured = invoke("diff", "--color", path)
    assert "\x1b[31m" in coloured.output and "[-" not in coloured.output
    monkeypatch.setattr(cli_module.sys.stdout, "isatty", lambda: True, raising=False)
    assert cli_module.want_color(None, {}) is True
    assert cli_module.want_color(None, {"NO_COLOR": "1"}) is False
    assert cli_module.want_color(True, {"NO_COLOR": "1"}) is True
    assert "\x1b[" not in invoke("diff", path, env={"NO_COLOR": "1"}).output


def test_version_and_python_m():
    assert invoke("--version").output.strip() == f"zhnorm, version {__version__}"
    proc = subprocess.run([sys.executable, "-m", "normalizer", "--version"], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == f"zhnorm, version {__version__}"


# --- progress and the HTML report -------------------------------------------------------


def test_progress_bar_redraws_in_place_and_clears():
    import io

    from normalizer.report.terminal import Progress

    now = [0.0]
    out = io.StringIO()
    bar = Progress(4, out, clock=lambda: now[0])
    bar.update()  # first update draws
    bar.update()  # within the interval: not redrawn
    now[0] = 1.0
    bar.update()
    bar.clear()
    bar.update()  # the last file always draws
    bar.clear()
    frames = out.getvalue().split("\r\x1b[K")
    assert frames == [
        "",
        f"[{'#' * 7}{'.' * 23}] 1/4 files  25%",
        f"[{'#' * 22}{'.' * 8}] 3/4 files  75%",
        "",
        f"[{'#' * 30}] 4/4 files 100%",
        "",
    ]


def test_run_writes_the_html_report_and_shows_no_progress_without_a_terminal(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"a.txt": "協會(xié huì)\n".encode(), "bad.txt": UNDECODABLE})
    result = invoke("run", src, tmp_path / "clean")
    assert result.exit_code == 1
    assert "\r" not in result.stderr and "files" not in result.stderr  # errors only, no bar
    assert f"report: {tmp_path / 'clean.zhnorm-report' / 'report.html'} (open it in a browser" in result.stdout
    page = (tmp_path / "clean.zhnorm-report" / "report.html").read_text(encoding="utf-8")
    assert "bad.txt" in page and "no plausible Chinese encoding" in page


def test_html_report_module_is_imported_only_to_write_a_report():
    code = "import sys, normalizer.cli, normalizer.batch; print('normalizer.report.html_report' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


# --- where the report goes, and the small things every run prints ------------------------


def test_runs_into_two_destinations_keep_two_reports_each_named_at_the_end(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"a.txt": "協會".encode()})
    for name in ("a_clean", "b_clean"):
        result = invoke("run", src, tmp_path / name)
        assert result.exit_code == 0
        page = tmp_path / f"{name}.zhnorm-report" / "report.html"
        assert result.stdout.splitlines()[-1].startswith(f"report: {page} (open it in a browser")
    assert report_of(tmp_path / "a_clean.zhnorm-report")["run"]["dst"] == str(tmp_path / "a_clean")
    assert report_of(tmp_path / "b_clean.zhnorm-report")["run"]["dst"] == str(tmp_path / "b_clean")
    assert not (tmp_path / "reports").exists()
    again = invoke("run", src, tmp_path / "a_clean")  # a rerun says where the report is too
    assert again.stdout.splitlines()[-1].startswith(f"report: {tmp_path / 'a_clean.zhnorm-report' / 'report.html'}")
    dry = invoke("run", src, tmp_path / "c_clean", "--dry-run")
    assert dry.stdout.splitlines()[-1] == "report: none written (a dry run writes one only with --report DIR)"


def test_the_default_report_is_not_input_to_a_run_that_reads_dst(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"a.txt": "協會".encode()})
    assert invoke("run", src, tmp_path / "clean").exit_code == 0
    assert invoke("run", tmp_path / "clean", tmp_path / "again").exit_code == 0
    paths = [r["path"] for r in report_of(tmp_path / "again.zhnorm-report")["files"]]
    assert "a.txt" in paths and not any("report" in p for p in paths)


def test_default_report_dir_is_named_after_dst_beside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert cli_module.default_report_dir(Path("corpus/clean/")) == tmp_path / "corpus" / "clean.zhnorm-report"
    assert cli_module.default_report_dir(Path(".")) == tmp_path.with_name(tmp_path.name + ".zhnorm-report")
    assert cli_module.default_report_dir(Path("/")) == Path("/.zhnorm-report")


def run_on_a_terminal(args: list[str], columns: int, cwd: Path) -> str:
    """Run ``zhnorm ARGS`` with stderr on a pseudo-terminal ``columns`` wide; what the terminal got."""
    command = [sys.executable, "-m", "normalizer", *args]
    return on_a_terminal(command, cwd, columns=columns, stdout=False).decode("utf-8")


@pytest.mark.parametrize("columns", [40, 20])
def test_the_progress_bar_fits_a_narrow_terminal_without_wrapping(tmp_path: Path, columns: int):
    make_tree(tmp_path / "raw", {f"{i:03}.txt": "協會開會\n".encode() for i in range(120)})
    shown = run_on_a_terminal(["run", "raw", "clean", "--jobs", "1"], columns, tmp_path)
    frames = [f for f in shown.replace("\r\n", "\n").split("\r\x1b[K") if f]
    assert frames and frames[-1].startswith(("[", "120/120")) and "120/120 files" in frames[-1]
    assert "\n" not in shown  # no line feed: every redraw stays on the one line
    assert all(len(f) < columns for f in frames)  # the last column stays free: no automatic wrap


def test_progress_line_shrinks_its_bar_then_drops_it():
    import io

    from normalizer.report.terminal import Progress

    bar = Progress(10000, io.StringIO())
    bar.done = 5000
    assert bar.line(80) == f"[{'#' * 15}{'.' * 15}]  5000/10000 files  50%"
    assert bar.line(40) == f"[{'#' * 7}{'.' * 7}]  5000/10000 files  50%"  # 39 columns
    assert bar.line(30) == " 5000/10000 files  50%"
    assert bar.line(12) == " 5000/10000"


def test_an_error_in_detect_does_not_widen_the_script_column(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {"bad.txt": UNDECODABLE, "good.txt": "協會".encode()})
    result = invoke("detect", src)
    header, bad, good = result.stdout.splitlines()
    assert header.split() == ["path", "encoding", "script", "trad", "simp", "annotations", "flags"]
    assert header.index("trad") - header.index("script") == len("traditional  ")
    assert bad.split()[2:4] == ["-", "error:"] and bad.endswith(f"error: {bad.split('error: ')[1]}")
    assert "no plausible Chinese encoding" in bad
    assert good.split()[2] == "traditional"


def test_undecodable_bytes_errors_suggest_errors_replace(tmp_path: Path):
    # Valid UTF-8 Chinese with one stray byte: a strict reading fails, a replacing one would do.
    text = ("中华人民共和国成立了。" * 20).encode("utf-8")
    src = make_tree(tmp_path / "raw", {"one.txt": text[:30] + b"\xff" + text[30:]})
    hint = "(--errors replace writes U+FFFD for such bytes and records each)"
    result = invoke("run", src, tmp_path / "clean")
    assert result.exit_code == 1 and result.stderr.strip().endswith(hint)
    shown = invoke("diff", src / "one.txt")
    assert shown.exit_code == 1 and shown.stderr.strip().endswith(hint)
    assert invoke("run", src, tmp_path / "clean", "--errors", "replace").exit_code == 0


def test_errors_help_says_what_replace_does_for_each_command():
    def help_of(command: str) -> str:
        return " ".join(invoke(command, "--help").stdout.split())

    assert "'replace' writes U+FFFD in their place and records each as an edit" in help_of("run")
    assert "'replace' decodes them as U+FFFD and counts them (nothing is written)" in help_of("detect")
    assert "'replace' shows them as U+FFFD, each an edit (nothing is written)" in help_of("diff")
    assert "'replace' writes U+FFFD" in help_of("fix")
    assert "Exit status 0 when FILE could be normalized" in help_of("diff")


def test_the_command_starts_one_blas_thread_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy's OpenBLAS would start a thread per core in every process that imports it, for nothing:
    the command sets one before any import of numpy, and leaves a user's own setting alone."""
    monkeypatch.delenv(cli_module.BLAS_THREADS, raising=False)
    cli_module.single_threaded_blas()
    assert os.environ[cli_module.BLAS_THREADS] == "1"
    monkeypatch.setenv(cli_module.BLAS_THREADS, "4")
    cli_module.single_threaded_blas()
    assert os.environ[cli_module.BLAS_THREADS] == "4"


def test_a_command_sets_the_blas_threads_before_it_imports_numpy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a fresh process, as the command runs: numpy is not imported yet when the group sets the
    variable (so OpenBLAS reads it), and the pool's forkserver inherits it with the environment."""
    (tmp_path / "a.txt").write_text("這是測試。\n", encoding="utf-8")
    code = (
        "import os, sys\n"
        "from normalizer import cli\n"
        "seen = []\n"
        "def note():\n"
        "    seen.append('numpy' in sys.modules)\n"
        "    original()\n"
        "original, cli.single_threaded_blas = cli.single_threaded_blas, note\n"
        "try:\n"
        "    cli.main(['detect', sys.argv[1]], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'), seen, 'numpy' in sys.modules)\n"
    )
    monkeypatch.delenv(cli_module.BLAS_THREADS, raising=False)  # the child process inherits the rest
    args = [sys.executable, "-c", code, str(tmp_path / "a.txt")]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.stdout.split("\n")[-2] == "1 [False] True", done.stdout + done.stderr
