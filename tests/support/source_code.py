"""The source document's code, as the claims tests take it."""

import re

from handbook.content.docs_tree import DOCS_DIR
from handbook.content.fences import find_fences
from handbook.content.source_document import SourceDocument

SOURCE_DOCUMENT = DOCS_DIR / "_data" / "source-document.md"


def source_block_starting(first_line: str) -> str:
    """The source document's code block whose text starts with ``first_line``."""
    return next(
        b.source
        for b in find_fences(SOURCE_DOCUMENT)
        if b.source.lstrip().startswith(first_line)
    )


def source_python_files() -> dict[str, str]:
    """The source's Python blocks as the files they show, by name.

    The example implementation is one block holding four files, each after
    a ``# users/<module>.py`` line; it is split into them. The loader block
    (``from <project>.models import *``) holds a placeholder, not Python,
    and is left out.
    """
    statements = {s.anchor: s.text for s in SourceDocument.load(DOCS_DIR).statements}
    files = {
        "config.py": statements["configuration-management--python"],
        "database.py": statements["async-sqlalchemy-setup--python"],
        "conftest.py": statements["transaction-isolation-pattern--python"],
    }
    parts = re.split(
        r"^# (users/\w+\.py)\n",
        statements["example-implementation--python"],
        flags=re.M,
    )
    files.update(dict(zip(parts[1::2], parts[2::2], strict=True)))
    return files
