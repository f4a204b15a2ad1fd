"""The project being checked: its root, its files, and reading them safely.

The root is the nearest directory at or above the first path that holds a
``pyproject.toml`` (as Ruff finds its configuration); without one, the path
itself. Files are what git lists there, tracked or not but never ignored, so
``.venv`` and build output are skipped; outside a git work tree the
directories are walked without following symbolic links. Any file that
cannot be read (not UTF-8, binary, a broken or looping link) is reported as
not checked, never as clean.
"""

import fnmatch
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

MAX_BYTES = 2_000_000
"""Files larger than this are skipped (generated code, data dumps)."""
SKIPPED_DIRS = {
    ".git", ".hg", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", "build", "dist", "site",
}  # fmt: skip


class Unreadable(Exception):
    """A file the checker cannot read; the message says why."""

    def __init__(self, message: str, failure: bool = True) -> None:
        super().__init__(message)
        self.failure = failure


@dataclass
class Project:
    root: Path
    """Absolute; holds pyproject.toml unless ``pyproject`` is None."""
    paths: tuple[Path, ...]
    """What was asked for, absolute: directories or files."""
    exclude: tuple[str, ...] = ()
    pyproject: Path | None = None
    _texts: dict[Path, str] = field(default_factory=dict, repr=False)

    @classmethod
    def discover(cls, paths: Iterable[Path]) -> "Project":
        absolute = tuple(Path(os.path.abspath(p)) for p in paths)
        start = absolute[0] if absolute[0].is_dir() else absolute[0].parent
        for directory in (start, *start.parents):
            if (directory / "pyproject.toml").is_file():
                return cls(directory, absolute, pyproject=directory / "pyproject.toml")
        return cls(start, absolute)

    def relative(self, path: Path) -> str:
        """Posix path from the project root (the baseline's key), or absolute."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def excluded(self, path: Path) -> bool:
        relative = PurePosixPath(self.relative(path))
        candidates = [
            str(relative),
            *(str(p) for p in relative.parents if str(p) != "."),
        ]
        return any(
            glob_match(candidate, pattern.rstrip("/"))
            for pattern in self.exclude
            for candidate in candidates
        )

    def in_scope(self, path: Path) -> bool:
        """Whether a finding in ``path`` belongs to this run."""
        return not self.excluded(path) and any(
            path == asked or asked in path.parents for asked in self.paths
        )

    @cached_property
    def git_root(self) -> Path | None:
        git = shutil.which("git")
        if git is None:
            return None
        result = subprocess.run(
            [git, "rev-parse", "--show-toplevel"],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
        )
        return Path(result.stdout.strip()) if result.returncode == 0 else None

    @cached_property
    def tracked(self) -> frozenset[Path] | None:
        """Files git tracks under the root; None outside a git work tree."""
        return self._git_files("--cached")

    @cached_property
    def files(self) -> tuple[Path, ...]:
        """Every file under the asked paths, not ignored and not excluded, sorted."""
        found: set[Path] = set()
        inside = [
            p
            for p in self.paths
            if p.is_dir() and (p == self.root or self.root in p.parents)
        ]
        listed = (
            self._git_files("--cached", "--others", "--exclude-standard", "--", *inside)
            if inside
            else None
        )
        for asked in self.paths:
            if asked.is_file() or asked.is_symlink():
                found.add(asked)
            elif listed is not None and asked in inside:
                found |= {p for p in listed if asked in p.parents}
            else:
                found |= set(_walk(asked))
        return tuple(sorted(p for p in found if not self.excluded(p)))

    def _git_files(self, *options: str | Path) -> frozenset[Path] | None:
        git = shutil.which("git")
        if git is None or self.git_root is None:
            return None
        result = subprocess.run(
            [git, "ls-files", "-z", *map(str, options)],
            cwd=self.root,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            return None
        names = result.stdout.decode("utf-8", "surrogateescape").split("\0")
        return frozenset(
            self.root / name
            for name in names
            if name and not (self.root / name).is_dir()
        )

    def named(self, *patterns: str) -> list[Path]:
        """Files whose name matches one of the glob patterns."""
        return [
            p for p in self.files if any(fnmatch.fnmatch(p.name, g) for g in patterns)
        ]

    def read(self, path: Path) -> str:
        """A file's text; raises Unreadable with the reason."""
        if path in self._texts:
            return self._texts[path]
        text = read_text(path)
        self._texts[path] = text
        return text


def glob_match(relative: str, pattern: str) -> bool:
    """``fnmatch`` on a posix path, where a leading ``**/`` also matches nothing."""
    return fnmatch.fnmatch(relative, pattern) or (
        pattern.startswith("**/") and fnmatch.fnmatch(relative, pattern[3:])
    )


def read_text(path: Path) -> str:
    """The text of a source file, or Unreadable saying why not."""
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if target.is_dir():
                raise Unreadable("a link to a directory", failure=False)
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise Unreadable(
                f"{size:,} bytes, over the {MAX_BYTES:,}-byte limit for source files",
                failure=False,
            )
        data = path.read_bytes()
    except RuntimeError as error:  # Path.resolve on a symlink loop
        raise Unreadable(f"cannot be read: {error}") from error
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror or error}") from error
    if b"\0" in data[:8192]:
        raise Unreadable("binary content (a NUL byte), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise Unreadable(
            f"not UTF-8 (byte {data[error.start]:#04x} on line {line})"
        ) from error


def _walk(directory: Path) -> Iterator[Path]:
    for parent, dirs, names in os.walk(directory, followlinks=False):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")
        )
        for name in names:
            yield Path(parent) / name
