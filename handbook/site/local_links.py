"""Warnings for a build whose links only this machine can open.

Copy buttons copy absolute links built from the site's address. Under
`task docs` that address is 127.0.0.1, so a link copied there reaches no
colleague: the principle pages, the checklist and the print page warn
beside their copy buttons, and the print page drops each principle's
copies for its one warning at the top by the class they share.
"""

import ipaddress
from urllib.parse import urlsplit


def is_local(url: str) -> bool:
    """Whether only this machine can open ``url``: `task docs` serves on 127.0.0.1."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a name, not an address
        return False
    return address.is_loopback or address.is_unspecified


# The class that marks both, so the print page can drop each principle's
# copies for its one warning at the top (print_page.py).
LOCAL_LINKS_CLASS = "pbp-local-links"


def local_links_warning(link_url: str, indent: str = "") -> str:
    """A visible warning beside copy buttons whose links only this machine can open.

    Empty when ``link_url`` is a real address. ``mkdocs serve`` replaces
    ``site_url`` with its own local address, so under `task docs` the
    published address has to come from ``extra.published_url``.
    """
    if not is_local(link_url):
        return ""
    lines = [
        f'!!! warning {LOCAL_LINKS_CLASS} "Local links"',
        "",
        f"    The links you copy here start with `{link_url}`, this build's local "
        "address: colleagues can't open them. Set `PUBLISHED_URL` to the handbook's "
        "published address (for example `PUBLISHED_URL=https://handbook.example.com/ "
        "uv run task docs`) to copy links that work for everyone.",
        "",
    ]
    return "".join(f"{indent}{line}\n" if line else "\n" for line in lines) + "\n"


def local_links_reminder(link_url: str) -> str:
    """One line beside copy buttons far below the page's warning: the reader
    who scrolled to them has not seen it, and must not copy a local link unaware."""
    if not is_local(link_url):
        return ""
    return (
        f'<p class="{LOCAL_LINKS_CLASS}" data-search-exclude markdown>'
        f"**Local links:** what you copy here links to `{link_url}`, which "
        "colleagues can't open; the warning under the rule says how to copy "
        "links that work for everyone.</p>\n\n"
    )
