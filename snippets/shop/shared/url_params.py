"""Integers in a URL, in its path or its query, shared by every domain's routes.

One resource has one URL. pydantic's lax ``int`` reads ``01``, ``+1``,
``1.0``, `` 1``, ``0_1`` and any number more spellings as 1, so one order
answered at as many URLs, and one page of a listing (``?limit=10``,
``?limit=010``, ``?limit=1_0``) at as many more, each its own entry in a
cache and each a URL that a rule written for the plain one does not match.

Only routers and the query dependencies they use (shared/pagination.py)
import this module: it names FastAPI's ``Path``, and the services below the
routers load no FastAPI.
"""

import re
from typing import Annotated

from fastapi import Path
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from shop.shared.base_model import MAX_ID

# --8<-- [start:resource-id]
PLAIN_INTEGER = re.compile(r"0|-?[1-9][0-9]*")  # an int as str() writes it


def one_spelling(value: object) -> object:
    """Refuse the spellings other than the plain one that a lax ``int`` reads."""
    if isinstance(value, str) and not PLAIN_INTEGER.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing",
            "Input should be a plain integer such as 42: no plus sign, leading zero, "
            "space, point or underscore",
        )
    return value


# Path() (or Query()) first: FastAPI 0.165 publishes a validator's bounds as
# "ge" and "le", which JSON Schema does not know, if it comes after the validator.
ResourceId = Annotated[int, Path(ge=1, le=MAX_ID), BeforeValidator(one_spelling)]
# --8<-- [end:resource-id]
