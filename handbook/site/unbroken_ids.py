"""Principle IDs never wrap at their hyphens.

A browser may break a line after any hyphen, so on a phone ``STACK-PYDANTIC``
could show as ``STACK-`` / ``PYDANTIC``: half an ID, which a reader then
cannot cite or search for. The ID is kept whole by styling the element that
shows it (``white-space: nowrap``, docs/assets/handbook.css), never by
changing its text, so what a reader copies is the ID as it is published.

In rendered page HTML an inline code span that holds just an ID gets the
class ``pbp-id-code``; an ID inside a text block, which wraps as prose
(review comments, tool output), is wrapped in a ``pbp-nowrap`` span. Other places that
show IDs mark them where they are generated: the sidebar (overrides/
partials/nav-item.html), the ID badge, Start here and the checklist.
"""

import re
from collections.abc import Iterable

_INLINE_CODE = re.compile(r"<code>([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)</code>")
# Only text blocks wrap (review comments, tool output); other code scrolls.
_PRE = re.compile(
    r'(<div class="language-text highlight"><pre\b[^>]*>)(.*?)(</pre>)', re.DOTALL
)
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)|([^<]+)")


def keep_ids_whole(html: str, ids: Iterable[str]) -> str:
    """``html`` with every published ID in code marked to stay on one line."""
    known = set(ids)
    if not known:
        return html
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(i) for i in sorted(known, key=len, reverse=True))
        + r")(?![\w-])"
    )

    def inline(match: re.Match[str]) -> str:
        if match[1] not in known:
            return match[0]
        return f'<code class="pbp-id-code">{match[1]}</code>'

    def in_text(segment: re.Match[str]) -> str:
        tag, text = segment[1], segment[2]
        if tag is not None:
            return tag
        return pattern.sub(r'<span class="pbp-nowrap">\1</span>', text)

    def in_block(block: re.Match[str]) -> str:
        if "-" not in block[2]:
            return block[0]
        body = _TAG_OR_TEXT.sub(in_text, block[2])
        return block[1] + body + block[3]

    return _PRE.sub(in_block, _INLINE_CODE.sub(inline, html))
