"""415 for a request body sent as a media type its route does not read."""

from http import HTTPStatus

from fastapi import Request
from fastapi.params import Body, Form
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

# A form route reads both form encodings; FastAPI's Form() names only the first.
MULTIPART_FORM = "multipart/form-data"
# A client's Content-Type is echoed in the message up to this length.
SHOWN_CHARACTERS = 64


async def body_media_type(request: Request) -> None:
    """Refuse with a 415 a body labelled as a type its route does not read.

    The type a route reads is the one its OpenAPI document lists
    (``application/json``, or a form). FastAPI parses JSON under any
    ``+json`` type too, so a ``PATCH`` labelled JSON Patch was applied as a
    merge; under any other type, or none, it hands the raw bytes to
    validation, whose 422 ("Input should be a valid dictionary") blamed the
    content for its label (RFC 9110, section 15.5.16).
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    # Whether a body was sent, from the framing (a chunked one counts, even
    # empty): a form route has read the stream already, so it cannot be
    # read again to see.
    if request.headers.get("content-length", "0") == "0" and (
        "transfer-encoding" not in request.headers
    ):
        return  # no body: validation's 422 says what is missing
    field = route.body_field.field_info
    declared = field.media_type if isinstance(field, Body) else "application/json"
    accepted = {declared, MULTIPART_FORM} if isinstance(field, Form) else {declared}
    media_type = request.headers.get("content-type", "")
    media_type = media_type.partition(";")[0].strip().lower()
    if media_type not in accepted:
        sent = (
            f"sent as {media_type[:SHOWN_CHARACTERS]}"
            if media_type
            else "sent without a type"
        )
        raise HTTPException(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"The body must be {' or '.join(sorted(accepted))}; it was {sent}",
        )
