"""Constrained string types shared by every domain's request schemas.

PostgreSQL stores text as UTF-8 and refuses NUL bytes and unpaired
surrogates; Python strings hold both happily. Each type here rejects what
the database would, at validation time (a 422), and declares it in the
JSON Schema, so the documented contract and the validation agree.
"""

from typing import Annotated

from pydantic import BeforeValidator, StringConstraints

# --8<-- [start:text-types]
# Never anywhere: the C0 and C1 controls and DEL (NUL included), the line
# and paragraph separators, and the bidirectional formatting characters
# that make text display in another order than it is stored ("Trojan
# Source", CVE-2021-42574).
CONTROLS = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Not first or last: white space (Unicode's White_Space, written out) and the
# invisible zero-width space, joiners and byte order mark. Rejected rather
# than stripped: stripping would accept input the schema's minLength or
# maxLength documents as invalid.
BLANKS = r"\x20\xa0\u1680\u2000-\u200d\u202f\u205f\u3000\ufeff"
# Every class is written out: no \s, whose meaning differs between ECMA-262
# (the JSON Schema's), pydantic's Rust regex and Python's re.
DISPLAY_TEXT_PATTERN = (
    rf"^[^{CONTROLS}{BLANKS}](?:[^{CONTROLS}]*[^{CONTROLS}{BLANKS}])?$"
)


def display_text(max_length: int) -> StringConstraints:
    """Constraints of a one-line display string of at most ``max_length``."""
    return StringConstraints(
        min_length=1, max_length=max_length, pattern=DISPLAY_TEXT_PATTERN
    )


def encodable_text(value: object) -> object:
    """Reject strings UTF-8 cannot encode (unpaired surrogates such as "\\ud800")."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text") from None
    return value


EncodableText = BeforeValidator(encodable_text)
"""Add to a free-form string type (a password) that has no pattern."""
# --8<-- [end:text-types]

DisplayName = Annotated[str, display_text(100)]
"""A person's display name, as shown to other people."""
