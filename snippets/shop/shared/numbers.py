"""Number types shared by every domain's request schemas.

A request body's integer is validated as its JSON Schema reads it: the
published ``"type": "integer"`` refuses ``true`` and ``"2"``, and
pydantic's default (lax) ``int`` accepts both, as 1 and 2.
"""

from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError


# --8<-- [start:json-integer]
def json_integer(value: object) -> object:
    """Refuse what JSON Schema's ``integer`` refuses and a lax ``int`` takes.

    Not ``strict=True``: that refuses ``2.0`` too, which JSON Schema counts
    as an integer (a number with no fractional part), so the published
    schema and the validation would disagree the other way.
    """
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


JsonInt = Annotated[int, BeforeValidator(json_integer)]
"""An integer as JSON Schema defines it: a number, never a boolean or text."""
# --8<-- [end:json-integer]
