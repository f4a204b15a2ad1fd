"""Request and response bodies of the users domain.

Requests and responses are separate models: ``UserResponse`` has no
``password_hash`` field, so no code path can leak it by accident.
"""

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    validate_email,
)
from pydantic_core import PydanticCustomError

from shop.shared.text import DisplayName, EncodableText

# RFC 5321 limits a forward path to 256 octets, so an address has at most
# 254 characters; email-validator enforces that, so the schema says it too.
EMAIL_MAX_LENGTH = 254


# --8<-- [start:canonical-email]
def canonical_email(address: str) -> str:
    """The one spelling an address is stored and looked up in.

    pydantic's ``EmailStr`` normalisation (surrounding spaces stripped, NFC,
    the domain in its Unicode form: Punycode and full-width spellings become
    one) keeps a local part's compatibility characters: ``alice`` typed in
    full-width or mathematical letters would be another account that reads
    the same. NFKC folds them; the folding must still be an address (U+FE6B
    SMALL COMMERCIAL AT folds to "@"); then it is lower-cased. Raises
    ``PydanticCustomError`` if ``address`` or its folding is not an address.
    """
    _, typed = validate_email(address)
    _, folded = validate_email(unicodedata.normalize("NFKC", typed))
    return unicodedata.normalize("NFC", folded.lower())


def sign_in_email(username: str) -> str:
    """``username`` as registration would have stored it, if it is an address.

    Anything else is kept as typed: an account nobody has, so a 401 that
    says nothing about the rules.
    """
    try:
        return canonical_email(username)
    except PydanticCustomError:
        return username
        # --8<-- [end:canonical-email]


Email = Annotated[
    EmailStr, Field(max_length=EMAIL_MAX_LENGTH), AfterValidator(canonical_email)
]
"""An email address in its canonical form: uniqueness ignores case and spelling."""

PersonName = DisplayName
"""A display name, 1 to 100 characters on one line: no control or
bidirectional formatting character, no blank at either end (shop.shared.text).
Other invisible characters (U+00AD, U+3164) pass."""


def _characters(minimum: int, maximum: int) -> BeforeValidator:
    """A secret's length errors worded as a string's.

    SecretStr's own say "Value should have at least 12 items"; these say
    "String should have at least 12 characters", as every other field's do.
    The Field bounds beside it stay, for the published schema.
    """

    def check(value: object) -> object:
        if isinstance(value, str) and len(value) < minimum:
            raise PydanticCustomError(
                "string_too_short",
                "String should have at least {min_length} character{plural}",
                {"min_length": minimum, "plural": "" if minimum == 1 else "s"},
            )
        if isinstance(value, str) and len(value) > maximum:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": maximum},
            )
        return value

    return BeforeValidator(check)


Password = Annotated[
    SecretStr,
    Field(min_length=12, max_length=128),
    _characters(12, 128),
    EncodableText,
]
"""A password; SecretStr keeps it out of reprs, logs and tracebacks."""

PasswordToCheck = Annotated[
    SecretStr, Field(min_length=1, max_length=128), _characters(1, 128), EncodableText
]
"""A password typed to be checked, not stored: any length the rules ever allowed."""


# --8<-- [start:user-schemas]
# --8<-- [start:lead-user-create]
class UserCreate(BaseModel):
    """Body of ``POST /users``."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    name: PersonName
    password: Password
    # --8<-- [end:lead-user-create]


class UserUpdate(BaseModel):
    """Body of ``PATCH /users/me``: only the fields present are changed.

    A new ``password`` needs the ``current_password`` with it: a stolen
    token alone must not be enough to take the account over.
    """

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    password: Password | None = None
    current_password: PasswordToCheck | None = Field(
        default=None, validate_default=True
    )

    @field_validator("current_password")
    @classmethod
    def _required_with_a_new_password(
        cls, current: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if current is None and info.data.get("password") is not None:
            raise ValueError("the current password is required to set a new one")
        return current


# --8<-- [start:lead-user-response]
class UserResponse(BaseModel):
    """A user as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    created_at: datetime
    # --8<-- [end:lead-user-response]
    # --8<-- [end:user-schemas]


# --8<-- [start:sign-in-form]
class SignInForm(BaseModel):
    """Form body of ``POST /auth/token``: the service's own sign-in form.

    Shaped like OAuth 2.0's password grant only so that OpenAPI's
    "Authorize" button can use it. It is not that grant: no third-party
    client ever sees the password, and RFC 9700 says the grant MUST NOT be
    used. FastAPI's ``OAuth2PasswordRequestForm`` accepts any string, so a
    NUL byte in ``username`` reached PostgreSQL and came back as a 500.
    """

    model_config = ConfigDict(extra="ignore")

    # The account's email, in the spelling registration stored. Not
    # EmailStr: a malformed one is simply an unknown account (401), and
    # says nothing about the rules.
    username: Annotated[
        str,
        Field(
            min_length=1, max_length=EMAIL_MAX_LENGTH, pattern=r"^[^\x00-\x1f\x7f]+$"
        ),
        AfterValidator(sign_in_email),
    ]
    password: PasswordToCheck
    grant_type: Literal["password"] | None = None
    scope: str = ""
    # --8<-- [end:sign-in-form]


class TokenResponse(BaseModel):
    """Body of ``POST /auth/token``, shaped as an OAuth 2.0 token response (RFC 6749, 5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  # a scheme name, not a secret
    expires_in: int
