"""Expand ``--8<--`` lines exactly as the site build does.

The expansion uses pymdownx.snippets' own preprocessor, configured from
``mkdocs.yml``, so the tests and ``mkdocs build`` cannot disagree about what
a page includes.
"""

import os
from contextlib import chdir
from functools import cache
from pathlib import Path

import markdown
from mkdocs.config import load_config
from pymdownx.snippets import SnippetMissingError, SnippetPreprocessor

from handbook.content.docs_tree import REPO_ROOT
from handbook.content.fences import INCLUDE_LINE, FencedBlock
from handbook.content.locations import LocatedError, Location


@cache
def _snippets_preprocessor() -> SnippetPreprocessor:
    with chdir(REPO_ROOT), open(os.devnull, "w"):
        config = load_config(str(REPO_ROOT / "mkdocs.yml"))
        md = markdown.Markdown(
            extensions=["pymdownx.snippets"],
            extension_configs={
                "pymdownx.snippets": config.mdx_configs["pymdownx.snippets"]
            },
        )
    preprocessor: SnippetPreprocessor = md.preprocessors["snippet"]
    return preprocessor


def expand(block: FencedBlock) -> str:
    """The block's content with every include replaced by the included lines."""
    preprocessor = _snippets_preprocessor()
    out: list[str] = []
    for offset, line in enumerate(block.source.splitlines(), start=1):
        if not INCLUDE_LINE.match(line):
            out.append(line)
            continue
        try:
            with chdir(REPO_ROOT):
                included = preprocessor.run([line.strip()])
        except SnippetMissingError as error:
            raise LocatedError(
                Location(block.path, block.line + offset),
                f"broken include {line.strip()}: {error}",
            ) from error
        if not "".join(included).strip():
            raise LocatedError(
                Location(block.path, block.line + offset),
                f"include {line.strip()} is empty",
            )
        out.extend(included)
    return "\n".join(out) + "\n"


def resolve_target(target: str) -> tuple[Path, str | None]:
    """Split ``path:section`` into the file and the section name."""
    path, _, section = target.rpartition(":")
    if path and section and not section[0].isdigit() and "/" not in section:
        return REPO_ROOT / path, section
    return REPO_ROOT / target, None
