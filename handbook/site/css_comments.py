"""The site's own stylesheet is served without its comments.

``docs/assets/handbook.css`` explains each rule in a comment, for whoever
edits it; a reader's browser needs none of that. Every page loads the file,
so its comments cost every page about half of the stylesheet's compressed
bytes (measured: 3.3 KB gzip with them, 1.7 KB without). The build writes
the served copy without them; the source keeps them.
"""

import re
from pathlib import Path

SITE_STYLESHEET = Path("assets") / "handbook.css"
_COMMENT = re.compile(r"/\*.*?\*/\s*", re.S)


def without_comments(css: str) -> str:
    """The stylesheet with every ``/* ... */`` comment (and the space after it) removed.

    The handbook's CSS has no string that contains ``/*``, so a regular
    expression is enough; a test checks that holds.
    """
    return _COMMENT.sub("", css)


def strip_site_stylesheet(site_dir: Path) -> None:
    served = site_dir / SITE_STYLESHEET
    served.write_text(
        without_comments(served.read_text(encoding="utf-8")), encoding="utf-8"
    )
