"""Routes that fail where a test of the service's error handling needs them."""

from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

EXPORT_FAILURE = "export source vanished"


def add_export_that_fails_mid_stream(app: FastAPI) -> None:
    """``GET /export``: a CSV stream whose source fails after its first row.

    The status line (200) is sent by then: too late for a 500, so the
    error leaves the app and the response is cut short.
    """

    async def rows() -> AsyncIterator[bytes]:
        yield b"order_id,total_cents\n"
        raise RuntimeError(EXPORT_FAILURE)

    async def export() -> StreamingResponse:
        return StreamingResponse(rows(), media_type="text/csv")

    app.add_api_route("/export", export)
