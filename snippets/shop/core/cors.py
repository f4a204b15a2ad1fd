"""CORS, with refusals in the common error body."""

from http import HTTPStatus

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from shop.core.errors import error_response


# --8<-- [start:cors-middleware]
class JsonCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, answering a refused preflight in JSON.

    Starlette refuses a preflight with a plain-text 400; every other error
    of the service uses the common error body, and clients parse just that.
    """

    def preflight_response(self, request_headers: Headers) -> Response:
        """The preflight answer; a refusal becomes the common error body."""
        response = super().preflight_response(request_headers)
        if response.status_code < HTTPStatus.BAD_REQUEST:
            return response
        refusal = error_response(
            response.status_code,
            bytes(response.body).decode(),
            code="cors_rejected",
        )
        # Vary: Origin and the allow-* headers still describe the policy.
        for name, value in response.headers.items():
            if name not in ("content-length", "content-type"):
                refusal.headers[name] = value
        return refusal

    # --8<-- [end:cors-middleware]
