"""Entity tags for conditional GET requests."""

import hashlib


# --8<-- [start:etag-helpers]
def strong_etag(body: bytes) -> str:
    """A strong ETag for a response body: equal bodies, equal tags."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches_if_none_match(field_lines: list[str] | None, etag: str) -> bool:
    """Whether ``If-None-Match`` lists ``etag`` (so 304 applies).

    RFC 9110: the field's lines are one comma-separated list (section 5.3),
    so a tag on a second line counts; the comparison is weak (13.1.2), so
    ``W/"x"`` matches ``"x"``, and a bare ``*`` matches any current
    representation (``W/*`` is no entity tag, and matches nothing).
    """
    if not field_lines:
        return False
    candidates = [tag.strip() for line in field_lines for tag in line.split(",")]
    return "*" in candidates or etag in {c.removeprefix("W/") for c in candidates}
    # --8<-- [end:etag-helpers]
