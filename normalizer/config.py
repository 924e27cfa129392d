"""Settings a repository commits for ``zhnorm run``, ``fix`` and ``check``.

What: a ``.zhnorm.toml`` file (top-level keys) or a ``[tool.zhnorm]`` table in
``pyproject.toml``, found by walking up from the current directory. In each
directory ``.zhnorm.toml`` wins over ``pyproject.toml``; a ``pyproject.toml`` without
a ``[tool.zhnorm]`` table is passed over. The walk stops at the repository root (the
first directory holding ``.git``), so a checkout never picks up settings from
whatever directory it happens to live in.

Why: the pre-commit hook runs with nothing but file names, so the options a
corpus needs (which files to leave alone, whether undecodable bytes may become
U+FFFD) must live in the repository, where every contributor's run sees the same
values. Command-line flags override the file, option by option.

Keys::

    include = ["*.txt"]             # only matching files (default: all)
    exclude = ["vendor", "*.raw.txt"]
    errors = "strict"               # or "replace"
    jobs = 4                        # worker processes for ``zhnorm run``

Globs follow :func:`normalizer.selection.matches`: a glob without "/" matches any path
component. ``run`` matches paths relative to SRC, ``fix``/``check`` relative to the
directory holding the configuration file.

Unknown keys and wrong types are errors (:class:`ConfigError`): a misspelt
``exlcude`` silently doing nothing would rewrite files the user meant to protect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_NAME = ".zhnorm.toml"
PYPROJECT = "pyproject.toml"
ERRORS = ("strict", "replace")
KEYS = ("include", "exclude", "errors", "jobs")


class ConfigError(ValueError):
    """A configuration file exists but cannot be used (bad TOML, unknown key, wrong type)."""


@dataclass(frozen=True, slots=True)
class Config:
    """Settings from a configuration file; ``None``/empty means "not set here"."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    errors: str | None = None
    jobs: int | None = None
    path: Path | None = None  # the file the settings came from

    @property
    def root(self) -> Path | None:
        """Directory hook paths are matched relative to (the configuration file's)."""
        return self.path.parent if self.path is not None else None


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration file at or above ``start`` (default: the current
    directory) and its raw settings table, or None when there is none.

    Raises :class:`ConfigError` when a candidate file is not valid TOML.
    """
    directory = Path.cwd() if start is None else start
    directory = Path(os.path.abspath(directory))
    for folder in (directory, *directory.parents):
        own = folder / CONFIG_NAME
        if own.is_file():
            return own, _read_toml(own)
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {})
            table = table.get("zhnorm") if isinstance(table, dict) else None
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"{pyproject}: [tool.zhnorm] must be a table")
                return pyproject, table
        if (folder / ".git").exists():
            break
    return None


def load_config(start: Path | None = None) -> Config:
    """Validated settings of the nearest configuration file (an empty :class:`Config` when none)."""
    found = find_config(start)
    if found is None:
        return Config()
    path, table = found
    return parse_config(table, path)


def parse_config(table: dict[str, Any], path: Path | None = None) -> Config:
    """Check a raw settings table and turn it into a :class:`Config`."""
    where = f"{path}: " if path is not None else ""
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}unknown key(s) {', '.join(unknown)} (known: {', '.join(KEYS)})")
    errors = table.get("errors")
    if errors is not None and errors not in ERRORS:
        raise ConfigError(f"{where}errors must be 'strict' or 'replace', not {errors!r}")
    jobs = table.get("jobs")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ConfigError(f"{where}jobs must be a positive integer, not {jobs!r}")
    return Config(
        include=_globs(table, "include", where),
        exclude=_globs(table, "exclude", where),
        errors=errors,
        jobs=jobs,
        path=path,
    )


def _globs(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):  # a lone glob is accepted too
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}{key} must be a list of glob strings")
    return tuple(value)


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a candidate file exists

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: invalid TOML: {err}") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
