"""The source document's example project, assembled from its code blocks as written.

A block is a file when its first line names it (``# users/models.py``; the
Example Implementation block holds four, one after the other) or when the
prose line just above it names one in backticks ("Create `Taskfile.yml`
..."). Blocks that name no file (shell commands, the directory tree) are
left out.
"""

import re
from pathlib import Path

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences

SOURCE = DOCS_DIR / "_data" / "source-document.md"
_NAMED = re.compile(r"^# ([\w./-]+\.\w+)$")
_IN_PROSE = re.compile(r"`([\w./-]*\.(?:yml|yaml|toml|hcl|py))`")


def example_files() -> dict[str, str]:
    """File path to content, exactly as the source document's blocks have them."""
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    files: dict[str, str] = {}
    for block in find_fences(SOURCE):
        body = block.source.splitlines()
        if body and _NAMED.match(body[0]):
            current: str | None = None
            for line in body:
                named = _NAMED.match(line)
                if named:
                    current = named[1]
                    files[current] = ""
                if current is not None:
                    files[current] += line + "\n"
            continue
        prose = next(
            (lines[n] for n in range(block.line - 2, -1, -1) if lines[n].strip()), ""
        )
        mentioned = _IN_PROSE.findall(prose)
        if mentioned:
            files[mentioned[-1]] = (
                block.source if block.source.endswith("\n") else block.source + "\n"
            )
    return files


def assemble(root: Path) -> list[str]:
    """Write the example project under ``root``; return its files."""
    files = example_files()
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content.rstrip("\n") + "\n", encoding="utf-8")
    return sorted(files)
