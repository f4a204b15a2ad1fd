"""Errors that point at a file and line, so every failure says where to look."""

import re
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a file, printed as ``path:line`` like compilers and linters do."""

    path: Path
    line: int

    def __str__(self) -> str:
        path = self.path
        if path.is_absolute():
            with suppress(ValueError):
                path = path.relative_to(Path.cwd())
        return f"{path}:{self.line}"


class LocatedError(ValueError):
    """A problem in a source file; ``str()`` starts with ``path:line``."""

    def __init__(self, location: Location, message: str) -> None:
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}")


def toml_key_line(text: str, key: str, after_line: int = 0) -> int | None:
    """The 1-based line of the first ``key = ...`` below line ``after_line``
    of a TOML text (a table's header line, or 0 for the whole text)."""
    assignment = re.compile(rf"^\s*{re.escape(key)}\s*=")
    lines = text.splitlines()[after_line:]
    for number, line in enumerate(lines, start=after_line + 1):
        if assignment.match(line):
            return number
    return None


def line_of(text: str, needle: str, default: int = 1) -> int:
    """Return the 1-based line of the first line starting with ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(needle):
            return number
    return default
