"""Constrained string types shared by every domain's request schemas.

PostgreSQL stores text as UTF-8 and refuses NUL bytes and unpaired
surrogates; Python strings hold both happily. Each type here rejects what
the database would, at validation time (a 422), and declares it in the
JSON Schema, so the documented contract and the validation agree.
"""

from typing import Annotated

from pydantic import BeforeValidator, StringConstraints

# --8<-- [start:text-types]
# Printable text with no leading or trailing whitespace: no control
# characters (NUL included) anywhere. Stripping instead would accept input
# the schema's maxLength or minLength documents as invalid.
DISPLAY_TEXT_PATTERN = r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$"


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
