"""Fewer elements in highlighted code, with the same look.

Pygments wraps every token of a code block in a ``<span>``, plain names
(class ``n``) and whitespace (class ``w``) included. Material colours a
plain name with ``--md-code-hl-name-color``, which is the code's own
foreground colour, and gives whitespace no rule at all, so those spans
change nothing a reader sees; on a page of quoted code they are a quarter of
its elements, and a phone pays for each one.
"""

import re

# Only spans that hold text and nothing else, as Pygments writes them.
_PLAIN_TOKEN = re.compile(r'<span class="[nw]">([^<]*)</span>')


def unwrap_plain_tokens(html: str) -> str:
    """``html`` with the plain-name and whitespace spans replaced by their text."""
    return _PLAIN_TOKEN.sub(r"\1", html)
