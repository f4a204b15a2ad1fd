"""The all-in-one page (``/print/``): every principle, rendered, in reading order.

Its Markdown is a short introduction and the ``[[all-principles]]``
placeholder. Once every page is rendered, the placeholder becomes each
principle's HTML, re-based to work on this page: relative links lead where
they led, and ids get the principle's prefix so that anchors stay unique.
"""

import functools
import posixpath
import re
from collections.abc import Mapping

from handbook.content.placeholders import (
    Kind,
    PageAddress,
    Placeholder,
    Stage,
    no_argument,
)
from handbook.content.registry import Registry
from handbook.site.local_links import LOCAL_LINKS_CLASS, local_links_warning

PLACEHOLDER = "[[all-principles]]"


def markdown(registry: Registry, link_url: str) -> str:
    """The page's Markdown; the principles come in through the placeholder.

    A local build warns once, at the top, of the links copied anywhere on the
    page; the principles come without their own warnings (``without_warnings``).
    """
    return (
        "# All principles on one page\n\n"
        f"All {len(registry.principles)} principles in reading order, for printing "
        "or reading offline. Each starts with its ID; its short link is "
        "`/id/<ID>/`.\n\n" + local_links_warning(link_url) + f"{PLACEHOLDER}\n"
    )


# A principle page's local-links warning and reminder (local_links.py), as rendered.
_LOCAL_LINKS = re.compile(
    rf'<div class="admonition warning {LOCAL_LINKS_CLASS}">.*?</div>\s*'
    rf'|<p class="{LOCAL_LINKS_CLASS}"[^>]*>.*?</p>\s*',
    re.DOTALL,
)


def without_warnings(content: str) -> str:
    """A principle's HTML without its local-links warnings: the page's one does."""
    return _LOCAL_LINKS.sub("", content)


def all_principles_kind(registry: Registry, rendered: Mapping[str, str]) -> Kind:
    """``[[all-principles]]``: each principle's HTML (``rendered``, by its page's
    URI), in reading order, as an article with its ID as anchor."""

    def expand(placeholder: Placeholder, page: PageAddress) -> str:
        del placeholder  # takes no argument
        articles = []
        for principle in registry.reading_order():
            prefix = principle.id.lower()
            content = relocate_html(
                without_warnings(rendered[principle.path.as_posix()]),
                principle.url,
                page.url,
                prefix,
            )
            articles.append(
                f'<article class="pbp-print-principle" id="{prefix}">{content}</article>'
            )
        return "\n".join(articles)

    return Kind(Stage.HTML, no_argument, expand)


# Every attribute that holds a URL or an id, or refers to an id: one pass.
_ATTRIBUTE = re.compile(
    r'(\s)(href|src|id|for|aria-labelledby|aria-controls|aria-describedby)="([^"]*)"'
)
_ABSOLUTE = re.compile(r"^([a-z][a-z0-9+.-]*:|/)")


def relocate_html(content: str, from_url: str, to_url: str, prefix: str) -> str:
    """A page's rendered HTML, made to work inside another page.

    Relative links are re-based from ``from_url`` to ``to_url`` (both
    site-relative directory URLs), and every ``id`` with the references to it
    gets ``prefix``, so pages combined on one page keep unique anchors.
    """

    def relocate(match: re.Match[str]) -> str:
        space, attr, value = match[1], match[2], match[3]
        if attr not in ("href", "src"):
            return f'{space}{attr}="{prefix}-{value}"' if value else match[0]
        if value.startswith("#"):
            return f'{space}{attr}="#{prefix}-{value[1:]}"'
        if _ABSOLUTE.match(value):
            return match[0]  # absolute: unchanged
        path, _, fragment = value.partition("#")
        rebased = _rebased(path, from_url, to_url) + (
            f"#{fragment}" if fragment else ""
        )
        return f'{space}{attr}="{rebased}"'

    return _ATTRIBUTE.sub(relocate, content)


@functools.lru_cache(maxsize=4096)
def _rebased(path: str, from_url: str, to_url: str) -> str:
    """``path``, relative to ``from_url``, made relative to ``to_url``; the
    same few paths recur on every page, so each is worked out once."""
    target = posixpath.normpath(posixpath.join("/" + from_url, path))
    if path.endswith("/") and not target.endswith("/"):
        target += "/"
    rebased = posixpath.relpath(target, "/" + to_url)
    return rebased + "/" if target.endswith("/") else rebased
