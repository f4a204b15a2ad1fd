"""Find fenced code blocks in Markdown, with the line each one starts on.

Both info-string forms are understood: ``python title="x.py"`` and the
attr-list form ``{ .python .no-run title="..." }`` that superfences renders.
"""

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_FENCE_OPEN = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
_ATTR = re.compile(r"""^(?P<key>[\w-]+)=(?P<value>.*)$""")
_QUOTING = re.compile(r"""["'\\]""")
# The line pymdownx.snippets replaces with a file or a named section of one.
INCLUDE_LINE = re.compile(r"""^\s*-{1,}8<-{1,}\s+(["'])(?P<target>.+?)\1\s*$""")


@dataclass(frozen=True)
class FencedBlock:
    """One fenced code block of a Markdown file."""

    path: Path
    line: int
    """1-based line of the opening fence."""
    language: str
    classes: frozenset[str] = field(default_factory=frozenset)
    attrs: dict[str, str] = field(default_factory=dict)
    source: str = ""
    """The block's content, dedented to the fence's indentation."""

    @property
    def lines(self) -> range:
        """Line numbers the block covers, opening and closing fence included."""
        return range(self.line, self.line + self.source.count("\n") + 2)

    @property
    def title(self) -> str | None:
        return self.attrs.get("title")

    @property
    def includes(self) -> list[str]:
        """The ``--8<--`` targets in this block (``path`` or ``path:section``)."""
        return [
            match["target"]
            for line in self.source.splitlines()
            if (match := INCLUDE_LINE.match(line))
        ]

    @property
    def is_include(self) -> bool:
        """True when the block's content comes from files via ``--8<--``."""
        return bool(self.includes)

    def __str__(self) -> str:
        from handbook.content.locations import Location

        return str(Location(self.path, self.line))


def parse_info(info: str) -> tuple[str, frozenset[str], dict[str, str]]:
    """Split an info string into language, classes and key="value" attributes."""
    info = info.strip()
    if info.startswith("{") and info.endswith("}"):
        info = info[1:-1]
    words = _words(info)
    language = ""
    classes: set[str] = set()
    attrs: dict[str, str] = {}
    for position, word in enumerate(words):
        if match := _ATTR.match(word):
            attrs[match["key"]] = match["value"]
        elif word.startswith("."):
            if not language and position == 0:
                language = word[1:]
            else:
                classes.add(word[1:])
        elif position == 0:
            language = word
        else:
            classes.add(word)
    return language.lower(), frozenset(classes), attrs


def _words(info: str) -> list[str]:
    """The info string's words; shlex only where quoting needs it: most info
    strings have none, and shlex is slow enough to count when every page's
    fences are parsed."""
    if _QUOTING.search(info):
        return shlex.split(info)
    return info.split()


def _dedent(line: str, indent: int) -> str:
    """Remove the fence's own indentation (inside a list, tab or admonition)."""
    prefix = len(line) - len(line.lstrip(" "))
    return line[min(prefix, indent) :]


def fenced_lines(path: Path, text: str) -> set[int]:
    """Every line of ``text`` that belongs to a code block."""
    return {number for block in find_fences(path, text) for number in block.lines}


def find_fences(path: Path, text: str | None = None) -> Iterator[FencedBlock]:
    """Yield every fenced block of a Markdown file, nested ones included."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        closing = re.compile(
            rf"^ {{0,{indent + 3}}}{re.escape(fence[0])}{{{len(fence)},}}\s*$"
        )
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            body.append(_dedent(lines[end], indent))
            end += 1
        language, classes, attrs = parse_info(opening["info"])
        yield FencedBlock(
            path=path,
            line=index + 1,
            language=language,
            classes=classes,
            attrs=attrs,
            source="\n".join(body) + "\n" if body else "",
        )
        index = end + 1
