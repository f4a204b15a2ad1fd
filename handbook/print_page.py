"""The all-in-one page (``/print/``): every principle, rendered, in reading order.

Its Markdown is a short introduction and the ``[[all-principles]]``
placeholder. Once every page is rendered, the placeholder becomes each
principle's HTML, re-based to work on this page: relative links lead where
they led, and ids get the principle's prefix so that anchors stay unique.
"""

import posixpath
import re
from collections.abc import Mapping

from handbook.placeholders import Kind, PageAddress, Placeholder, Stage, no_argument
from handbook.registry import Registry

PLACEHOLDER = "[[all-principles]]"


def markdown(registry: Registry) -> str:
    """The page's Markdown; the principles come in through the placeholder."""
    return (
        "# All principles on one page\n\n"
        f"All {len(registry.principles)} principles in reading order, for printing "
        "or reading offline. Each starts with its ID; its short link is "
        "`/id/<ID>/`.\n\n"
        f"{PLACEHOLDER}\n"
    )


def all_principles_kind(registry: Registry, rendered: Mapping[str, str]) -> Kind:
    """``[[all-principles]]``: each principle's HTML (``rendered``, by its page's
    URI), in reading order, as an article with its ID as anchor."""

    def expand(placeholder: Placeholder, page: PageAddress) -> str:
        del placeholder  # takes no argument
        articles = []
        for principle in registry.reading_order():
            prefix = principle.id.lower()
            content = relocate_html(
                rendered[principle.path.as_posix()], principle.url, page.url, prefix
            )
            articles.append(
                f'<article class="pbp-print-principle" id="{prefix}">{content}</article>'
            )
        return "\n".join(articles)

    return Kind(Stage.HTML, no_argument, expand)


def relocate_html(content: str, from_url: str, to_url: str, prefix: str) -> str:
    """A page's rendered HTML, made to work inside another page.

    Relative links are re-based from ``from_url`` to ``to_url`` (both
    site-relative directory URLs), and every ``id`` with the references to it
    gets ``prefix``, so pages combined on one page keep unique anchors.
    """

    def rebase(match: re.Match[str]) -> str:
        attr, url = match[1], match[2]
        if url.startswith("#"):
            return f'{attr}="#{prefix}-{url[1:]}"'
        if re.match(r"^([a-z][a-z0-9+.-]*:|/)", url):
            return match[0]  # absolute: unchanged
        path, _, fragment = url.partition("#")
        target = posixpath.normpath(posixpath.join("/" + from_url, path))
        if path.endswith("/") and not target.endswith("/"):
            target += "/"
        rebased = posixpath.relpath(target, "/" + to_url)
        if target.endswith("/"):
            rebased += "/"
        return f'{attr}="{rebased}' + (f"#{fragment}" if fragment else "") + '"'

    content = re.sub(r'\b(href|src)="([^"]*)"', rebase, content)
    content = re.sub(r'\b(id|for)="([^"]+)"', rf'\1="{prefix}-\2"', content)
    return re.sub(
        r'\b(aria-labelledby|aria-controls|aria-describedby)="([^"]+)"',
        rf'\1="{prefix}-\2"',
        content,
    )
