"""Request and response bodies of the users domain.

Requests and responses are separate models: ``UserResponse`` has no
``password_hash`` field, so no code path can leak it by accident.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    StringConstraints,
)

Email = Annotated[EmailStr, Field(max_length=255), AfterValidator(str.lower)]
"""An email address, lower-cased so that uniqueness is case-insensitive."""

PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
"""A display name; surrounding whitespace is dropped."""

Password = Annotated[SecretStr, Field(min_length=12, max_length=128)]
"""A password; SecretStr keeps it out of reprs, logs and tracebacks."""


# --8<-- [start:user-schemas]
class UserCreate(BaseModel):
    """Body of ``POST /users``."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    name: PersonName
    password: Password


class UserUpdate(BaseModel):
    """Body of ``PATCH /users/me``: only the fields present are changed."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    password: Password | None = None


class UserResponse(BaseModel):
    """A user as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    created_at: datetime
    # --8<-- [end:user-schemas]


class TokenResponse(BaseModel):
    """Body of ``POST /auth/token``, as OAuth2's password flow specifies it."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a scheme name, not a secret
    expires_in: int
