"""The pre-commit hooks ``zhnorm fix`` / ``zhnorm check`` and the repository configuration.

Called as pre-commit calls them (file names in, exit status and one line per file
out) through :func:`normalizer.hook.main` and the click command, on temporary files;
the last test runs the real ``pre-commit try-repo`` in a temporary git repository.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_texts import EVERYDAY_CLEAN_LINES

from normalizer import hook
from normalizer.cli import main as cli
from normalizer.config import Config, ConfigError, find_config, load_config, parse_config

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SEED_000 = "000_9f6a37fa5ed33f85.txt"
SEED_001 = "001_449be7fe8a02e952.txt"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
NEWS = "中国人民银行今天宣布,下调金融机构存款准备金率0.5个百分点。\n记者从会上获悉,全年经济增长目标基本实现。\n"
FRENCH = "Le gouvernement français a annoncé mercredi une réforme élargie des retraites.\nÀ Paris, on a défilé.\n"
OLD = 1_000_000_000_000_000_000  # an mtime (ns) far from now: any rewrite would change it


def seed(name: str) -> bytes:
    return (SHARED / "seeds" / name).read_bytes()


def expected(name: str) -> bytes:
    return (SHARED / "expected" / name).read_bytes()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory that looks like a repository root (configuration lookup stops here)."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def put(path: Path, data: bytes) -> Path:
    """Write ``data`` with an old mtime, so a rewrite shows in the mtime as well as the bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(OLD, OLD))
    return path


def untouched(path: Path, data: bytes) -> bool:
    return path.read_bytes() == data and path.stat().st_mtime_ns == OLD


def corrupt_gb18030() -> bytes:
    """Chinese text in GB18030 with a stray byte: undecodable with errors='strict'."""
    data = (NEWS * 3).encode("gb18030")
    return data[:40] + b"\xff" + data[40:]


# --- hook.main: what pre-commit sees -----------------------------------------------------


@pytest.mark.parametrize("mode", ["fix", "check"])
def test_clean_file_is_left_alone_silently(repo: Path, capsys: pytest.CaptureFixture[str], mode: str):
    clean = put(repo / "clean.txt", expected(SEED_001))
    assert hook.main([mode, "clean.txt"]) == 0
    assert untouched(clean, expected(SEED_001))
    assert capsys.readouterr() == ("", "")


def test_fix_rewrites_noisy_seed_to_expected_then_passes(repo: Path, capsys: pytest.CaptureFixture[str]):
    noisy = put(repo / "corpus" / "a.txt", seed(SEED_001))
    assert hook.main(["fix", "corpus/a.txt"]) == 1
    assert noisy.read_bytes() == expected(SEED_001)
    out, err = capsys.readouterr()
    assert out == "Fixing corpus/a.txt: 263 annotations removed, 412 characters converted\n"
    assert err == ""
    os.utime(noisy, ns=(OLD, OLD))
    assert hook.main(["fix", "corpus/a.txt"]) == 0  # idempotent: the second run passes
    assert untouched(noisy, expected(SEED_001))
    assert capsys.readouterr() == ("", "")


def test_gb18030_file_is_rewritten_as_utf8(repo: Path, capsys: pytest.CaptureFixture[str]):
    legacy = put(repo / "legacy.txt", seed(SEED_001).decode("utf-8").encode("gb18030"))
    assert hook.main(["fix", "legacy.txt"]) == 1
    assert legacy.read_bytes() == expected(SEED_001)
    assert capsys.readouterr().out.rstrip("\n").endswith("characters converted, gb18030 → utf-8")


def test_clean_text_in_gb18030_is_only_reencoded(repo: Path, capsys: pytest.CaptureFixture[str]):
    legacy = put(repo / "legacy.txt", expected(SEED_000).decode("utf-8").encode("gb18030"))
    assert hook.main(["fix", "legacy.txt"]) == 1
    assert legacy.read_bytes() == expected(SEED_000)
    assert capsys.readouterr().out == "Fixing legacy.txt: gb18030 → utf-8\n"


def test_byte_order_mark_is_removed(repo: Path, capsys: pytest.CaptureFixture[str]):
    bom = put(repo / "bom.txt", b"\xef\xbb\xbf" + NEWS.encode())
    assert hook.main(["fix", "bom.txt"]) == 1
    assert bom.read_bytes() == NEWS.encode()
    assert capsys.readouterr().out == "Fixing bom.txt: byte-order mark removed\n"


def test_fix_keeps_the_file_mode(repo: Path):
    noisy = put(repo / "a.txt", seed(SEED_001))
    noisy.chmod(0o640)
    assert hook.main(["fix", "a.txt"]) == 1
    assert stat.S_IMODE(noisy.stat().st_mode) == 0o640
    assert [p.name for p in repo.iterdir() if p.name != ".git"] == ["a.txt"]  # no temporary left


def test_fix_writes_through_a_symbolic_link(repo: Path):
    target = put(repo / "real.txt", seed(SEED_001))
    (repo / "link.txt").symlink_to("real.txt")
    assert hook.main(["fix", "link.txt"]) == 1
    assert (repo / "link.txt").is_symlink()
    assert target.read_bytes() == expected(SEED_001)


@pytest.mark.parametrize("mode", ["fix", "check"])
def test_binary_file_is_refused_and_untouched(repo: Path, capsys: pytest.CaptureFixture[str], mode: str):
    image = put(repo / "image.txt", PNG)
    assert hook.main([mode, "image.txt"]) == 1
    assert untouched(image, PNG)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "Cannot normalize image.txt: not text: binary (PNG image); left untouched\n"


@pytest.mark.parametrize("data", [corrupt_gb18030(), FRENCH.encode("latin-1")], ids=["corrupt-gb18030", "latin-1"])
def test_undecodable_file_is_refused_and_untouched(repo: Path, capsys: pytest.CaptureFixture[str], data: bytes):
    bad = put(repo / "bad.txt", data)
    assert hook.main(["fix", "bad.txt"]) == 1
    assert untouched(bad, data)
    err = capsys.readouterr().err
    assert err.startswith("Cannot normalize bad.txt: cannot decode: ")
    assert err.endswith("; left untouched\n")
    assert err.count("\n") == 1


def test_errors_replace_fixes_a_few_bad_bytes(repo: Path, capsys: pytest.CaptureFixture[str]):
    bad = put(repo / "bad.txt", corrupt_gb18030())
    assert hook.main(["fix", "--errors", "replace", "bad.txt"]) == 1
    text = bad.read_bytes().decode("utf-8")
    assert text.count("\ufffd") == 3
    assert "undecodable bytes replaced with U+FFFD, gb18030 → utf-8" in capsys.readouterr().out


def test_missing_file_and_directory_are_errors(repo: Path, capsys: pytest.CaptureFixture[str]):
    (repo / "folder").mkdir()
    assert hook.main(["fix", "missing.txt", "folder"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "Cannot normalize missing.txt: cannot read: No such file or directory; left untouched",
        "Cannot normalize folder: is a directory; left untouched",
    ]


def test_check_never_writes(repo: Path, capsys: pytest.CaptureFixture[str]):
    files = {
        "noisy.txt": seed(SEED_001),
        "legacy.txt": expected(SEED_000).decode().encode("gb18030"),
        "clean.txt": expected(SEED_000),
        "image.txt": PNG,
        "bad.txt": corrupt_gb18030(),
    }
    for name, data in files.items():
        put(repo / name, data)
    assert hook.main(["check", *files]) == 1
    for name, data in files.items():
        assert untouched(repo / name, data), name
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Would fix noisy.txt: 263 annotations removed, 412 characters converted",
        "Would fix legacy.txt: gb18030 → utf-8",
    ]
    assert [line.split(":")[0] for line in err.splitlines()] == [
        "Cannot normalize image.txt",
        "Cannot normalize bad.txt",
    ]


def test_exit_status_is_one_when_any_file_changed(repo: Path):
    put(repo / "clean.txt", expected(SEED_000))
    put(repo / "noisy.txt", seed(SEED_001))
    assert hook.main(["check", "clean.txt"]) == 0
    assert hook.main(["check", "clean.txt", "noisy.txt"]) == 1
    assert hook.main(["check"]) == 0  # pre-commit may call with no file at all


# --- configuration ---------------------------------------------------------------------------


def test_config_exclude_is_honoured(repo: Path, capsys: pytest.CaptureFixture[str]):
    (repo / ".zhnorm.toml").write_text('exclude = ["vendor", "*.orig.txt"]\n', encoding="utf-8")
    kept = {"vendor/x.txt": seed(SEED_001), "notes.orig.txt": seed(SEED_001)}
    for rel, data in kept.items():
        put(repo / rel, data)
    noisy = put(repo / "a.txt", seed(SEED_001))
    assert hook.main(["fix", *kept]) == 0
    for rel, data in kept.items():
        assert untouched(repo / rel, data)
    assert hook.main(["fix", "a.txt", *kept]) == 1
    assert noisy.read_bytes() == expected(SEED_001)
    assert capsys.readouterr().out == "Fixing a.txt: 263 annotations removed, 412 characters converted\n"


def test_config_in_pyproject_applies_from_a_subdirectory(repo: Path, monkeypatch: pytest.MonkeyPatch):
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "corpus"\n\n[tool.zhnorm]\ninclude = ["corpus/*"]\nerrors = "replace"\n', encoding="utf-8"
    )
    inside = put(repo / "corpus" / "bad.txt", corrupt_gb18030())
    outside = put(repo / "docs" / "a.txt", seed(SEED_001))
    monkeypatch.chdir(repo / "corpus")
    assert hook.main(["fix", "bad.txt", "../docs/a.txt"]) == 1
    assert inside.read_bytes().decode("utf-8").count("\ufffd") == 3  # errors = "replace" from the config
    assert untouched(outside, seed(SEED_001))  # not included


def test_command_line_errors_overrides_config(repo: Path):
    (repo / ".zhnorm.toml").write_text('errors = "replace"\n', encoding="utf-8")
    bad = put(repo / "bad.txt", corrupt_gb18030())
    assert hook.main(["check", "--errors", "strict", "bad.txt"]) == 1
    assert hook.main(["fix", "--errors", "strict", "bad.txt"]) == 1
    assert untouched(bad, corrupt_gb18030())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('exlcude = ["x"]\n', "unknown key(s) exlcude"),
        ('errors = "ignore"\n', "errors must be 'strict' or 'replace'"),
        ("jobs = 0\n", "jobs must be a positive integer"),
        ("exclude = [1]\n", "exclude must be a list of glob strings"),
        ("exclude = [\n", "invalid TOML"),
    ],
)
def test_invalid_config_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str], text: str, message: str):
    (repo / ".zhnorm.toml").write_text(text, encoding="utf-8")
    noisy = put(repo / "a.txt", seed(SEED_001))
    assert hook.main(["fix", "a.txt"]) == 2
    assert untouched(noisy, seed(SEED_001))
    err = capsys.readouterr().err
    assert err.startswith("zhnorm: error: ") and message in err
    result = CliRunner().invoke(cli, ["fix", "a.txt"])
    assert result.exit_code == 2 and message in result.output


def test_config_lookup(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.zhnorm]\nexclude = ['outer']\n", encoding="utf-8")
    project = tmp_path / "project"
    (project / "sub" / "deeper").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n", encoding="utf-8")
    # a pyproject.toml without [tool.zhnorm] is passed over
    assert load_config(project / "sub" / "deeper").exclude == ("outer",)
    # .zhnorm.toml wins over pyproject.toml in the same directory
    (project / ".zhnorm.toml").write_text("exclude = 'own'\n", encoding="utf-8")
    config = load_config(project / "sub" / "deeper")
    assert config == Config(exclude=("own",), path=project / ".zhnorm.toml")
    assert config.root == project
    # the walk stops at the repository root
    (project / ".zhnorm.toml").unlink()
    (project / ".git").mkdir()
    assert find_config(project / "sub") is None
    assert load_config(project / "sub") == Config()


def test_parse_config_rejects_non_table_and_accepts_all_keys(tmp_path: Path):
    table = {"include": ["*.txt"], "exclude": ["raw"], "errors": "strict", "jobs": 3}
    assert parse_config(table) == Config(("*.txt",), ("raw",), "strict", 3)
    with pytest.raises(ConfigError, match="jobs"):
        parse_config({"jobs": True})
    (tmp_path / "pyproject.toml").write_text("[tool]\nzhnorm = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must be a table"):
        find_config(tmp_path)


# --- the click commands ----------------------------------------------------------------------


def test_cli_fix_and_check(repo: Path):
    noisy = put(repo / "a.txt", seed(SEED_001))
    image = put(repo / "image.txt", PNG)
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "a.txt", "image.txt"])
    assert result.exit_code == 1
    assert "Would fix a.txt: 263 annotations removed, 412 characters converted" in result.output
    assert "Cannot normalize image.txt: not text: binary (PNG image); left untouched" in result.output
    assert untouched(noisy, seed(SEED_001))
    result = runner.invoke(cli, ["fix", "a.txt"])
    assert (result.exit_code, result.output) == (1, "Fixing a.txt: 263 annotations removed, 412 characters converted\n")
    assert noisy.read_bytes() == expected(SEED_001)
    result = runner.invoke(cli, ["fix", "a.txt"])
    assert (result.exit_code, result.output) == (0, "")
    assert untouched(image, PNG)


def test_run_reads_config_and_flags_override_it(repo: Path):
    (repo / ".zhnorm.toml").write_text('exclude = ["drafts"]\njobs = 1\n', encoding="utf-8")
    put(repo / "raw" / "a.txt", seed(SEED_001))
    put(repo / "raw" / "drafts" / "b.txt", seed(SEED_001))
    result = CliRunner().invoke(cli, ["run", "raw", "clean", "-q"])
    assert result.exit_code == 0, result.output
    assert (repo / "clean" / "a.txt").read_bytes() == expected(SEED_001)
    assert not (repo / "clean" / "drafts").exists()
    result = CliRunner().invoke(cli, ["run", "raw", "clean2", "-q", "--exclude", "a.txt"])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(repo / "clean2").as_posix() for p in (repo / "clean2").rglob("*.txt")) == [
        "drafts/b.txt"
    ]


# --- start-up cost -------------------------------------------------------------------------

HEAVY = ("numpy", "opencc", "pypinyin", "chardet", "concurrent", "multiprocessing", "json", "html", "normalizer.report")


#: Clean news holding 显著 and 著名, ``?`` between words and in a URL, a ``#话题#``.
EVERYDAY = ("\n".join(EVERYDAY_CLEAN_LINES) + "\n").encode() + expected(SEED_001)


@pytest.mark.parametrize("mode", ["check", "fix"])
@pytest.mark.parametrize("content", [expected(SEED_000), EVERYDAY], ids=["plain", "everyday"])
def test_a_clean_file_imports_nothing_heavy(repo: Path, mode: str, content: bytes):
    """The hook runs at every commit: a clean file, everyday content included, loads only click
    and the pipeline's own modules (not numpy, OpenCC or pypinyin)."""
    clean = put(repo / "clean.txt", content)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "normalizer", mode, "clean.txt"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert untouched(clean, content)
    loaded = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert {"click", "normalizer.pipeline"} <= loaded
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []


# --- end to end: the real pre-commit ---------------------------------------------------------


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def _hook_repo_copy(dest: Path) -> Path:
    """This checkout's working tree (tracked and untracked, not ignored) committed in a new repository.

    ``pre-commit try-repo`` on a dirty checkout only carries staged and tracked
    changes over, so new files (the hooks themselves, until committed) would be
    missing; a copy commits exactly what is on disk, without touching this checkout.
    """
    if (REPO / ".git").exists():
        listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
        files = [rel for rel in listed if rel and (REPO / rel).is_file()]
    else:  # pragma: no cover - an unpacked sdist
        files = [
            p.relative_to(REPO).as_posix() for p in REPO.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ]
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest / rel)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "commit.gpgsign=false",
         "commit", "-q", "--no-verify", "-m", "snapshot", cwd=dest)  # fmt: skip
    return dest


@pytest.mark.slow
def _git_repo(work: Path) -> Path:
    """A new, empty git repository at ``work`` with a committer set (pre-commit runs in one)."""
    assert shutil.which("git"), "the pre-commit tests need git"
    work.mkdir()
    _git("init", "-q", cwd=work)
    _git("config", "user.email", "test@example.com", cwd=work)
    _git("config", "user.name", "test", cwd=work)
    return work


def test_pre_commit_try_repo_end_to_end(tmp_path: Path):
    """Install the hooks with pre-commit (builds a virtualenv from PyPI) and run them for real."""
    hooks = _hook_repo_copy(tmp_path / "zhnorm")
    work = _git_repo(tmp_path / "corpus")
    files = {
        "a.txt": seed(SEED_001),
        "b.txt": expected(SEED_000).decode().encode("gb18030"),
        "clean.txt": expected(SEED_000),
    }
    for name, data in files.items():
        put(work / name, data)
    _git("add", *files, cwd=work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_", "VIRTUAL_ENV"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["NO_COLOR"] = "1"

    def try_repo(hook_id: str, *names: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook_id, "--color", "never"]
        return subprocess.run(
            [*cmd, "--files", *names], cwd=work, env=env, capture_output=True, text=True, timeout=900, check=False
        )

    first = try_repo("zhnorm-fix", *files)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Fixing a.txt: 263 annotations removed, 412 characters converted" in first.stdout
    assert "Fixing b.txt: gb18030 → utf-8" in first.stdout
    assert "Fixing clean.txt" not in first.stdout
    assert "files were modified by this hook" in first.stdout
    assert (work / "a.txt").read_bytes() == expected(SEED_001)
    assert (work / "b.txt").read_bytes() == expected(SEED_000)
    assert untouched(work / "clean.txt", expected(SEED_000))

    second = try_repo("zhnorm-fix", *files)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout

    fresh = put(work / "c.txt", seed(SEED_001))
    _git("add", "c.txt", cwd=work)
    check = try_repo("zhnorm-check", "c.txt", "a.txt")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "Would fix c.txt: 263 annotations removed, 412 characters converted" in check.stdout
    assert "a.txt" not in check.stdout.split("Failed", 1)[1]  # already clean: not mentioned
    assert untouched(fresh, seed(SEED_001))


README_REPO, README_REV = "/home/you/src/zhnorm", "0" * 40  # the example values README.md asks to replace


def readme_pre_commit_config() -> str:
    """The ``.pre-commit-config.yaml`` block of README.md, as printed there."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Use as a pre-commit hook") :]
    return section[section.index("```yaml\n") + len("```yaml\n") : section.index("\n```", section.index("```yaml"))]


@pytest.mark.slow
def test_the_readme_pre_commit_snippet_works_as_printed(tmp_path: Path):
    """README's block, with only its clone path and commit filled in, installs and runs the hook for real."""
    block = readme_pre_commit_config()
    assert f"repo: {README_REPO}" in block and f"rev: {README_REV}" in block
    hooks = _hook_repo_copy(tmp_path / "zhnorm")
    work = _git_repo(tmp_path / "corpus")
    config = block.replace(README_REPO, str(hooks)).replace(README_REV, _git("rev-parse", "HEAD", cwd=hooks).strip())
    (work / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    put(work / "a.txt", seed(SEED_001))
    _git("add", "a.txt", ".pre-commit-config.yaml", cwd=work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_", "VIRTUAL_ENV"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    ran = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=work, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr  # the hook rewrote a file: the commit stops for review
    assert "Fixing a.txt: 263 annotations removed, 412 characters converted" in ran.stdout
    assert (work / "a.txt").read_bytes() == expected(SEED_001)
