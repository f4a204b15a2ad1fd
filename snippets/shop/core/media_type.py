"""415 for a request body sent as a media type its route does not read."""

from http import HTTPStatus

from fastapi import Request
from fastapi.params import Form
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

FORM_MEDIA_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _is_json(media_type: str) -> bool:
    kind, _, subtype = media_type.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


async def body_media_type(request: Request) -> None:
    """Refuse with a 415 a body labelled as a type its route does not parse.

    FastAPI parses a JSON body only when ``Content-Type`` says JSON; under
    any other type, or none, it hands the raw bytes to validation, whose
    422 ("Input should be a valid dictionary") blamed the content for its
    label. A form route reads form types only (RFC 9110, section 15.5.16).
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    # Whether a body was sent, from the framing: a form route has read it
    # already, so the stream cannot be read again to see.
    if request.headers.get("content-length", "0") == "0" and (
        "transfer-encoding" not in request.headers
    ):
        return  # no body: validation's 422 says what is missing
    media_type = request.headers.get("content-type", "")
    media_type = media_type.partition(";")[0].strip().lower()
    if isinstance(route.body_field.field_info, Form):
        expected, accepted = "a form", media_type in FORM_MEDIA_TYPES
    else:
        expected, accepted = "application/json", _is_json(media_type)
    if not accepted:
        sent = f"sent as {media_type}" if media_type else "sent without a type"
        raise HTTPException(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"The body must be {expected}; it was {sent}",
        )
