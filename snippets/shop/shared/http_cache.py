"""Entity tags for conditional GET requests."""

import hashlib


# --8<-- [start:etag-helpers]
def strong_etag(body: bytes) -> str:
    """A strong ETag for a response body: equal bodies, equal tags."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches_if_none_match(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header lists ``etag`` (so 304 applies).

    RFC 9110, section 13.1.2: the comparison is weak, so ``W/"x"`` matches
    ``"x"``, and a bare ``*`` matches any current representation (``W/*``
    is no entity tag, and matches nothing).
    """
    if header is None:
        return False
    candidates = [candidate.strip() for candidate in header.split(",")]
    return "*" in candidates or etag in {c.removeprefix("W/") for c in candidates}
    # --8<-- [end:etag-helpers]
