"""Task-list checkboxes with an accessible name.

pymdownx.tasklist renders a checkbox whose label has no text; a screen
reader needs its name, which is the item's own text.
"""

import html
import re

_TASK_CHECKBOX = re.compile(
    r'<input type="checkbox" disabled(?P<checked>\s*checked)?\s*/?>'
    r"(?P<rest>(?:<span[^>]*></span>)?</label>(?P<text>.*?))(?=<ul|<ol|</li>)",
    re.DOTALL,
)


def name_checkboxes(content: str) -> str:
    """Give every task-list checkbox of ``content`` its item's text as its name."""
    return _TASK_CHECKBOX.sub(_named_checkbox, content)


def _named_checkbox(match: re.Match[str]) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", match["text"]))
    name = html.escape(" ".join(text.split()), quote=True)
    checked = " checked" if match["checked"] else ""
    return (
        f'<input type="checkbox" disabled{checked} aria-label="{name}"/>{match["rest"]}'
    )
